package io.corral.master;

import io.corral.master.state.Agent;
import io.corral.master.state.Executor;
import io.corral.master.state.Framework;
import io.corral.master.state.Task;
import io.corral.protocol.agent.AgentCall;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.resources.ResourceSet;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.mesos.v1.Protos.ExecutorID;
import org.apache.mesos.v1.Protos.ExecutorInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executors domain: executors of type CUSTOM or DEFAULT (a command task's executor is the task itself and has
 * nothing here) from their first task's launch until their agent reports them ended. An executor's resources are
 * booked on its agent and held by its framework once, however many tasks it runs. The domain relays what frameworks
 * and executors say to each other (SHUTDOWN, MESSAGE both ways), tells a framework when one of its executors ended
 * (FAILURE), and learns the executors an agent runs when it re-registers, as Mesos's master does.
 *
 * <p>Threading: owned by the master's event loop; every method runs on it.
 */
public final class Executors {
    private static final Logger LOG = LoggerFactory.getLogger(Executors.class);

    private final Master master;

    Executors(Master master) {
        this.master = master;
    }

    /** The ExecutorInfo of {@code framework}'s executor {@code executorId} running on {@code agent}, or null. */
    ExecutorInfo running(Agent agent, FrameworkID framework, ExecutorID executorId) {
        Executor executor = agent.executor(new Executor.Key(framework, executorId));
        return executor == null ? null : executor.info();
    }

    /** An executor starts on the agent with its first task (or group): its resources are booked from now on. */
    void started(Framework framework, Agent agent, ExecutorInfo info, String role) {
        Executor executor = new Executor(framework.id(), agent.id(), info,
                ResourceSet.of(info.getResourcesList()).withoutAllocationInfo(), role);
        agent.addExecutor(executor);
        framework.addExecutor(executor);
    }

    /**
     * The agent reports that an executor ended: its resources are free, and its framework gets FAILURE with the
     * executor's id and wait status, as Mesos tells schedulers. Its tasks end by their own updates.
     */
    public void exited(Agent agent, AgentCall.ExecutorExited exited) {
        if (exited == null || exited.frameworkId() == null || exited.executorId() == null) {
            throw Rejected.invalid("Expecting 'executor_exited.framework_id' and 'executor_exited.executor_id'");
        }
        Executor executor = agent.removeExecutor(new Executor.Key(exited.frameworkId(), exited.executorId()));
        if (executor == null) {
            return; // unknown, or already gone (the agent resends)
        }
        Framework framework = master.frameworks().get(executor.frameworkId());
        LOG.info("Executor {} of framework {} on agent {} ended with status {}", executor.id().getValue(),
                executor.frameworkId().getValue(), agent.id().getValue(), exited.status());
        if (framework != null) {
            framework.removeExecutor(executor);
            master.outbox().toFramework(framework.id(), Event.newBuilder().setType(Event.Type.FAILURE)
                    .setFailure(Event.Failure.newBuilder().setAgentId(agent.id())
                            .setExecutorId(executor.id()).setStatus(exited.status()))
                    .build());
        }
        master.offers.allocateSoon(agent.id());
    }

    /**
     * SHUTDOWN of one of the framework's executors: the agent shuts it down. A command task's executor has the task's
     * id and dies with it, so shutting it down kills the task; an executor the agent does not run is ignored, as a
     * Mesos agent ignores it.
     */
    public void shutdown(Framework framework, Call.Shutdown shutdown) {
        if (!shutdown.hasExecutorId() || !shutdown.hasAgentId()) {
            throw Rejected.invalid("Expecting 'shutdown.executor_id' and 'shutdown.agent_id' to be present");
        }
        Agent agent = master.agents().get(shutdown.getAgentId());
        if (agent == null || !agent.isConnected()) {
            return;
        }
        if (running(agent, framework.id(), shutdown.getExecutorId()) != null) {
            master.outbox().toAgent(agent.id(), AgentEvent.shutdownExecutor(framework.id(), shutdown.getExecutorId()));
            return;
        }
        Task task = framework.tasks().get(TaskID.newBuilder().setValue(shutdown.getExecutorId().getValue()).build());
        if (task != null && task.executorId() == null && task.agentId().equals(agent.id())) {
            master.outbox().toAgent(agent.id(), AgentEvent.kill(framework.id(), task.id(), 0));
        }
    }

    /**
     * MESSAGE from a framework to one of its executors: relayed through the agent. A command task's executor takes
     * no messages, and one the agent does not run is gone: such a message is dropped, as Mesos drops it.
     */
    public void message(Framework framework, Call.Message message) {
        if (!message.hasAgentId() || !message.hasExecutorId() || !message.hasData()) {
            throw Rejected.invalid("Expecting 'message.agent_id', 'message.executor_id' and 'message.data'"
                    + " to be present");
        }
        Agent agent = master.agents().get(message.getAgentId());
        if (agent == null || !agent.isConnected()
                || running(agent, framework.id(), message.getExecutorId()) == null) {
            LOG.debug("Framework {}: message for executor {} dropped (no such executor runs there)",
                    framework.id().getValue(), message.getExecutorId().getValue());
            return;
        }
        master.outbox().toAgent(agent.id(), AgentEvent.message(framework.id(), message.getExecutorId(),
                Base64.getEncoder().encodeToString(message.getData().toByteArray())));
    }

    /** A message from an executor on {@code agent} to its framework: relayed as the framework's MESSAGE event. */
    public void fromExecutor(Agent agent, AgentCall.ExecutorMessage message) {
        if (message == null || message.frameworkId() == null || message.executorId() == null
                || message.data() == null) {
            throw Rejected.invalid("Expecting 'message.framework_id', 'message.executor_id' and 'message.data'");
        }
        byte[] data;
        try {
            data = Base64.getDecoder().decode(message.data());
        } catch (IllegalArgumentException e) {
            throw Rejected.invalid("'message.data' is not base64: " + e.getMessage());
        }
        Framework framework = master.frameworks().get(message.frameworkId());
        if (framework == null || !framework.isConnected()
                || running(agent, framework.id(), message.executorId()) == null) {
            return; // the framework or executor is gone: dropped, as Mesos drops it
        }
        master.outbox().toFramework(framework.id(), Event.newBuilder().setType(Event.Type.MESSAGE)
                .setMessage(Event.Message.newBuilder().setAgentId(agent.id()).setExecutorId(message.executorId())
                        .setData(com.google.protobuf.ByteString.copyFrom(data)))
                .build());
    }

    /**
     * The agent re-registered, reporting the executors it runs: those are booked (a new leader learns them this way),
     * and those the master knew there but the agent no longer runs are gone. An executor of a framework the master
     * does not know (not reported with a task either) is ignored.
     */
    void reported(Agent agent, List<AgentCall.RunningExecutor> reported) {
        Set<Executor.Key> kept = new HashSet<>();
        for (AgentCall.RunningExecutor running : reported == null ? List.<AgentCall.RunningExecutor>of() : reported) {
            Framework framework = master.frameworks().get(running.frameworkId());
            ExecutorInfo info = running.executor();
            if (framework == null || info == null) {
                continue;
            }
            kept.add(new Executor.Key(framework.id(), info.getExecutorId()));
            if (running(agent, framework.id(), info.getExecutorId()) == null) {
                started(framework, agent, info, roleOf(info, framework));
            }
        }
        for (Executor executor : List.copyOf(agent.executors())) {
            if (!kept.contains(executor.key())) {
                forget(agent, executor);
            }
        }
    }

    /** The agent is gone for good: its executors with it. */
    void agentRemoved(Agent agent) {
        for (Executor executor : List.copyOf(agent.executors())) {
            forget(agent, executor);
        }
    }

    /** The framework is removed: its executors are forgotten (its agents were told to shut it down). */
    void frameworkRemoved(Framework framework) {
        for (Executor executor : framework.executors()) {
            Agent agent = master.agents().get(executor.agentId());
            if (agent != null) {
                agent.removeExecutor(executor.key());
            }
            framework.removeExecutor(executor);
        }
    }

    private void forget(Agent agent, Executor executor) {
        agent.removeExecutor(executor.key());
        Framework framework = master.frameworks().get(executor.frameworkId());
        if (framework != null) {
            framework.removeExecutor(executor);
        }
    }

    /** The role an executor's resources are allocated to: theirs, else its framework's. */
    private static String roleOf(ExecutorInfo info, Framework framework) {
        return info.getResourcesList().stream().filter(Resource::hasAllocationInfo)
                .map(r -> r.getAllocationInfo().getRole()).findFirst().orElse(framework.role());
    }
}
