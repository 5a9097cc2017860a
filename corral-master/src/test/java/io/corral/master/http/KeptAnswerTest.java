package io.corral.master.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.master.Maintenance;
import io.corral.master.MasterCounts;
import io.corral.master.MasterView;
import io.corral.master.state.AgentView;
import io.corral.master.state.FrameworkView;
import io.corral.protocol.http.ResponseBody;
import io.corral.protocol.resources.ResourceSet;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.mesos.v1.maintenance.Protos.ClusterStatus;
import org.apache.mesos.v1.maintenance.Protos.Schedule;
import org.junit.jupiter.api.Test;

/** A whole answer is given again for a view of the very same lists, and rendered again for anything else. */
class KeptAnswerTest {
    private static final MasterInfo INFO = MasterInfo.newBuilder().setId("m").setIp(0x7f000001).setPort(5050)
            .setHostname("localhost").build();

    /** One agent, so that lists of it made again are other lists (copies of an empty list are all the same one). */
    private static final List<AgentView> AGENTS = List.of(new AgentView(
            AgentInfo.newBuilder().setId(AgentID.newBuilder().setValue("a-1")).setHostname("h").build(),
            ResourceSet.empty(), ResourceSet.empty(), ResourceSet.empty(), true, 0, 1_700_000_000_000L, 0, false,
            Optional.empty()));

    private static final List<FrameworkView> FRAMEWORKS = List.of(new FrameworkView(FrameworkInfo.newBuilder()
            .setId(FrameworkID.newBuilder().setValue("f-1")).setUser("u").setName("f").build(), "*", true,
            1_700_000_000_000L, List.of(), List.of(), List.of(), List.of()));

    private final KeptAnswer kept = new KeptAnswer(Runnable::run); // compressed harder at once, on the reader
    private final AtomicInteger renderings = new AtomicInteger();

    private static MasterView view(long version, List<AgentView> agents, List<FrameworkView> frameworks) {
        return new MasterView(version, version, INFO, 1_700_000_000_000L, agents, frameworks, List.of(), List.of(),
                MasterCounts.TaskCounters.NONE, MasterCounts.AgentCounters.NONE, 0, version, version, Map.of(),
                false, new Maintenance.MaintenanceView(Schedule.getDefaultInstance(),
                ClusterStatus.getDefaultInstance()));
    }

    private ResponseBody read(MasterView view, Object extra) {
        return kept.get(view, extra, () -> ResponseBody.of(("rendering " + renderings.incrementAndGet())
                .getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aNewViewOfTheSameListsGetsTheKeptAnswer() {
        List<AgentView> agents = AGENTS;
        List<FrameworkView> frameworks = FRAMEWORKS;
        ResponseBody first = read(view(1, agents, frameworks), true);

        assertThat(read(view(2, agents, frameworks), true)).as("counters moved, nothing shown changed")
                .isSameAs(first);
        assertThat(renderings).hasValue(1);
    }

    @Test
    void anotherListEvenAnEqualOneOrAnotherExtraRendersAgain() {
        List<AgentView> agents = AGENTS;
        List<FrameworkView> frameworks = FRAMEWORKS;
        ResponseBody first = read(view(1, agents, frameworks), true);

        assertThat(read(view(2, new ArrayList<>(agents), frameworks), true)).isNotSameAs(first);
        assertThat(read(view(3, agents, new ArrayList<>(frameworks)), true)).isNotSameAs(first);
        assertThat(read(view(4, agents, frameworks), false)).as("plain, not gzip").isNotSameAs(first);
        assertThat(renderings).hasValue(4);
    }

    @Test
    void twoCutsReadInTurnKeepTheirAnswersAndAThirdLetsTheOlderGo() {
        MasterView whole = view(1, AGENTS, List.of());
        MasterView cut = view(1, new ArrayList<>(AGENTS), List.of()); // a reader whose ACLs cut the lists: its own
        ResponseBody wholeAnswer = read(whole, true);
        ResponseBody cutAnswer = read(cut, true);

        for (int round = 0; round < 3; round++) {
            assertThat(read(whole, true)).isSameAs(wholeAnswer);
            assertThat(read(cut, true)).isSameAs(cutAnswer);
        }
        assertThat(renderings).hasValue(2);

        read(view(2, new ArrayList<>(AGENTS), List.of()), true);
        read(cut, true);
        assertThat(read(whole, true)).isNotSameAs(wholeAnswer);
        assertThat(renderings).hasValue(4);
    }

    @Test
    void anAnswerReadOftenIsKeptCompressedHarderInItsPlace() {
        MasterView view = view(1, AGENTS, FRAMEWORKS);
        StringBuilder json = new StringBuilder("[");
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 40_000; i++) { // with a status uuid each, so that the answer is large compressed too
            json.append(i == 0 ? "" : ",").append("{\"id\":\"task-").append(i).append("\",\"uuid\":\"")
                    .append(Long.toHexString(random.nextLong())).append(Long.toHexString(random.nextLong()))
                    .append("\",\"state\":\"TASK_RUNNING\"}");
        }
        byte[] plain = json.append(']').toString().getBytes(StandardCharsets.UTF_8);
        ResponseBody first = kept.get(view, true, () -> ResponseBody.written(true, 1 << 20, out -> out.write(plain)));

        for (int reading = 1; reading < KeptAnswer.HARDER_AFTER; reading++) {
            assertThat(kept.get(view, true, () -> ResponseBody.of(new byte[0]))).isSameAs(first);
        }
        ResponseBody harder = kept.get(view, true, () -> ResponseBody.of(new byte[0]));

        assertThat(harder).as("the same answer, compressed again").isNotSameAs(first);
        assertThat(harder.bytes()).isEqualTo(plain);
        assertThat(kept.get(view, true, () -> ResponseBody.of(new byte[0]))).isSameAs(harder);
    }
}
