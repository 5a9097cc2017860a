package io.corral.protocol.agent;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.ExecutorID;
import org.apache.mesos.v1.Protos.ExecutorInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskStatus;

/**
 * A call from an agent to the leading master (agent protocol v1, {@code docs/agent-protocol.md}). Like Mesos's
 * {@code Call}: a type plus the one body field of that type.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AgentCall(Type type, AgentID agentId, Register register, Update update, ExecutorExited executorExited,
                        ExecutorMessage message, List<Update> updates) {

    /**
     * RESTARTING: the agent is stopping and leaves its tasks running for its next start to recover; the master keeps
     * them (no TASK_LOST when its presence ends) until the agent comes back or stays silent past the ping limit.
     */
    public enum Type { REGISTER, UPDATE, UPDATES, PONG, EXECUTOR_EXITED, MESSAGE, RESTARTING }

    /**
     * The most updates one UPDATES call may carry: an agent sends what became ready together (hundreds at most); the
     * bound keeps one call's work on the master's loop short.
     */
    public static final int MAX_UPDATES = 1024;

    /** The calls that existed before executors. */
    public AgentCall(Type type, AgentID agentId, Register register, Update update) {
        this(type, agentId, register, update, null, null, null);
    }

    /** The calls that existed before UPDATES. */
    public AgentCall(Type type, AgentID agentId, Register register, Update update, ExecutorExited executorExited,
                     ExecutorMessage message) {
        this(type, agentId, register, update, executorExited, message, null);
    }

    /**
     * Opens the agent's subscription. {@code agentInfo.id} is set when the agent registered before (with this or an
     * earlier leader): the master then keeps that id and adopts the reported tasks, as Mesos re-registration does.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Register(int protocolVersion, AgentInfo agentInfo, List<RunningTask> tasks,
                           List<FrameworkInfo> frameworks, List<RunningExecutor> executors) {
        /** A registration that reports no executors (an agent that runs command tasks only). */
        public Register(int protocolVersion, AgentInfo agentInfo, List<RunningTask> tasks,
                        List<FrameworkInfo> frameworks) {
            this(protocolVersion, agentInfo, tasks, frameworks, null);
        }
    }

    /**
     * A task the agent runs (or ran and has not had acknowledged), with the latest state it knows. A task with an
     * executor (one of a group included: the master sets the group's executor in each of its TaskInfos) names it in
     * {@code task.executor}.
     */
    public record RunningTask(FrameworkID frameworkId, TaskInfo task, TaskStatus latestStatus) {}

    /** An executor (not a command task's) the agent runs for a framework: its resources are booked on the agent. */
    public record RunningExecutor(FrameworkID frameworkId, ExecutorInfo executor) {}

    /**
     * An executor's process ended (or its container was destroyed): its resources are free, and its framework is told
     * (FAILURE). {@code status} is the wait status, as Mesos reports it.
     */
    public record ExecutorExited(FrameworkID frameworkId, ExecutorID executorId, int status) {}

    /** A message from an executor to its framework ({@code data} in base64), relayed as the framework's MESSAGE. */
    public record ExecutorMessage(FrameworkID frameworkId, ExecutorID executorId, String data) {}

    /** A status update; the agent resends it until the framework acknowledges its uuid. */
    public record Update(FrameworkID frameworkId, TaskStatus status) {}

    /** The status updates this call carries: UPDATE's one, UPDATES's, none for other calls. */
    public List<Update> statusUpdates() {
        if (type == Type.UPDATE && update != null) {
            return List.of(update);
        }
        return type == Type.UPDATES && updates != null ? updates : List.of();
    }

    public static AgentCall register(Register register) {
        return new AgentCall(Type.REGISTER, register.agentInfo().hasId() ? register.agentInfo().getId() : null,
                register, null);
    }

    public static AgentCall update(AgentID agentId, FrameworkID frameworkId, TaskStatus status) {
        return new AgentCall(Type.UPDATE, agentId, null, new Update(frameworkId, status));
    }

    /**
     * Several status updates in one call (UPDATES), each as UPDATE would carry it: an agent sends the updates that
     * became ready together in one request instead of one each. At most {@link #MAX_UPDATES}.
     */
    public static AgentCall updates(AgentID agentId, List<Update> updates) {
        return new AgentCall(Type.UPDATES, agentId, null, null, null, null, List.copyOf(updates));
    }

    /**
     * The calls that carry {@code updates}, in order: UPDATES of at most {@link #MAX_UPDATES} each, or UPDATE for one
     * alone; one UPDATE each when the master does not take UPDATES ({@code AgentEvent.Registered#takesUpdates}).
     */
    public static List<AgentCall> updateCalls(AgentID agentId, List<Update> updates, boolean masterTakesUpdates) {
        List<AgentCall> calls = new java.util.ArrayList<>();
        int perCall = masterTakesUpdates ? MAX_UPDATES : 1;
        for (int from = 0; from < updates.size(); from += perCall) {
            List<Update> chunk = updates.subList(from, Math.min(updates.size(), from + perCall));
            calls.add(chunk.size() == 1 ? update(agentId, chunk.get(0).frameworkId(), chunk.get(0).status())
                    : updates(agentId, chunk));
        }
        return calls;
    }

    public static AgentCall pong(AgentID agentId) {
        return new AgentCall(Type.PONG, agentId, null, null);
    }

    public static AgentCall restarting(AgentID agentId) {
        return new AgentCall(Type.RESTARTING, agentId, null, null);
    }

    public static AgentCall executorExited(AgentID agentId, FrameworkID frameworkId, ExecutorID executorId,
                                           int status) {
        return new AgentCall(Type.EXECUTOR_EXITED, agentId, null, null,
                new ExecutorExited(frameworkId, executorId, status), null);
    }

    public static AgentCall message(AgentID agentId, FrameworkID frameworkId, ExecutorID executorId,
                                    String dataBase64) {
        return new AgentCall(Type.MESSAGE, agentId, null, null, null,
                new ExecutorMessage(frameworkId, executorId, dataBase64));
    }
}
