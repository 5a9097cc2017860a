package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.corral.master.MasterFixture.RecordingLink;
import io.corral.master.state.Agent;
import io.corral.protocol.agent.AgentCall;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.resources.ResourceSet;
import java.util.List;
import java.util.function.Supplier;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.Protos.Value;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What the fuzz test ({@code corral-cli}'s {@code MasterFuzzTest}) found in the master's handling of bad input, one
 * focused case each: the answer Mesos gives (a 400 with its message, or a TASK_ERROR update), and the master's books
 * still right afterwards.
 */
class BadInputRegressionTest {
    private final MasterFixture fixture = new MasterFixture();

    @AfterEach
    void stop() {
        fixture.close();
    }

    // ---- scheduler API ----

    /** Was: the ACCEPT failed with an IllegalArgumentException (HTTP 500) after it had taken the offer. */
    @ParameterizedTest
    @CsvSource(quoteCharacter = '"', value = {
        "cpus, -1, Invalid resource 'cpus': scalar value -1.0 must be a number from 0 to 1e12",
        "mem, -5, Invalid resource 'mem': scalar value -5.0 must be a number from 0 to 1e12",
        "cpus, 1e300, Invalid resource 'cpus': scalar value 1.0E300 must be a number from 0 to 1e12",
    })
    void acceptOfATaskWithInvalidResourcesAnswersTaskErrorAndGivesTheOfferBack(String name, double amount,
                                                                               String why) {
        AgentID agentId = registerAgent("cpus:4;mem:4096");
        RecordingLink framework = new RecordingLink();
        FrameworkID frameworkId = fixture.subscribe(MasterFixture.frameworkInfo(60), framework);
        Offer offer = offer(framework);
        TaskInfo task = task("t1", agentId).clearResources()
                .addResources(scalar(name, amount)).addResources(scalar(name.equals("cpus") ? "mem" : "cpus", 1))
                .build();

        launch(frameworkId, offer, task);

        TaskStatus error = lastUpdate(framework);
        assertThat(error.getState()).isEqualTo(TaskState.TASK_ERROR);
        assertThat(error.getReason()).isEqualTo(TaskStatus.Reason.REASON_TASK_INVALID);
        assertThat(error.getMessage()).isEqualTo("Task uses invalid resources: " + why);
        Agent agent = agent(agentId);
        assertThat(agent.used().isEmpty()).isTrue();
        fixture.run(() -> fixture.master.offers.allocate());
        assertThat(ResourceSet.of(offer(framework).getResourcesList()).withoutAllocationInfo())
                .as("the whole agent is offered again").isEqualTo(ResourceSet.parse("cpus:4;mem:4096"));
    }

    /** Was: launched, so the agent made a sandbox directory of it ("../../x" escapes the work directory). */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "a/b|Task ID is invalid: 'a/b' contains invalid characters",
        "..|Task ID is invalid: '..' is disallowed",
        "../../etc|Task ID is invalid: '../../etc' contains invalid characters",
    })
    void acceptOfATaskWithAnIdMesosRefusesAnswersTaskError(String taskId, String message) {
        RecordingLink agentLink = new RecordingLink();
        AgentID agentId = fixture.registerAgent(MasterFixture.agentInfo("cpus:4;mem:4096"), List.of(), List.of(),
                agentLink);
        RecordingLink framework = new RecordingLink();
        FrameworkID frameworkId = fixture.subscribe(MasterFixture.frameworkInfo(60), framework);

        launch(frameworkId, offer(framework), task(taskId, agentId).build());

        assertThat(lastUpdate(framework).getState()).isEqualTo(TaskState.TASK_ERROR);
        assertThat(lastUpdate(framework).getMessage()).isEqualTo(message);
        assertThat(agentLink.agentEvents(AgentEvent.Type.LAUNCH)).isEmpty();
    }

    /** Was: a 500 (the registry cannot name a znode "." or ".."); '/' and control characters were accepted. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "..|'FrameworkInfo.id' is invalid: '..' is disallowed",
        ".|'FrameworkInfo.id' is invalid: '.' is disallowed",
        "a/b|'FrameworkInfo.id' is invalid: 'a/b' contains invalid characters",
    })
    void subscribeWithAFrameworkIdMesosRefusesIs400(String id, String message) {
        FrameworkInfo info = MasterFixture.frameworkInfo(60).toBuilder().setId(FrameworkID.newBuilder().setValue(id))
                .build();
        assertRejected(() -> fixture.onLoop(() -> fixture.master.frameworks().subscribe(subscribe(info), java.util.Optional.empty(),
                frameworkId -> new RecordingLink())), Rejected.Reason.INVALID, message);
        assertThat(fixture.registry.frameworks).isEmpty();
    }

    /** Was: a 500 (the registry refuses an empty id); Mesos subscribes a new framework. */
    @Test
    void subscribeWithAnEmptyFrameworkIdSubscribesANewFramework() {
        FrameworkInfo info = MasterFixture.frameworkInfo(60).toBuilder().setId(FrameworkID.newBuilder().setValue(""))
                .build();
        FrameworkID id = fixture.subscribe(info, new RecordingLink());
        assertThat(id.getValue()).startsWith("m1-");
        assertThat(fixture.registry.frameworks).containsOnlyKeys(id.getValue());
    }

    /** Was: accepted; Mesos refuses a timeout its Duration cannot hold. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "1e300|The framework failover_timeout (1.0E300) is invalid",
        "NaN|The framework failover_timeout (NaN) is invalid",
        "-Infinity|The framework failover_timeout (-Infinity) is invalid",
    })
    void subscribeWithAFailoverTimeoutMesosCannotHoldIs400(double timeout, String message) {
        FrameworkInfo info = MasterFixture.frameworkInfo(timeout);
        assertRejected(() -> fixture.onLoop(() -> fixture.master.frameworks().subscribe(subscribe(info), java.util.Optional.empty(),
                frameworkId -> new RecordingLink())), Rejected.Reason.INVALID, message);
    }

    /**
     * Was: the agent's task table was keyed by task id alone, so the second framework's task replaced the first's:
     * the first one's updates changed the second one's task and its resources were never given back.
     */
    @Test
    void twoFrameworksMayLaunchTasksWithTheSameIdOnOneAgent() {
        AgentID agentId = registerAgent("cpus:4;mem:4096");
        RecordingLink linkA = new RecordingLink();
        RecordingLink linkB = new RecordingLink();
        FrameworkID a = fixture.subscribe(MasterFixture.frameworkInfo(60), linkA);
        FrameworkID b = fixture.subscribe(MasterFixture.frameworkInfo(60), linkB);
        launch(a, offer(linkA), task("t1", agentId).build());
        // What A left is offered to B, which holds less.
        launch(b, offer(linkB), task("t1", agentId).build());
        assertThat(agent(agentId).used()).isEqualTo(ResourceSet.parse("cpus:2;mem:256"));

        finish(agentId, a);

        assertThat(framework(a).tasks().get(taskId("t1")).state()).isEqualTo(TaskState.TASK_FINISHED);
        assertThat(framework(b).tasks().get(taskId("t1")).state()).isEqualTo(TaskState.TASK_STAGING);
        assertThat(agent(agentId).used()).isEqualTo(ResourceSet.parse("cpus:1;mem:128"));
        finish(agentId, b);
        assertThat(agent(agentId).used().isEmpty()).isTrue();
    }

    // ---- agent protocol ----

    /** Was: a 500 after the agent was written to the registry, which a new leader then could not load. */
    @Test
    void registrationWithInvalidResourcesIs400AndStoresNothing() {
        AgentInfo info = MasterFixture.agentInfo("mem:4096").toBuilder().addResources(scalar("cpus", -1)).build();
        assertRejected(() -> register(info, List.of(), List.of()), Rejected.Reason.INVALID,
                "Agent advertises invalid resources:"
                + " Invalid resource 'cpus': scalar value -1.0 must be a number from 0 to 1e12");
        assertThat(fixture.registry.agents).isEmpty();
    }

    /** Was: a 500 (the registry cannot name a znode ".."). */
    @Test
    void registrationWithAnAgentIdMesosRefusesIs400() {
        AgentInfo info = MasterFixture.agentInfo("cpus:4;mem:4096").toBuilder()
                .setId(AgentID.newBuilder().setValue("..")).build();
        assertRejected(() -> register(info, List.of(), List.of()), Rejected.Reason.INVALID,
                "'agent_info.id' is invalid: '..' is disallowed");
    }

    /** Was: a 500 (NullPointerException). */
    @Test
    void registrationReportingATaskWithoutItsFrameworkIs400() {
        AgentID id = AgentID.newBuilder().setValue("a1").build();
        AgentInfo info = MasterFixture.agentInfo("cpus:4;mem:4096").toBuilder().setId(id).build();
        assertRejected(() -> register(info, List.of(new AgentCall.RunningTask(null, task("t1", id).build(), null)),
                List.of()), Rejected.Reason.INVALID, "Expecting 'framework_id' and 'task' in every reported task");
    }

    /** Was: adopted, booked on this agent while /master/state listed it on another one. */
    @Test
    void registrationReportingAnotherAgentsTaskIs400() {
        AgentInfo info = MasterFixture.agentInfo("cpus:4;mem:4096").toBuilder()
                .setId(AgentID.newBuilder().setValue("a1")).build();
        TaskInfo elsewhere = task("t1", AgentID.newBuilder().setValue("a2").build()).build();
        FrameworkID framework = FrameworkID.newBuilder().setValue("f1").build();
        assertRejected(() -> register(info, List.of(new AgentCall.RunningTask(framework, elsewhere, null)),
                List.of(MasterFixture.frameworkInfo(60).toBuilder().setId(framework).build())), Rejected.Reason.INVALID,
                "Task has an invalid AgentID 'a2'");
    }

    /** Was: admitted over-committed; every allocation then failed ("Cannot subtract ..."), offers stopped. */
    @Test
    void reregistrationWithLessThanItsTasksUseIs400() {
        AgentID agentId = registerAgent("cpus:4;mem:4096");
        RecordingLink framework = new RecordingLink();
        FrameworkID frameworkId = fixture.subscribe(MasterFixture.frameworkInfo(60), framework);
        TaskInfo task = task("t1", agentId).build();
        launch(frameworkId, offer(framework), task);

        AgentInfo smaller = MasterFixture.agentInfo("cpus:0.5;mem:4096").toBuilder().setId(agentId).build();
        assertRejected(() -> register(smaller, List.of(new AgentCall.RunningTask(frameworkId, task, null)),
                List.of()), Rejected.Reason.INVALID,
                "Agent's resources cpus:0.5;mem:4096 cannot hold the tasks and executors it"
                + " reports, which use"
                + " cpus:1;mem:128");
        assertThat(agent(agentId).total()).isEqualTo(ResourceSet.parse("cpus:4;mem:4096"));
    }

    /**
     * Was: the reported tasks were booked before the unreported ones were given back, so the books overflowed (a
     * total over 1e12): the registration failed after its stream was opened (a 200 with no event, the agent half
     * admitted).
     */
    @Test
    void reregistrationBooksTheReportedTasksAfterGivingBackTheLostOnes() {
        AgentID agentId = registerAgent("cpus:1000000000000;mem:4096");
        RecordingLink framework = new RecordingLink();
        FrameworkID frameworkId = fixture.subscribe(MasterFixture.frameworkInfo(60), framework);
        launch(frameworkId, offer(framework), task("old", agentId).build());
        TaskInfo huge = task("new", agentId).clearResources()
                .addAllResources(ResourceSet.parse("cpus:1000000000000;mem:1").toList()).build();

        RecordingLink link = new RecordingLink();
        fixture.registerAgent(MasterFixture.agentInfo("cpus:1000000000000;mem:4096").toBuilder().setId(agentId)
                .build(), List.of(new AgentCall.RunningTask(frameworkId, huge, null)), List.of(), link);

        assertThat(link.agentEvents(AgentEvent.Type.REGISTERED)).hasSize(1);
        assertThat(framework(frameworkId).tasks().get(taskId("new")).state()).isEqualTo(TaskState.TASK_STAGING);
        assertThat(lastUpdate(framework).getState()).isEqualTo(TaskState.TASK_LOST); // "old", not reported
        assertThat(agent(agentId).used()).isEqualTo(ResourceSet.parse("cpus:1000000000000;mem:1"));
    }

    /** Was: the offers made of the old resources stayed out, over-committing the agent; allocation then failed. */
    @Test
    void reregistrationOnANewStreamRescindsTheOffersOfTheOldOne() {
        AgentID agentId = registerAgent("cpus:4;mem:4096");
        RecordingLink framework = new RecordingLink();
        fixture.subscribe(MasterFixture.frameworkInfo(60), framework);
        Offer old = offer(framework);

        fixture.registerAgent(MasterFixture.agentInfo("cpus:2;mem:1024").toBuilder().setId(agentId).build(),
                List.of(), List.of(), new RecordingLink());

        assertThat(framework.schedulerEvents(Event.Type.RESCIND)).extracting(e -> e.getRescind().getOfferId())
                .containsExactly(old.getId());
        fixture.run(() -> fixture.master.offers.allocate());
        assertThat(ResourceSet.of(offer(framework).getResourcesList()).withoutAllocationInfo())
                .isEqualTo(ResourceSet.parse("cpus:2;mem:1024"));
        assertThat(agent(agentId).offered()).isEqualTo(ResourceSet.parse("cpus:2;mem:1024"));
    }

    /**
     * Was: the cluster's totals were summed as one ResourceSet, which holds at most 1e12 of a kind: two big agents
     * made every /metrics/snapshot leave the master's figures out, for as long as the agents were known.
     */
    @Test
    void metricsCountAClusterHoldingMoreThanOneResourceSetMay() {
        registerAgent("cpus:1000000000000;mem:1");
        registerAgent("cpus:1000000000000;mem:1");
        MasterCounts counts = MasterCounting.count(fixture.master.view().join());
        assertThat(counts.resources().cpusTotal()).isEqualTo(2e12);
        assertThat(counts.resources().memTotal()).isEqualTo(2);
    }

    /** Was: forwarded; the framework's ACKNOWLEDGE of it is refused (400), so the agent would resend it for ever. */
    @Test
    void agentUpdateWhoseUuidIsNotAUuidIs400() {
        AgentID agentId = registerAgent("cpus:4;mem:4096");
        TaskStatus status = status("t1", agentId, TaskState.TASK_RUNNING).toBuilder()
                .setUuid(ByteString.copyFrom(new byte[15])).build();
        assertRejected(() -> fixture.onLoop(() -> {
            fixture.master.agents().update(fixture.master.agents().get(agentId),
                    new AgentCall.Update(FrameworkID.newBuilder().setValue("f1").build(), status));
            return null;
        }), Rejected.Reason.INVALID, "Expecting 'update.status.uuid' to be a UUID (16 bytes)");
    }

    // ---- helpers ----

    private static void assertRejected(Runnable call, Rejected.Reason reason, String message) {
        assertThatThrownBy(call::run).rootCause()
                .isInstanceOfSatisfying(Rejected.class, e -> assertThat(e.reason()).isEqualTo(reason))
                .hasMessage(message);
    }

    private void finish(AgentID agentId, FrameworkID frameworkId) {
        TaskStatus finished = status("t1", agentId, TaskState.TASK_FINISHED);
        fixture.run(() -> fixture.master.agents().update(fixture.master.agents().get(agentId),
                new AgentCall.Update(frameworkId, finished)));
    }

    private void launch(FrameworkID frameworkId, Offer offer, TaskInfo task) {
        fixture.run(() -> fixture.master.offers().accept(fixture.master.frameworks().get(frameworkId),
                accept(offer, task)));
    }

    private Object register(AgentInfo info, List<AgentCall.RunningTask> tasks, List<FrameworkInfo> frameworks) {
        return fixture.onLoop(() -> fixture.master.agents().register(new AgentCall.Register(
                io.corral.protocol.agent.AgentProtocol.VERSION, info, tasks, frameworks), id -> new RecordingLink()))
                .join();
    }

    private AgentID registerAgent(String resources) {
        return fixture.registerAgent(MasterFixture.agentInfo(resources), List.of(), List.of(), new RecordingLink());
    }

    private Agent agent(AgentID id) {
        return onLoop(() -> fixture.master.agents().get(id));
    }

    private io.corral.master.state.Framework framework(FrameworkID id) {
        return onLoop(() -> fixture.master.frameworks().get(id));
    }

    private <T> T onLoop(Supplier<T> read) {
        return fixture.onLoop(read);
    }

    /** The newest offer the framework got, once the master allocated. */
    private Offer offer(RecordingLink framework) {
        fixture.run(() -> fixture.master.offers.allocate());
        List<Event> offers = framework.schedulerEvents(Event.Type.OFFERS);
        assertThat(offers).isNotEmpty();
        return offers.get(offers.size() - 1).getOffers().getOffers(0);
    }

    private static TaskStatus lastUpdate(RecordingLink framework) {
        List<Event> updates = framework.schedulerEvents(Event.Type.UPDATE);
        assertThat(updates).isNotEmpty();
        return updates.get(updates.size() - 1).getUpdate().getStatus();
    }

    private static Call subscribe(FrameworkInfo info) {
        return MasterFixture.subscribeCall(info);
    }

    private static Call.Accept accept(Offer offer, TaskInfo task) {
        return Call.Accept.newBuilder().addOfferIds(offer.getId())
                .addOperations(Offer.Operation.newBuilder().setType(Offer.Operation.Type.LAUNCH)
                        .setLaunch(Offer.Operation.Launch.newBuilder().addTaskInfos(task)))
                .setFilters(org.apache.mesos.v1.Protos.Filters.newBuilder().setRefuseSeconds(0))
                .build();
    }

    private static TaskInfo.Builder task(String id, AgentID agentId) {
        return TaskInfo.newBuilder().setName("t").setTaskId(taskId(id)).setAgentId(agentId)
                .setCommand(CommandInfo.newBuilder().setValue("true"))
                .addAllResources(ResourceSet.parse("cpus:1;mem:128").toList());
    }

    private static TaskID taskId(String id) {
        return TaskID.newBuilder().setValue(id).build();
    }

    private static Resource scalar(String name, double amount) {
        return Resource.newBuilder().setName(name).setType(Value.Type.SCALAR)
                .setScalar(Value.Scalar.newBuilder().setValue(amount)).build();
    }

    private static TaskStatus status(String taskId, AgentID agentId, TaskState state) {
        return TaskStatus.newBuilder().setTaskId(taskId(taskId)).setAgentId(agentId).setState(state)
                .setUuid(ByteString.copyFrom(new byte[16])).build();
    }
}
