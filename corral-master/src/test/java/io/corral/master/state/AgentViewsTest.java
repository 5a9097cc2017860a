package io.corral.master.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.protocol.resources.ResourceSet;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.mesos.v1.Protos;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.DrainInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.OfferID;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.junit.jupiter.api.Test;

/**
 * An agent's published view is given again while nothing it shows changed, and made anew by any change a reader
 * would see; the agents' list is given again while every view in it is the same.
 */
class AgentViewsTest {
    private static final AgentID ID = AgentID.newBuilder().setValue("a-1").build();
    private static final FrameworkID FRAMEWORK = FrameworkID.newBuilder().setValue("f-1").build();

    private static AgentInfo info(String resources) {
        return AgentInfo.newBuilder().setId(ID).setHostname("host-1")
                .addAllResources(ResourceSet.parse(resources).toList()).build();
    }

    private final Agent agent = new Agent(info("cpus:4;mem:1024"), 1_700_000_000_000L);

    private static Task task(String id) {
        TaskInfo info = TaskInfo.newBuilder().setName(id).setTaskId(TaskID.newBuilder().setValue(id)).setAgentId(ID)
                .addAllResources(ResourceSet.parse("cpus:1;mem:128").toList()).build();
        return new Task(info, FRAMEWORK, TaskState.TASK_STAGING);
    }

    private static Offer offer() {
        ResourceSet resources = ResourceSet.parse("cpus:1");
        return new Offer(Protos.Offer.newBuilder().setId(OfferID.newBuilder().setValue("o-1")).setAgentId(ID)
                .setFrameworkId(FRAMEWORK).setHostname("host-1").addAllResources(resources.toList()).build(),
                resources, "*");
    }

    @Test
    void nothingChangedGivesTheSameViewAndEveryVisibleChangeANewOne() {
        agent.attach("stream-1", info("cpus:4;mem:1024"));
        AgentView before = agent.view();
        assertThat(agent.view()).isSameAs(before);
        agent.heard(1_700_000_001_000L); // not shown in the view
        agent.pinged(1_700_000_001_000L);
        assertThat(agent.view()).isSameAs(before);

        Task task = task("t-1");
        List<Consumer<Agent>> changes = List.of(
                a -> a.addTask(task),
                a -> a.releaseTaskResources(task),
                a -> a.removeTask(task),
                a -> a.addOffer(offer()),
                a -> a.removeOffer(offer()),
                a -> a.setMode(true, null),
                a -> a.setMode(true, DrainInfo.newBuilder().setState(Protos.DrainState.DRAINING)
                        .setConfig(Protos.DrainConfig.getDefaultInstance()).build()),
                a -> a.setMode(false, null),
                Agent::detach,
                a -> a.markUnreachable(1_700_000_002_000L),
                a -> a.attach("stream-2", info("cpus:8;mem:2048")),
                a -> a.checkpointed(List.of()));
        List<AgentView> seen = new ArrayList<>(List.of(before));
        for (Consumer<Agent> change : changes) {
            AgentView last = seen.get(seen.size() - 1);
            change.accept(agent);
            AgentView now = agent.view();
            assertThat(now).as("after change %d", seen.size()).isNotSameAs(last);
            assertThat(now).isEqualTo(new AgentView(agent.info(), agent.total(), agent.used(), agent.offered(),
                    agent.isConnected(), agent.unreachableSinceMillis(), agent.registeredMillis(), agent.tasks().size(),
                    agent.isDeactivated(), agent.drain()));
            assertThat(agent.view()).isSameAs(now);
            seen.add(now);
        }
        assertThat(seen.get(seen.size() - 1).total()).isEqualTo(ResourceSet.parse("cpus:8;mem:2048"));
    }

    @Test
    void theListIsGivenAgainWhileEveryViewInItIsTheSame() {
        Agent other = new Agent(AgentInfo.newBuilder().setId(AgentID.newBuilder().setValue("a-2"))
                .setHostname("host-2").build(), 1_700_000_000_000L);
        PublishedList<Agent, AgentView> views = new PublishedList<>(Agent::view);
        List<AgentView> first = views.of(List.of(agent, other));

        assertThat(views.of(List.of(agent, other))).isSameAs(first);

        other.setMode(true, null);
        List<AgentView> changed = views.of(List.of(agent, other));
        assertThat(changed).isNotSameAs(first).extracting(AgentView::deactivated).containsExactly(false, true);
        assertThat(changed.get(0)).isSameAs(first.get(0));
        assertThat(views.of(List.of(other, agent))).as("another order").extracting(AgentView::id)
                .containsExactly(other.id(), agent.id());
        assertThat(views.of(List.of(agent))).hasSize(1);
    }
}
