package io.corral.master.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.master.Maintenance;
import io.corral.master.MasterCounts;
import io.corral.master.MasterView;
import io.corral.master.OperatorResponses;
import io.corral.protocol.http.Encoding;
import io.corral.master.state.AgentView;
import io.corral.master.state.Derived;
import io.corral.master.state.FrameworkView;
import io.corral.master.state.KeptPart;
import io.corral.master.state.KeptRendering;
import io.corral.master.state.TaskView;
import io.corral.protocol.resources.ResourceSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.Attribute;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.Protos.Value;
import org.apache.mesos.v1.maintenance.Protos.ClusterStatus;
import org.apache.mesos.v1.maintenance.Protos.Schedule;
import org.junit.jupiter.api.Test;

/**
 * {@code /master/state} ({@link StateJson}) and the operator API's JSON {@code GET_STATE} and {@code GET_TASKS}
 * ({@link OperatorStateJson}) keep each task's (and for the state, each agent's) rendering between reads: what a
 * reader gets must be exactly what a fresh rendering gives, and a change must show in the next read.
 */
class KeptRenderingsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final FrameworkInfo FRAMEWORK = FrameworkInfo.newBuilder()
            .setId(FrameworkID.newBuilder().setValue("fw-1")).setName("web").setUser("nobody").setRole("*").build();
    private static final ResourceSet AGENT_TOTAL = ResourceSet.parse("cpus:8;mem:4096;ports:[31000-31010]");
    private static final AgentInfo AGENT = AgentInfo.newBuilder().setId(AgentID.newBuilder().setValue("agent-1"))
            .setHostname("host-1").setPort(5051).addAllResources(AGENT_TOTAL.toList())
            .addAttributes(Attribute.newBuilder().setName("rack").setType(Value.Type.TEXT)
                    .setText(Value.Text.newBuilder().setValue("r1")))
            .build();

    private static TaskView task(String id, TaskState state, double... timestamps) {
        TaskInfo info = TaskInfo.newBuilder().setName("task " + id).setTaskId(TaskID.newBuilder().setValue(id))
                .setAgentId(AGENT.getId()).addAllResources(ResourceSet.parse("cpus:1;mem:128").toList()).build();
        List<TaskStatus> statuses = java.util.Arrays.stream(timestamps).mapToObj(at -> TaskStatus.newBuilder()
                .setTaskId(info.getTaskId()).setState(at == timestamps[timestamps.length - 1] ? state
                        : TaskState.TASK_STARTING).setTimestamp(at).build()).toList();
        return new TaskView(info, FRAMEWORK.getId(), ResourceSet.parse("cpus:1;mem:128"), state, statuses, null);
    }

    private static AgentView agent(ResourceSet used, boolean connected, Derived<byte[]> kept) {
        return agent(used, connected, kept, new KeptRendering<>());
    }

    private static AgentView agent(ResourceSet used, boolean connected, Derived<byte[]> kept,
                                   KeptRendering<AgentView> operatorKept) {
        return agent(used, connected, kept, operatorKept, new KeptRendering<>());
    }

    private static AgentView agent(ResourceSet used, boolean connected, Derived<byte[]> kept,
                                   KeptRendering<AgentView> operatorKept, KeptRendering<AgentView> stateKept) {
        return new AgentView(AGENT, AGENT_TOTAL, used, ResourceSet.empty(), connected,
                connected ? 0 : 1_700_000_000_000L, 1_600_000_000_000L, 2, false, Optional.empty(), kept,
                operatorKept, stateKept, new KeptPart(), new KeptPart());
    }

    private static MasterView view(List<AgentView> agents, List<TaskView> tasks) {
        MasterInfo master = MasterInfo.newBuilder().setId("m").setIp(0x7f000001).setPort(5050).setHostname("localhost")
                .setPid("master@127.0.0.1:5050").setVersion("corral").build();
        return new MasterView(1, 1, master, 1_600_000_000_000L, agents,
                List.of(new FrameworkView(FRAMEWORK, "*", true, 1_600_000_000_000L, tasks, List.of(), List.of(),
                        List.of())),
                List.of(), List.of(), MasterCounts.TaskCounters.NONE, MasterCounts.AgentCounters.NONE, 0, 0, 0,
                Map.of(), false, new Maintenance.MaintenanceView(Schedule.getDefaultInstance(),
                ClusterStatus.getDefaultInstance()));
    }

    /** The same view's content with nothing kept from earlier reads. */
    private static MasterView fresh(MasterView view) {
        return new MasterView(view.version(), view.eventsSeen(), view.info(), view.startMillis(),
                view.agents().stream().map(a -> agent(a.used(), a.connected(), new Derived<>())).toList(),
                view.frameworks().stream().map(f -> new FrameworkView(f.info(), f.role(), f.connected(),
                        f.registeredMillis(), f.tasks().stream().map(t -> new TaskView(t.info(), t.frameworkId(),
                        t.resources(), t.state(), t.statuses(), t.executorId())).toList(), f.completedTasks(),
                        f.offers(), f.executors())).toList(),
                view.completedFrameworks(), view.roles(), view.taskCounters(), view.agentCounters(),
                view.outstandingOffers(), view.pendingEvents(), view.allocationRuns(), view.activeFilters(),
                view.allocationQueued(), view.maintenance());
    }

    @Test
    void aStateCompressedFromKeptRunsInflatesToTheFreshRenderingAndShowsEveryChange() throws Exception {
        List<TaskView> tasks = new java.util.ArrayList<>();
        for (int i = 0; i < 1_000; i++) { // about 16 runs, cut where the ids say
            tasks.add(task("t-" + i, TaskState.TASK_RUNNING, 1.0, 2.0));
        }
        MasterView first = view(List.of(), tasks);
        StateJson.render(first, Map.of(), true); // keeps every run compressed

        tasks.set(500, task("t-500", TaskState.TASK_FINISHED, 1.0, 2.0, 9.0)); // one run changes
        tasks.remove(10); // and another loses a task
        tasks.add(task("t-new", TaskState.TASK_STAGING, 5.0));
        MasterView again = view(List.of(), tasks);
        io.corral.protocol.http.ResponseBody compressed = StateJson.render(again, Map.of(), true);

        byte[] fresh = StateJson.render(fresh(again), Map.of());
        assertThat(new String(compressed.bytes(), UTF_8)).isEqualTo(new String(fresh, UTF_8));
        assertThat(new String(StateJson.render(again, Map.of()), UTF_8)).as("plain, from the kept runs")
                .isEqualTo(new String(fresh, UTF_8));
        JsonNode listed = JSON.readTree(compressed.bytes()).get("frameworks").get(0).get("tasks");
        assertThat(listed).hasSize(1_000);
        assertThat(listed.get(499).get("state").asText()).isEqualTo("TASK_FINISHED");
        assertThat(listed.get(999).get("id").asText()).isEqualTo("t-new");
    }

    /** One agent's holders, kept across views as the master's agent keeps them. */
    private record KeptAgent(AgentInfo info, Derived<byte[]> described, KeptRendering<AgentView> operator,
                             KeptRendering<AgentView> now, KeptPart part,
                             KeptPart operatorPart) {
        static KeptAgent named(String id) {
            return new KeptAgent(AGENT.toBuilder().setId(AgentID.newBuilder().setValue(id)).build(), new Derived<>(),
                    new KeptRendering<>(), new KeptRendering<>(), new KeptPart(),
                    new KeptPart());
        }

        AgentView view(ResourceSet used) {
            return new AgentView(info, AGENT_TOTAL, used, ResourceSet.empty(), true, 0, 1_600_000_000_000L, 1,
                    false, Optional.empty(), described, operator, now, part, operatorPart);
        }
    }

    @Test
    void agentsCompressedInKeptRunsShowTheOneThatChanged() throws Exception {
        List<KeptAgent> kept = java.util.stream.IntStream.range(0, 300).mapToObj(i -> KeptAgent.named("agent-" + i))
                .toList();
        ResourceSet idle = ResourceSet.parse("cpus:1;mem:128");
        StateJson.render(view(kept.stream().map(a -> a.view(idle)).toList(), List.of()), Map.of(), true);

        List<AgentView> agents = new java.util.ArrayList<>(kept.stream().map(a -> a.view(idle)).toList());
        agents.set(150, kept.get(150).view(ResourceSet.parse("cpus:4;mem:512")));
        MasterView again = view(agents, List.of());
        byte[] inflated = StateJson.render(again, Map.of(), true).bytes();

        List<AgentView> fresh = new java.util.ArrayList<>();
        for (int i = 0; i < agents.size(); i++) { // the same agents with nothing kept
            fresh.add(KeptAgent.named("agent-" + i).view(agents.get(i).used()));
        }
        assertThat(new String(inflated, UTF_8)).isEqualTo(new String(StateJson.render(view(fresh, List.of()),
                Map.of()), UTF_8));
        JsonNode slaves = JSON.readTree(inflated).get("slaves");
        assertThat(slaves).hasSize(300);
        assertThat(slaves.get(150).get("used_resources").get("cpus").asDouble()).isEqualTo(4.0);
        assertThat(slaves.get(151).get("used_resources").get("cpus").asDouble()).isEqualTo(1.0);
    }

    @Test
    void agentsInGetStateCompressedInKeptRunsShowTheOneThatChanged() throws Exception {
        List<KeptAgent> kept = java.util.stream.IntStream.range(0, 300).mapToObj(i -> KeptAgent.named("agent-" + i))
                .toList();
        ResourceSet idle = ResourceSet.parse("cpus:1;mem:128");
        OperatorStateJson.getState(view(kept.stream().map(a -> a.view(idle)).toList(), List.of()), true);

        List<AgentView> agents = new java.util.ArrayList<>(kept.stream().map(a -> a.view(idle)).toList());
        agents.set(7, kept.get(7).view(ResourceSet.parse("cpus:4;mem:512")));
        MasterView again = view(agents, List.of());
        byte[] inflated = OperatorStateJson.getState(again, true).bytes();

        assertThat(new String(inflated, UTF_8))
                .isEqualTo(new String(Encoding.JSON.encode(OperatorResponses.state(again)), UTF_8));
        JsonNode listed = JSON.readTree(inflated).get("get_state").get("get_agents").get("agents");
        assertThat(listed).hasSize(300);
        assertThat(listed.get(7).toString()).contains("\"value\":4.0");
        assertThat(listed.get(8).toString()).doesNotContain("\"value\":4.0");
    }

    @Test
    void aStateRenderedFromKeptPartsIsTheFreshRenderingByteForByte() throws Exception {
        Derived<byte[]> agentKept = new Derived<>();
        KeptRendering<AgentView> agentNowKept = new KeptRendering<>();
        TaskView running = task("t-1", TaskState.TASK_RUNNING, 1.0, 2.0);
        TaskView starting = task("t-2", TaskState.TASK_STARTING, 3.0);
        MasterView first = view(List.of(agent(ResourceSet.parse("cpus:2;mem:256"), true, agentKept,
                new KeptRendering<>(), agentNowKept)), List.of(running, starting));
        StateJson.render(first, Map.of()); // keeps every part

        MasterView again = view(List.of(agent(ResourceSet.parse("cpus:2;mem:256"), true, agentKept,
                new KeptRendering<>(), agentNowKept)), List.of(running, starting));
        byte[] kept = StateJson.render(again, Map.of("port", "5050"));

        assertThat(new String(kept, UTF_8)).isEqualTo(new String(
                StateJson.render(fresh(again), Map.of("port", "5050")), UTF_8));
        JsonNode state = JSON.readTree(kept);
        JsonNode slave = state.get("slaves").get(0);
        assertThat(slave.get("id").asText()).isEqualTo("agent-1");
        assertThat(slave.get("resources").get("ports").asText()).isEqualTo("[31000-31010]");
        assertThat(slave.get("used_resources").get("cpus").asDouble()).isEqualTo(2.0);
        assertThat(slave.get("attributes").get("rack").asText()).isEqualTo("r1");
        assertThat(slave.get("active").asBoolean()).isTrue();
        assertThat(state.get("frameworks").get(0).get("tasks")).hasSize(2);
        assertThat(state.get("frameworks").get(0).get("used_resources").get("cpus").asDouble()).isEqualTo(2.0);
        assertThat(state.get("flags").get("port").asText()).isEqualTo("5050");
    }

    @Test
    void whatChangedShowsInTheNextReadAndWhatDidNotIsKept() throws Exception {
        Derived<byte[]> agentKept = new Derived<>();
        KeptRendering<AgentView> agentNowKept = new KeptRendering<>();
        TaskView unchanged = task("t-1", TaskState.TASK_RUNNING, 1.0, 2.0);
        TaskView starting = task("t-2", TaskState.TASK_STARTING, 3.0);
        StateJson.render(view(List.of(agent(ResourceSet.parse("cpus:2;mem:256"), true, agentKept,
                new KeptRendering<>(), agentNowKept)), List.of(unchanged, starting)), Map.of());

        // t-2 ran and finished, the agent lost its connection and uses less: new views, as the master makes them
        TaskView finished = task("t-2", TaskState.TASK_FINISHED, 3.0, 4.0);
        JsonNode state = JSON.readTree(StateJson.render(view(
                List.of(agent(ResourceSet.parse("cpus:1;mem:128"), false, agentKept, new KeptRendering<>(),
                        agentNowKept)),
                List.of(unchanged, finished)), Map.of()));

        JsonNode slave = state.get("slaves").get(0);
        assertThat(slave.get("used_resources").get("cpus").asDouble()).isEqualTo(1.0);
        assertThat(slave.get("active").asBoolean()).isFalse();
        assertThat(slave.get("unreachable").asBoolean()).isTrue();
        assertThat(slave.get("hostname").asText()).as("kept").isEqualTo("host-1");
        JsonNode tasks = state.get("frameworks").get(0).get("tasks");
        assertThat(tasks.get(0).get("state").asText()).isEqualTo("TASK_RUNNING");
        assertThat(tasks.get(1).get("state").asText()).isEqualTo("TASK_FINISHED");
        assertThat(tasks.get(1).get("statuses")).hasSize(2);
        assertThat(state.get("frameworks").get(0).get("used_resources").get("cpus").asDouble())
                .as("only the running task counts").isEqualTo(1.0);
    }

    @Test
    void slavesAndTasksEndpointsUseTheSameKeptParts() throws Exception {
        Derived<byte[]> agentKept = new Derived<>();
        TaskView running = task("t-1", TaskState.TASK_RUNNING, 1.0, 2.0);
        MasterView view = view(List.of(agent(ResourceSet.parse("cpus:1;mem:128"), true, agentKept)),
                List.of(running));
        JsonNode state = JSON.readTree(StateJson.render(view, Map.of()));

        assertThat(JSON.readTree(StateJson.slaves(view)).get("slaves").get(0)).isEqualTo(state.get("slaves").get(0));
        assertThat(JSON.readTree(StateJson.tasks(view, new StateJson.TasksQuery(100, 0, false, null, null)))
                .get("tasks").get(0)).isEqualTo(state.get("frameworks").get(0).get("tasks").get(0));
    }

    @Test
    void getStateWrittenPieceByPieceIsTheWholeEncodingOfItsResponse() throws Exception {
        Derived<byte[]> agentKept = new Derived<>();
        List<TaskView> tasks = List.of(task("t-1", TaskState.TASK_RUNNING, 1.0, 2.0),
                task("t-2", TaskState.TASK_UNREACHABLE, 3.0, 4.0), task("t-3", TaskState.TASK_FAILED, 5.0, 6.0));
        MasterView view = view(List.of(agent(ResourceSet.parse("cpus:1;mem:128"), true, agentKept)), tasks);
        OperatorStateJson.getState(view); // keeps every task's rendering

        byte[] bytes = OperatorStateJson.getState(view);

        assertThat(new String(bytes, UTF_8)).isEqualTo(new String(Encoding.JSON.encode(OperatorResponses.state(view)),
                UTF_8));
        JsonNode written = JSON.readTree(bytes);
        JsonNode lists = written.get("get_state").get("get_tasks");
        assertThat(lists.get("tasks")).hasSize(1);
        assertThat(lists.get("unreachable_tasks")).hasSize(1);
        assertThat(lists.get("completed_tasks")).hasSize(1);
        assertThat(OperatorStateJson.getTasks(view)).isEqualTo(Encoding.JSON.encode(OperatorResponses.tasks(view)));
    }

    @Test
    void getStateCompressedFromKeptRunsInflatesToTheWholeEncodingAndShowsAChange() throws Exception {
        List<TaskView> tasks = new java.util.ArrayList<>();
        for (int i = 0; i < 600; i++) {
            tasks.add(task("t-" + i, i % 50 == 0 ? TaskState.TASK_FAILED : TaskState.TASK_RUNNING, 1.0, 2.0));
        }
        OperatorStateJson.getState(view(List.of(), tasks), true); // keeps every run compressed
        tasks.set(301, task("t-301", TaskState.TASK_KILLED, 1.0, 2.0, 7.0));
        MasterView after = view(List.of(), tasks);

        byte[] inflated = OperatorStateJson.getState(after, true).bytes();

        assertThat(new String(inflated, UTF_8))
                .isEqualTo(new String(Encoding.JSON.encode(OperatorResponses.state(after)), UTF_8));
        JsonNode lists = JSON.readTree(inflated).get("get_state").get("get_tasks");
        assertThat(lists.get("tasks")).hasSize(587);
        assertThat(lists.get("completed_tasks")).hasSize(13);
    }

    @Test
    void getStateOfAnEmptyClusterLeavesOutTheEmptyListsAsTheWholeEncodingDoes() throws Exception {
        MasterView empty = view(List.of(), List.of());

        assertThat(OperatorStateJson.getState(empty)).isEqualTo(Encoding.JSON.encode(OperatorResponses.state(empty)));
        assertThat(OperatorStateJson.getTasks(empty)).isEqualTo(Encoding.JSON.encode(OperatorResponses.tasks(empty)));
    }

    @Test
    void anAgentKeptBetweenReadsShowsWhatChangedInTheNextGetStateAndIsTheWholeEncoding() throws Exception {
        Derived<byte[]> kept = new Derived<>();
        KeptRendering<AgentView> operatorKept = new KeptRendering<>();
        MasterView before = view(List.of(agent(ResourceSet.parse("cpus:1;mem:128"), true, kept, operatorKept)),
                List.of());
        OperatorStateJson.getState(before);
        assertThat(OperatorStateJson.getState(before)).as("kept and read again")
                .isEqualTo(Encoding.JSON.encode(OperatorResponses.state(before)));

        MasterView after = view(List.of(agent(ResourceSet.parse("cpus:3;mem:512"), false, kept, operatorKept)),
                List.of());
        byte[] bytes = OperatorStateJson.getState(after);

        assertThat(bytes).isEqualTo(Encoding.JSON.encode(OperatorResponses.state(after)));
        JsonNode agent = JSON.readTree(bytes).get("get_state").get("get_agents").get("agents").get(0);
        assertThat(agent.get("active").asBoolean()).isFalse();
        assertThat(agent.get("allocated_resources").toString()).contains("512");
    }

    @Test
    void aTaskThatChangedShowsInTheNextGetState() throws Exception {
        TaskView unchanged = task("t-1", TaskState.TASK_RUNNING, 1.0, 2.0);
        OperatorStateJson.getState(view(List.of(), List.of(unchanged, task("t-2", TaskState.TASK_STARTING, 3.0))));

        JsonNode lists = JSON.readTree(OperatorStateJson.getState(view(List.of(),
                List.of(unchanged, task("t-2", TaskState.TASK_KILLED, 3.0, 4.0))))).get("get_state").get("get_tasks");

        assertThat(lists.get("tasks")).hasSize(1);
        assertThat(lists.get("completed_tasks").get(0).get("state").asText()).isEqualTo("TASK_KILLED");
        assertThat(lists.get("completed_tasks").get(0).get("statuses")).hasSize(2);
    }
}
