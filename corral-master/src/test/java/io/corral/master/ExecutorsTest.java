package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.corral.master.MasterFixture.RecordingLink;
import io.corral.master.state.Agent;
import io.corral.protocol.agent.AgentCall;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.resources.ResourceSet;
import java.util.Base64;
import java.util.List;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.ExecutorID;
import org.apache.mesos.v1.Protos.ExecutorInfo;
import org.apache.mesos.v1.Protos.Filters;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.TaskGroupInfo;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.master.Protos.Response;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Executors of type CUSTOM (LAUNCH) and DEFAULT (LAUNCH_GROUP) on the master: Mesos's validation with its messages,
 * the executor's resources charged once on its agent, the agent told what to run, and the executor's life after
 * (SHUTDOWN, MESSAGE both ways, its end reported as FAILURE, re-registration).
 */
class ExecutorsTest {
    private final MasterFixture fixture = new MasterFixture();
    private final RecordingLink agentLink = new RecordingLink();
    private final AgentID agentId = fixture.registerAgent(MasterFixture.agentInfo("cpus:4;mem:4096;disk:1000"),
            List.of(), List.of(), agentLink);
    private final RecordingLink link = new RecordingLink();
    private final FrameworkID frameworkId = fixture.subscribe(FrameworkInfo.newBuilder().setUser("u").setName("fw")
            .setRole("eng").setFailoverTimeout(60).build(), link);

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void aCustomExecutorIsChargedOnceAndItsTasksGoToTheAgentWithIt() {
        ExecutorInfo executor = custom("e1", "./my-executor");
        accept(launch(task("t1", "cpus:1;mem:128").setExecutor(executor)));
        accept(launch(task("t2", "cpus:1;mem:128").setExecutor(executor)));

        List<AgentEvent> launches = agentLink.agentEvents(AgentEvent.Type.LAUNCH);
        assertThat(launches).hasSize(2);
        ExecutorInfo sent = launches.get(0).launch().task().getExecutor();
        assertThat(sent.getFrameworkId()).as("the master fills in the executor's framework id").isEqualTo(frameworkId);
        assertThat(sent.getResources(0).getAllocationInfo().getRole()).isEqualTo("eng");
        assertThat(agent().used()).as("two tasks and one executor")
                .isEqualTo(ResourceSet.parse("cpus:2.1;mem:288"));
        Response executors = OperatorResponses.executors(fixture.master.view().join());
        assertThat(executors.getGetExecutors().getExecutorsList()).singleElement().satisfies(e -> {
            assertThat(e.getExecutorInfo().getExecutorId().getValue()).isEqualTo("e1");
            assertThat(e.getAgentId()).isEqualTo(agentId);
        });
        assertThat(fixture.master.view().join().frameworks().get(0).tasks())
                .allSatisfy(t -> assertThat(t.executorId().getValue()).isEqualTo("e1"));
    }

    @Test
    void anExecutorIsRefusedWithMesossMessages() {
        accept(launch(task("t1", "cpus:1;mem:128").setExecutor(custom("e1", "./my-executor"))));

        assertRefused(task("t2", "cpus:1;mem:128").setExecutor(custom("e1", "./another-executor")),
                "ExecutorInfo is not compatible with existing ExecutorInfo with same ExecutorID 'e1'");
        assertRefused(task("t3", "cpus:1;mem:128").setExecutor(ExecutorInfo.newBuilder()
                        .setType(ExecutorInfo.Type.DEFAULT).setExecutorId(ExecutorID.newBuilder().setValue("d"))),
                "'ExecutorInfo.type' must be 'CUSTOM'");
        assertRefused(task("t4", "cpus:1;mem:128").setExecutor(custom("e4", "x").toBuilder()
                        .setType(ExecutorInfo.Type.CUSTOM).clearCommand()),
                "'ExecutorInfo.command' must be set for 'CUSTOM' executor");
        assertRefused(task("t5", "cpus:1;mem:128").setExecutor(custom("e5", "x").toBuilder()
                        .setFrameworkId(FrameworkID.newBuilder().setValue("someone-else"))),
                "ExecutorInfo has an invalid FrameworkID (Actual: someone-else vs Expected: "
                        + frameworkId.getValue() + ")");
        assertRefused(task("t6", "cpus:4;mem:128").setExecutor(custom("e6", "x")),
                "Total resources cpus:4.1;mem:160 required by task and its executor is more than available");
        assertRefused(task("t7", "cpus:1000000000000;mem:128").setExecutor(custom("e7", "x")), // found by the fuzz
                "Task and its executor use invalid resources: scalar total");
        assertThat(agent().used()).as("only t1 and e1").isEqualTo(ResourceSet.parse("cpus:1.1;mem:160"));
    }

    @Test
    void aTaskGroupStartsTogetherUnderTheDefaultExecutor() {
        ExecutorInfo executor = defaultExecutor("g1");
        acceptGroup(executor, task("a", "cpus:1;mem:128"), task("b", "cpus:0.5;mem:64"));

        AgentEvent.LaunchGroup group = agentLink.agentEvents(AgentEvent.Type.LAUNCH_GROUP).get(0).launchGroup();
        assertThat(group.executor().getExecutorId().getValue()).isEqualTo("g1");
        assertThat(group.tasks()).extracting(t -> t.getTaskId().getValue()).containsExactly("a", "b");
        assertThat(group.tasks()).as("each task names its group's executor, as Mesos's master sets it")
                .allSatisfy(t -> assertThat(t.getExecutor().getExecutorId().getValue()).isEqualTo("g1"));
        assertThat(agentLink.agentEvents(AgentEvent.Type.LAUNCH)).isEmpty();
        assertThat(agent().used()).isEqualTo(ResourceSet.parse("cpus:1.6;mem:224;disk:10"));
        assertThat(updates(TaskState.TASK_ERROR)).isEmpty();
    }

    @Test
    void anInvalidGroupFailsAsAWhole() {
        acceptGroup(defaultExecutor("g1").toBuilder().clearResources()
                        .addAllResources(ResourceSet.parse("cpus:0.1;mem:32").toList()).build(),
                task("a", "cpus:1;mem:128"), task("b", "cpus:1;mem:128"));
        acceptGroup(defaultExecutor("g2"), task("c", "cpus:1;mem:128"), task("c", "cpus:1;mem:128"));
        acceptGroup(defaultExecutor("g3").toBuilder().clearType().build(), task("d", "cpus:1;mem:128"));
        // Found by the fuzz (a 500): a JSON client may leave out the group's executor, proto2-required or not.
        accept(Offer.Operation.newBuilder().setType(Offer.Operation.Type.LAUNCH_GROUP)
                .setLaunchGroup(Offer.Operation.LaunchGroup.newBuilder().setTaskGroup(TaskGroupInfo.newBuilder()
                        .addTasks(task("e", "cpus:1;mem:128").setCommand(CommandInfo.newBuilder().setValue("true"))))
                        .buildPartial())
                .buildPartial());

        assertThat(updates(TaskState.TASK_ERROR)).extracting(s -> s.getTaskId().getValue() + ": " + s.getMessage())
                .containsExactly(
                        "a: Executor 'g1' uses no disk",
                        "b: Executor 'g1' uses no disk",
                        "c: Task 'c' is invalid: Task has duplicate ID: c",
                        "c: Task 'c' is invalid: Task has duplicate ID: c",
                        "d: 'ExecutorInfo.type' must be set",
                        "e: Expecting 'launch_group.executor' to be present");
        assertThat(agentLink.agentEvents(AgentEvent.Type.LAUNCH_GROUP)).isEmpty();
        assertThat(agent().used()).isEqualTo(ResourceSet.empty());
    }

    @Test
    void anExecutorsEndFreesItsResourcesAndTellsTheFramework() {
        accept(launch(task("t1", "cpus:1;mem:128").setExecutor(custom("e1", "./my-executor"))));
        finish("t1");

        Agent agent = agent();
        fixture.run(() -> fixture.master.executors().exited(agent, new AgentCall.ExecutorExited(frameworkId,
                ExecutorID.newBuilder().setValue("e1").build(), 256)));

        assertThat(agent().used()).isEqualTo(ResourceSet.empty());
        assertThat(link.schedulerEvents(Event.Type.FAILURE)).singleElement().satisfies(e -> {
            assertThat(e.getFailure().getExecutorId().getValue()).isEqualTo("e1");
            assertThat(e.getFailure().getAgentId()).isEqualTo(agentId);
            assertThat(e.getFailure().getStatus()).isEqualTo(256);
        });
        assertThat(fixture.master.view().join().frameworks().get(0).executors()).isEmpty();
    }

    @Test
    void shutdownAndMessagesGoThroughTheAgent() {
        accept(launch(task("t1", "cpus:1;mem:128").setExecutor(custom("e1", "./my-executor"))));
        ExecutorID e1 = ExecutorID.newBuilder().setValue("e1").build();

        fixture.run(() -> fixture.master.executors().message(framework(), Call.Message.newBuilder()
                .setAgentId(agentId).setExecutorId(e1).setData(ByteString.copyFromUtf8("hello")).build()));
        Agent agent = agent();
        fixture.run(() -> fixture.master.executors().fromExecutor(agent, new AgentCall.ExecutorMessage(frameworkId,
                e1, Base64.getEncoder().encodeToString("hi back".getBytes()))));
        fixture.run(() -> fixture.master.executors().shutdown(framework(), Call.Shutdown.newBuilder()
                .setAgentId(agentId).setExecutorId(e1).build()));

        assertThat(agentLink.agentEvents(AgentEvent.Type.MESSAGE)).singleElement()
                .satisfies(e -> assertThat(Base64.getDecoder().decode(e.message().data())).asString()
                        .isEqualTo("hello"));
        assertThat(link.schedulerEvents(Event.Type.MESSAGE)).singleElement().satisfies(e -> {
            assertThat(e.getMessage().getData().toStringUtf8()).isEqualTo("hi back");
            assertThat(e.getMessage().getExecutorId()).isEqualTo(e1);
        });
        assertThat(agentLink.agentEvents(AgentEvent.Type.SHUTDOWN_EXECUTOR)).singleElement()
                .satisfies(e -> assertThat(e.shutdownExecutor().executorId()).isEqualTo(e1));
        assertThat(agentLink.agentEvents(AgentEvent.Type.KILL)).as("an executor's shutdown is not a task kill")
                .isEmpty();
    }

    @Test
    void aReRegisteringAgentReportsItsExecutors() {
        ExecutorInfo executor = custom("e1", "./my-executor");
        accept(launch(task("t1", "cpus:1;mem:128").setExecutor(executor)));
        TaskInfo sent = agentLink.agentEvents(AgentEvent.Type.LAUNCH).get(0).launch().task();
        FrameworkInfo info = framework().info();

        reregister(List.of(new AgentCall.RunningTask(frameworkId, sent, null)),
                List.of(new AgentCall.RunningExecutor(frameworkId, sent.getExecutor())), info);
        assertThat(agent().used()).as("still booked once").isEqualTo(ResourceSet.parse("cpus:1.1;mem:160"));

        reregister(List.of(new AgentCall.RunningTask(frameworkId, sent, null)), List.of(), info);
        assertThat(agent().used()).as("the agent no longer runs it").isEqualTo(ResourceSet.parse("cpus:1;mem:128"));
        assertThat(fixture.master.view().join().frameworks().get(0).executors()).isEmpty();
    }

    // ---- helpers ----

    private static ExecutorInfo custom(String id, String command) {
        return ExecutorInfo.newBuilder().setExecutorId(ExecutorID.newBuilder().setValue(id))
                .setCommand(CommandInfo.newBuilder().setValue(command))
                .addAllResources(ResourceSet.parse("cpus:0.1;mem:32").toList()).build();
    }

    private static ExecutorInfo defaultExecutor(String id) {
        return ExecutorInfo.newBuilder().setType(ExecutorInfo.Type.DEFAULT)
                .setExecutorId(ExecutorID.newBuilder().setValue(id))
                .addAllResources(ResourceSet.parse("cpus:0.1;mem:32;disk:10").toList()).build();
    }

    private TaskInfo.Builder task(String id, String resources) {
        return TaskInfo.newBuilder().setName(id).setTaskId(TaskID.newBuilder().setValue(id)).setAgentId(agentId)
                .addAllResources(ResourceSet.parse(resources).toList());
    }

    private static Offer.Operation launch(TaskInfo.Builder task) {
        return Offer.Operation.newBuilder().setType(Offer.Operation.Type.LAUNCH)
                .setLaunch(Offer.Operation.Launch.newBuilder().addTaskInfos(task)).build();
    }

    private void acceptGroup(ExecutorInfo executor, TaskInfo.Builder... tasks) {
        TaskGroupInfo.Builder group = TaskGroupInfo.newBuilder();
        for (TaskInfo.Builder task : tasks) {
            group.addTasks(task.setCommand(CommandInfo.newBuilder().setValue("sleep 100")));
        }
        accept(Offer.Operation.newBuilder().setType(Offer.Operation.Type.LAUNCH_GROUP)
                .setLaunchGroup(Offer.Operation.LaunchGroup.newBuilder().setExecutor(executor)
                        .setTaskGroup(group)).build());
    }

    /** ACCEPTs the next offer with {@code operation}; what it leaves is declined without a filter. */
    private void accept(Offer.Operation operation) {
        fixture.run(fixture.master.offers()::allocate);
        List<Event> offers = link.schedulerEvents(Event.Type.OFFERS);
        Offer offer = offers.get(offers.size() - 1).getOffers().getOffers(0);
        fixture.run(() -> fixture.master.offers().accept(framework(), Call.Accept.newBuilder()
                .addOfferIds(offer.getId()).addOperations(operation)
                .setFilters(Filters.newBuilder().setRefuseSeconds(0)).buildPartial()));
    }

    private void assertRefused(TaskInfo.Builder task, String message) {
        accept(launch(task));
        TaskStatus status = updates(TaskState.TASK_ERROR).get(updates(TaskState.TASK_ERROR).size() - 1);
        assertThat(status.getTaskId().getValue()).isEqualTo(task.getTaskId().getValue());
        assertThat(status.getMessage()).startsWith(message);
    }

    private void finish(String taskId) {
        TaskStatus finished = TaskStatus.newBuilder().setTaskId(TaskID.newBuilder().setValue(taskId))
                .setAgentId(agentId).setState(TaskState.TASK_FINISHED)
                .setUuid(ByteString.copyFrom(new byte[16])).build();
        Agent agent = agent();
        fixture.run(() -> fixture.master.agents().update(agent, new AgentCall.Update(frameworkId, finished)));
    }

    private void reregister(List<AgentCall.RunningTask> tasks, List<AgentCall.RunningExecutor> executors,
                            FrameworkInfo info) {
        RecordingLink again = new RecordingLink();
        AgentCall.Register register = new AgentCall.Register(io.corral.protocol.agent.AgentProtocol.VERSION,
                agent().info(), tasks, List.of(info), executors); // agent() outside the loop: it waits for it
        fixture.onLoop(() -> fixture.master.agents().register(register, id -> again)).join();
    }

    private List<TaskStatus> updates(TaskState state) {
        return link.schedulerEvents(Event.Type.UPDATE).stream().map(e -> e.getUpdate().getStatus())
                .filter(s -> s.getState() == state).toList();
    }

    /** The agent entity; call it off the loop (it waits for the loop). */
    private Agent agent() {
        return fixture.onLoop(() -> fixture.master.agents().get(agentId));
    }

    private io.corral.master.state.Framework framework() {
        return fixture.master.frameworks().get(frameworkId);
    }
}
