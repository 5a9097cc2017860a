package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.corral.master.MasterFixture.RecordingLink;
import io.corral.master.state.Framework;
import io.corral.master.state.Offer;
import io.corral.master.state.Task;
import io.corral.protocol.agent.AgentCall;
import io.corral.protocol.resources.ResourceSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.OfferID;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.scheduler.Protos.Call;

/**
 * What a framework holds per role is kept incrementally as tasks and offers come and go (the allocator reads it every
 * cycle); after any sequence of calls it equals the sum computed from scratch: the scalar resources of its live tasks
 * and its outstanding offers, by role.
 */
class FrameworkHoldingsPropertyTest {

    enum Step { ALLOCATE, LAUNCH, DECLINE, RUN, FINISH, ACKNOWLEDGE, KILL_ON_AGENT, SUPPRESS_AND_REVIVE, AGENT_LOST,
        AGENT_BACK, FAILOVER_TIMEOUT }

    @Property(tries = 60)
    void holdingsEqualTheSumOfLiveTasksAndOffers(@ForAll("steps") List<Step> steps) {
        try (World world = new World()) {
            for (Step step : steps) {
                world.take(step);
                world.assertHoldingsAreExact(step);
            }
        }
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        return Arbitraries.of(Step.class).list().ofMinSize(5).ofMaxSize(40);
    }

    /** Two agents, a single-role framework and a MULTI_ROLE one, driven on a fake clock. */
    private static final class World implements AutoCloseable {
        private final MasterFixture fixture = new MasterFixture();
        private final List<RecordingLink> agentLinks = new ArrayList<>();
        private final List<AgentID> agents = new ArrayList<>();
        private final List<FrameworkID> frameworks = new ArrayList<>();
        private final List<RecordingLink> frameworkLinks = new ArrayList<>();
        private int launched;

        World() {
            for (int i = 0; i < 2; i++) {
                RecordingLink link = new RecordingLink();
                agents.add(fixture.registerAgent(MasterFixture.agentInfo("cpus:4;mem:4096;ports:[31000-31010]")
                        .toBuilder().setHostname("a" + i).build(), List.of(), List.of(), link));
                agentLinks.add(link);
            }
            subscribe(FrameworkInfo.newBuilder().setUser("u").setName("single").setRole("eng")
                    .setFailoverTimeout(5).build());
            subscribe(FrameworkInfo.newBuilder().setUser("u").setName("multi").addRoles("eng").addRoles("ops")
                    .setFailoverTimeout(5).addCapabilities(FrameworkInfo.Capability.newBuilder()
                            .setType(FrameworkInfo.Capability.Type.MULTI_ROLE)).build());
        }

        private void subscribe(FrameworkInfo info) {
            RecordingLink link = new RecordingLink();
            frameworks.add(fixture.subscribe(info, link));
            frameworkLinks.add(link);
        }

        void take(Step step) {
            switch (step) {
                case ALLOCATE -> fixture.run(fixture.master.offers()::allocate);
                case LAUNCH -> firstOffer().ifPresent(this::launchOn);
                case DECLINE -> firstOffer().ifPresent(offer -> fixture.run(() -> fixture.master.offers().decline(
                        framework(offer.frameworkId()), List.of(offer.id()),
                        org.apache.mesos.v1.Protos.Filters.getDefaultInstance())));
                case RUN -> firstTask(false).ifPresent(task -> agentSays(task, TaskState.TASK_RUNNING));
                case FINISH -> firstTask(false).ifPresent(task -> agentSays(task, TaskState.TASK_FINISHED));
                case KILL_ON_AGENT -> firstTask(false).ifPresent(task -> agentSays(task, TaskState.TASK_KILLED));
                case ACKNOWLEDGE -> firstTask(true).ifPresent(this::acknowledge);
                case SUPPRESS_AND_REVIVE -> {
                    Framework multi = framework(frameworks.get(1));
                    fixture.run(() -> fixture.master.frameworks().suppress(multi,
                            Call.Suppress.newBuilder().addRoles("ops").build()));
                    fixture.run(fixture.master.offers()::allocate);
                    fixture.run(() -> fixture.master.frameworks().revive(multi, Call.Revive.getDefaultInstance()));
                }
                case AGENT_LOST -> fixture.run(() -> fixture.master.agents().markUnreachable(
                        fixture.master.agents().get(agents.get(0)), "test"));
                case AGENT_BACK -> reregister();
                case FAILOVER_TIMEOUT -> {
                    FrameworkID single = frameworks.get(0);
                    if (fixture.onLoop(() -> fixture.master.frameworks().contains(single))) {
                        fixture.run(() -> fixture.master.frameworks().streamClosed(single, frameworkLinks.get(0)));
                        fixture.advance(Duration.ofSeconds(6));
                    }
                }
            }
        }

        private java.util.Optional<Offer> firstOffer() {
            return fixture.onLoop(() -> fixture.master.frameworks().all().stream()
                    .flatMap(f -> f.offers().stream()).map(fixture.master.offers()::get).findFirst());
        }

        private java.util.Optional<Task> firstTask(boolean ended) {
            return fixture.onLoop(() -> fixture.master.frameworks().all().stream()
                    .flatMap(f -> f.tasks().values().stream()).filter(t -> t.isTerminal() == ended).findFirst());
        }

        private Framework framework(FrameworkID id) {
            return fixture.master.frameworks().get(id);
        }

        /** Launches two small tasks on the offer (one with a port), leaving the rest declined. */
        private void launchOn(Offer offer) {
            org.apache.mesos.v1.Protos.Offer.Operation.Launch.Builder tasks =
                    org.apache.mesos.v1.Protos.Offer.Operation.Launch.newBuilder();
            for (String resources : List.of("cpus:0.5;mem:64", "cpus:0.25;mem:32;ports:[31005-31005]")) {
                ResourceSet wanted = ResourceSet.parse(resources).withAllocationRole(offer.role());
                if (!offer.resources().withAllocationRole(offer.role()).contains(wanted)) {
                    continue;
                }
                tasks.addTaskInfos(TaskInfo.newBuilder().setName("t").setTaskId(TaskID.newBuilder()
                                .setValue("t" + launched++)).setAgentId(offer.agentId())
                        .setCommand(CommandInfo.newBuilder().setValue("sleep 100"))
                        .addAllResources(wanted.toList()));
            }
            fixture.run(() -> fixture.master.offers().accept(framework(offer.frameworkId()), Call.Accept.newBuilder()
                    .addOfferIds(offer.id()).addOperations(org.apache.mesos.v1.Protos.Offer.Operation.newBuilder()
                            .setType(org.apache.mesos.v1.Protos.Offer.Operation.Type.LAUNCH).setLaunch(tasks))
                    .build()));
        }

        private void agentSays(Task task, TaskState state) {
            if (fixture.onLoop(() -> !fixture.master.agents().get(task.agentId()).isConnected())) {
                return;
            }
            TaskStatus status = TaskStatus.newBuilder().setTaskId(task.id()).setAgentId(task.agentId())
                    .setState(state).setUuid(ByteString.copyFrom(new byte[16])).build();
            fixture.run(() -> fixture.master.agents().update(fixture.master.agents().get(task.agentId()),
                    new AgentCall.Update(task.frameworkId(), status)));
        }

        private void acknowledge(Task task) {
            Framework framework = fixture.onLoop(() -> framework(task.frameworkId()));
            if (framework == null || !framework.isConnected()) {
                return;
            }
            fixture.run(() -> fixture.master.tasks().acknowledge(framework, Call.Acknowledge.newBuilder()
                    .setAgentId(task.agentId()).setTaskId(task.id())
                    .setUuid(ByteString.copyFrom(new byte[16])).build()));
        }

        /** The first agent registers again, reporting the live tasks the master placed there. */
        private void reregister() {
            AgentID id = agents.get(0);
            List<AgentCall.RunningTask> running = fixture.onLoop(() -> fixture.master.agents().get(id).tasks()
                    .stream().filter(t -> !t.isTerminal())
                    .map(t -> new AgentCall.RunningTask(t.frameworkId(), t.info(), t.latestStatus())).toList());
            List<FrameworkInfo> infos = fixture.onLoop(() -> fixture.master.frameworks().all().stream()
                    .map(Framework::info).toList());
            RecordingLink link = new RecordingLink();
            fixture.registerAgent(fixture.onLoop(() -> fixture.master.agents().get(id).info()), running, infos,
                    link);
            agentLinks.set(0, link);
        }

        void assertHoldingsAreExact(Step after) {
            fixture.onLoop(() -> {
                for (Framework framework : fixture.master.frameworks().all()) {
                    Map<String, ResourceSet> expected = fromScratch(framework);
                    for (String role : List.of("eng", "ops")) {
                        assertThat(framework.held(role)).as("%s holds in %s after %s", framework.info().getName(),
                                role, after).isEqualTo(expected.getOrDefault(role, ResourceSet.empty()));
                    }
                }
                return null;
            });
        }

        /** The reference: the scalar resources of the framework's live tasks and outstanding offers, by role. */
        private Map<String, ResourceSet> fromScratch(Framework framework) {
            Map<String, ResourceSet> held = new TreeMap<>();
            for (Task task : framework.tasks().values()) {
                if (!task.isTerminal()) {
                    held.merge(task.roleOr(framework.role()), scalars(task.resources()), ResourceSet::plus);
                }
            }
            for (OfferID offerId : framework.offers()) {
                Offer offer = fixture.master.offers().get(offerId);
                held.merge(offer.role(), scalars(offer.resources()), ResourceSet::plus);
            }
            return held;
        }

        private static ResourceSet scalars(ResourceSet resources) {
            return resources.filter(r -> r.getType() == org.apache.mesos.v1.Protos.Value.Type.SCALAR);
        }

        @Override
        public void close() {
            fixture.close();
        }
    }
}
