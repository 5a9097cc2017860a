package io.corral.master;

import com.google.protobuf.ByteString;
import io.corral.master.state.AgentLink;
import io.corral.master.state.FrameworkLink;
import io.corral.protocol.agent.AgentCall;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.agent.AgentProtocol;
import io.corral.protocol.http.Encoding;
import io.corral.protocol.resources.ResourceSet;
import io.corral.zookeeper.registry.AgentRecord;
import io.corral.zookeeper.registry.AgentState;
import io.corral.zookeeper.registry.FrameworkRecord;
import io.corral.zookeeper.registry.RegistrySnapshot;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.ExecutorID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.Label;
import org.apache.mesos.v1.Protos.Labels;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.apache.mesos.v1.scheduler.Protos.Event;

/**
 * What a new leader does in its first second, rehearsed on a master that replayed the registry and never serves:
 * every connected framework resubscribes, reachable agents (at most {@link #MOST_AGENTS}) re-register as recorded,
 * each reporting running tasks of one of those frameworks as agents do after a failover (their calls encoded and
 * decoded as they arrive over HTTP), one allocation cycle makes offers, and every event is encoded as for its stream.
 * A standby's JVM has run none of this; run cold after a failover, it held the first offers about half a second behind
 * the recovery ({@code bench/simulate}, 1,000 agents).
 *
 * <p>Nothing leaves the process: the links encode and drop what they are sent, the master's registry refuses every
 * write, and its clock never moves, so no timer fires.
 *
 * <p>Threading: {@link #run} is called on the throwaway master's loop.
 */
final class FirstMinuteRehearsal {
    /**
     * Agents taken back: enough for the JIT to compile the path (it compiles a method after a few hundred calls), few
     * enough that a standby of a large cluster does not take both cores (and a heap of garbage) from the leader and
     * ZooKeeper on a shared machine: 2,000 did, in {@code bench/simulate} at 10,000 agents.
     */
    static final int MOST_AGENTS = 500;
    /** What each of the rehearsal's tasks uses, while the agent has that much. */
    private static final ResourceSet TASK_RESOURCES = ResourceSet.parse("cpus:0.1;mem:32");
    /**
     * Tasks reported by each agent taken back: a REGISTER as long as real ones, and 8,000 tasks taken back in all,
     * enough calls for the JIT to compile their adoption at the second rehearsal (with 8 per agent it had not, and a
     * new leader of 100,000 tasks spent 1.5 s of a core compiling it while agents re-registered).
     */
    static final int TASKS_PER_AGENT = 16;

    private FirstMinuteRehearsal() {}

    /**
     * Resubscribes, re-registers and allocates once on {@code master} (recovered from {@code snapshot}); returns how
     * many offers that made.
     */
    static int run(Master master, RegistrySnapshot snapshot) {
        for (FrameworkRecord framework : snapshot.frameworks()) {
            if (framework.failoverDeadline().isPresent()) {
                continue; // resubscribing would write it (refused here, and logged as such)
            }
            Call subscribe = Call.newBuilder().setType(Call.Type.SUBSCRIBE).setFrameworkId(framework.info().getId())
                    .setSubscribe(Call.Subscribe.newBuilder().setFrameworkInfo(framework.info())).build();
            Call received = roundTrip(subscribe);
            attempt(() -> master.frameworks().subscribe(received, Optional.empty(), id -> new DroppedFrameworkLink()));
        }
        List<FrameworkInfo> connected = snapshot.frameworks().stream()
                .filter(framework -> framework.failoverDeadline().isEmpty()).map(FrameworkRecord::info).toList();
        int agents = 0;
        for (AgentRecord agent : snapshot.agents()) {
            if (agent.state().kind() != AgentState.Kind.ACTIVE) {
                continue;
            }
            if (++agents > MOST_AGENTS) {
                break;
            }
            AgentCall received = AgentProtocol.decodeCall(AgentProtocol.encode(registration(agent.info(), agents,
                    connected), Encoding.PROTOBUF), Encoding.PROTOBUF);
            AgentCall.Register registered = received.register();
            attempt(() -> master.agents().register(registered, id -> new DroppedAgentLink()));
        }
        master.offers.allocate();
        return master.offers.size();
    }

    /**
     * REGISTER as an agent sends it after a failover: its recorded info and, when it has room and a framework is
     * connected, up to {@link #TASKS_PER_AGENT} running tasks of that framework, each with the status an agent keeps
     * (timestamp, executor, uuid, health). So the task messages' decoding and the adoption of reported tasks are
     * rehearsed too, in the wire format Corral's agents speak (protobuf), with every kind of value the real ones
     * carry: the JIT compiles the decoder for what it has seen, and the first REGISTER with a value of a kind never
     * seen undid that compilation (in {@code bench/simulate}, 1.5 s of the new leader's compiler for the JSON
     * tokenizer alone, when agents spoke JSON).
     */
    private static AgentCall registration(AgentInfo agent, int index, List<FrameworkInfo> frameworks) {
        List<AgentCall.RunningTask> tasks = new ArrayList<>();
        List<FrameworkInfo> reported = new ArrayList<>();
        ResourceSet room = ResourceSet.of(agent.getResourcesList());
        if (!frameworks.isEmpty() && room.contains(TASK_RESOURCES)) {
            FrameworkInfo framework = frameworks.get(index % frameworks.size());
            for (int i = 0; i < TASKS_PER_AGENT && room.contains(TASK_RESOURCES); i++) {
                tasks.add(new AgentCall.RunningTask(framework.getId(), task(agent, index, i), status(agent, index, i)));
                room = room.minus(TASK_RESOURCES);
            }
            reported.add(framework);
        }
        return AgentCall.register(new AgentCall.Register(AgentProtocol.VERSION, agent, tasks, reported));
    }

    private static TaskInfo task(AgentInfo agent, int index, int i) {
        return TaskInfo.newBuilder().setName("rehearsal").setAgentId(agent.getId())
                .setTaskId(taskId(index, i))
                .setCommand(CommandInfo.newBuilder().setValue("true"))
                .setLabels(Labels.newBuilder().addLabels(Label.newBuilder().setKey("corral.rehearsal").setValue("1")))
                .addAllResources(TASK_RESOURCES.withAllocationRole("*").toList()).build();
    }

    private static TaskStatus status(AgentInfo agent, int index, int i) {
        return TaskStatus.newBuilder().setTaskId(taskId(index, i)).setAgentId(agent.getId())
                .setExecutorId(ExecutorID.newBuilder().setValue(taskId(index, i).getValue()))
                .setState(TaskState.TASK_RUNNING).setSource(TaskStatus.Source.SOURCE_EXECUTOR)
                .setTimestamp(1.7e9 + index + i / 8.0).setHealthy(i % 2 == 0)
                .setUuid(ByteString.copyFrom(ByteBuffer.allocate(16).putLong(index).putLong(i).array()))
                .build();
    }

    private static TaskID taskId(int index, int i) {
        return TaskID.newBuilder().setValue("corral-rehearsal-" + index + "-" + i).build();
    }

    /** The call as the scheduler API decodes it, after encoding it as a client would. */
    private static Call roundTrip(Call call) {
        return Encoding.PROTOBUF.decode(Encoding.PROTOBUF.encode(call), Call.getDefaultInstance());
    }

    /** A refusal (a framework removed meanwhile, an agent gone) ends that one call, as it would a real one. */
    private static void attempt(Runnable call) {
        try {
            call.run();
        } catch (Rejected refused) {
            // the rehearsal goes on with the next
        }
    }

    private static final class DroppedFrameworkLink implements FrameworkLink {
        private final String streamId = UUID.randomUUID().toString();

        @Override public String streamId() { return streamId; }
        @Override public void send(Event event) { Encoding.PROTOBUF.encode(event); } // as the SDK asks
        @Override public boolean isOpen() { return true; }
        @Override public void close() { }
    }

    private static final class DroppedAgentLink implements AgentLink {
        private final String streamId = UUID.randomUUID().toString();

        @Override public String streamId() { return streamId; }
        @Override public void send(AgentEvent event) { AgentProtocol.encode(event, Encoding.PROTOBUF); }
        @Override public boolean isOpen() { return true; }
        @Override public void close() { }
    }
}
