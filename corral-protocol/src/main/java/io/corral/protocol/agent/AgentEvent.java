package io.corral.protocol.agent;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.ExecutorID;
import org.apache.mesos.v1.Protos.ExecutorInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;

/**
 * An event from the leading master to an agent, sent on the agent's subscription stream (agent protocol v1).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AgentEvent(Type type, Registered registered, Launch launch, Kill kill, Acknowledge acknowledge,
                         ShutdownFramework shutdownFramework, Error error, CheckpointResources checkpointResources,
                         LaunchGroup launchGroup, ShutdownExecutor shutdownExecutor, Message message) {

    public enum Type { REGISTERED, LAUNCH, KILL, ACKNOWLEDGE, SHUTDOWN_FRAMEWORK, PING, ERROR, CHECKPOINT_RESOURCES,
        LAUNCH_GROUP, SHUTDOWN_EXECUTOR, MESSAGE }

    /** Compatibility constructor for the events that existed before CHECKPOINT_RESOURCES. */
    public AgentEvent(Type type, Registered registered, Launch launch, Kill kill, Acknowledge acknowledge,
                      ShutdownFramework shutdownFramework, Error error) {
        this(type, registered, launch, kill, acknowledge, shutdownFramework, error, null, null, null, null);
    }

    /** Compatibility constructor for the events that existed before executors. */
    public AgentEvent(Type type, Registered registered, Launch launch, Kill kill, Acknowledge acknowledge,
                      ShutdownFramework shutdownFramework, Error error, CheckpointResources checkpointResources) {
        this(type, registered, launch, kill, acknowledge, shutdownFramework, error, checkpointResources, null, null,
                null);
    }

    /**
     * Tasks that start, live and die together under {@code executor} (Mesos's LAUNCH_GROUP; the DEFAULT executor, or
     * a CUSTOM one). The executor's resources are charged once, when it is new on the agent.
     */
    public record LaunchGroup(FrameworkInfo frameworkInfo, ExecutorInfo executor, java.util.List<TaskInfo> tasks) {}

    /** The framework's SHUTDOWN of one of its executors: the agent shuts it down and destroys its container. */
    public record ShutdownExecutor(FrameworkID frameworkId, ExecutorID executorId) {}

    /** A framework's MESSAGE for one of its executors ({@code data} in base64). */
    public record Message(FrameworkID frameworkId, ExecutorID executorId, String data) {}

    public static AgentEvent launchGroup(FrameworkInfo framework, ExecutorInfo executor,
                                         java.util.List<TaskInfo> tasks) {
        return new AgentEvent(Type.LAUNCH_GROUP, null, null, null, null, null, null, null,
                new LaunchGroup(framework, executor, java.util.List.copyOf(tasks)), null, null);
    }

    public static AgentEvent shutdownExecutor(FrameworkID framework, ExecutorID executor) {
        return new AgentEvent(Type.SHUTDOWN_EXECUTOR, null, null, null, null, null, null, null, null,
                new ShutdownExecutor(framework, executor), null);
    }

    public static AgentEvent message(FrameworkID framework, ExecutorID executor, String dataBase64) {
        return new AgentEvent(Type.MESSAGE, null, null, null, null, null, null, null, null, null,
                new Message(framework, executor, dataBase64));
    }

    /**
     * The dynamic reservations and persistent volumes the master recorded for this agent, sent after each change and
     * on (re-)registration: the agent keeps the volumes listed and deletes the others' data.
     */
    public record CheckpointResources(java.util.List<org.apache.mesos.v1.Protos.Resource> resources) {}

    public static AgentEvent checkpointResources(java.util.List<org.apache.mesos.v1.Protos.Resource> resources) {
        return new AgentEvent(Type.CHECKPOINT_RESOURCES, null, null, null, null, null, null,
                new CheckpointResources(java.util.List.copyOf(resources)), null, null, null);
    }

    /**
     * {@code capabilities}: what this master takes beyond protocol version 1's first calls, so an agent newer than
     * its master uses only what the master knows ({@link #UPDATES_CAPABILITY}). Absent from masters before it.
     */
    public record Registered(AgentID agentId, MasterInfo masterInfo, double pingIntervalSeconds,
                             java.util.List<String> capabilities) {
        /** As this master sends it: with every capability it has. */
        public Registered(AgentID agentId, MasterInfo masterInfo, double pingIntervalSeconds) {
            this(agentId, masterInfo, pingIntervalSeconds, java.util.List.of(UPDATES_CAPABILITY));
        }

        /** True when the master takes UPDATES calls (several status updates in one). */
        public boolean takesUpdates() {
            return capabilities != null && capabilities.contains(UPDATES_CAPABILITY);
        }
    }

    /** The master takes the UPDATES call ({@link AgentCall#updates}). */
    public static final String UPDATES_CAPABILITY = "UPDATES";

    public record Launch(FrameworkInfo frameworkInfo, TaskInfo task) {}

    /** {@code gracePeriodNanos} is 0 when the framework gave no kill policy (the agent's default applies). */
    public record Kill(FrameworkID frameworkId, TaskID taskId, long gracePeriodNanos) {}

    /** {@code uuid} is the base64 of the acknowledged update's uuid bytes. */
    public record Acknowledge(FrameworkID frameworkId, TaskID taskId, String uuid) {}

    public record ShutdownFramework(FrameworkID frameworkId) {}

    public record Error(String message) {}

    public static AgentEvent registered(AgentID agentId, MasterInfo master, double pingIntervalSeconds) {
        return new AgentEvent(Type.REGISTERED, new Registered(agentId, master, pingIntervalSeconds),
                null, null, null, null, null);
    }

    public static AgentEvent launch(FrameworkInfo framework, TaskInfo task) {
        return new AgentEvent(Type.LAUNCH, null, new Launch(framework, task), null, null, null, null);
    }

    public static AgentEvent kill(FrameworkID framework, TaskID task, long gracePeriodNanos) {
        return new AgentEvent(Type.KILL, null, null, new Kill(framework, task, gracePeriodNanos), null, null, null);
    }

    public static AgentEvent acknowledge(FrameworkID framework, TaskID task, String uuidBase64) {
        return new AgentEvent(Type.ACKNOWLEDGE, null, null, null, new Acknowledge(framework, task, uuidBase64),
                null, null);
    }

    public static AgentEvent shutdownFramework(FrameworkID framework) {
        return new AgentEvent(Type.SHUTDOWN_FRAMEWORK, null, null, null, null, new ShutdownFramework(framework), null);
    }

    public static AgentEvent ping() {
        return new AgentEvent(Type.PING, null, null, null, null, null, null);
    }

    public static AgentEvent error(String message) {
        return new AgentEvent(Type.ERROR, null, null, null, null, null, new Error(message));
    }
}
