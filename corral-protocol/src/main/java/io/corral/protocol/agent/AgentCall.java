package io.corral.protocol.agent;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskStatus;

/**
 * A call from an agent to the leading master (agent protocol v1, {@code docs/agent-protocol.md}). Like Mesos's
 * {@code Call}: a type plus the one body field of that type.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AgentCall(Type type, AgentID agentId, Register register, Update update) {

    public enum Type { REGISTER, UPDATE, PONG }

    /**
     * Opens the agent's subscription. {@code agentInfo.id} is set when the agent registered before (with this or an
     * earlier leader): the master then keeps that id and adopts the reported tasks, as Mesos re-registration does.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Register(int protocolVersion, AgentInfo agentInfo, List<RunningTask> tasks,
                           List<FrameworkInfo> frameworks) {}

    /** A task the agent runs (or ran and has not had acknowledged), with the latest state it knows. */
    public record RunningTask(FrameworkID frameworkId, TaskInfo task, TaskStatus latestStatus) {}

    /** A status update; the agent resends it until the framework acknowledges its uuid. */
    public record Update(FrameworkID frameworkId, TaskStatus status) {}

    public static AgentCall register(Register register) {
        return new AgentCall(Type.REGISTER, register.agentInfo().hasId() ? register.agentInfo().getId() : null,
                register, null);
    }

    public static AgentCall update(AgentID agentId, FrameworkID frameworkId, TaskStatus status) {
        return new AgentCall(Type.UPDATE, agentId, null, new Update(frameworkId, status));
    }

    public static AgentCall pong(AgentID agentId) {
        return new AgentCall(Type.PONG, agentId, null, null);
    }
}
