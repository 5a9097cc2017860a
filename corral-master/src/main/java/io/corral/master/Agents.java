package io.corral.master;

import io.corral.master.state.Agent;
import io.corral.master.state.AgentLink;
import io.corral.master.state.AgentView;
import io.corral.master.state.Framework;
import io.corral.master.state.PublishedList;
import io.corral.master.state.Task;
import io.corral.protocol.MesosIds;
import io.corral.protocol.agent.AgentCall;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.resources.ResourceSet;
import io.corral.protocol.task.SideEffect;
import io.corral.protocol.task.TaskTransitions;
import io.corral.zookeeper.registry.AgentRecord;
import io.corral.zookeeper.registry.AgentState;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agents domain: every agent this leader knows (registered, recovered from the registry, or unreachable) and the
 * decisions of an agent's life over the agent protocol ({@code docs/agent-protocol.md}): registration and
 * re-registration (adopting the tasks it reports), status updates, silence or a lost ZooKeeper presence making it
 * unreachable, and the end of its stream. Its operator-set modes (drain, deactivate, gone) are {@link AgentModes}'.
 *
 * <p>Threading: owned by the master's event loop; every method runs on it.
 */
public final class Agents {
    private static final Logger LOG = LoggerFactory.getLogger(Agents.class);

    /** How long a vanished presence znode may stay away before the agent is marked unreachable. */
    static final java.time.Duration PRESENCE_GRACE = java.time.Duration.ofMillis(500);

    private final Master master;
    private final Map<AgentID, Agent> byId = new java.util.LinkedHashMap<>();
    /** The agents' views as last published ({@link #views}). */
    private final PublishedList<Agent, AgentView> views = new PublishedList<>(Agent::view);
    private MasterCounts.AgentCounters counters = MasterCounts.AgentCounters.NONE;
    private final Map<String, io.corral.protocol.concurrent.Timers.Cancellable> presenceGrace = new HashMap<>();
    /** Agents that said they are restarting (RESTARTING) and have not registered again since. */
    private final java.util.Set<String> restarting = new java.util.HashSet<>();
    /** Agents whose unreachable state is being written to the registry. */
    private final Set<AgentID> pendingUnreachable = new HashSet<>();

    Agents(Master master) {
        this.master = master;
    }

    // ---- what is known ----

    /** The agent with this id, or null. */
    public Agent get(AgentID id) {
        return byId.get(id);
    }

    public boolean contains(AgentID id) {
        return byId.containsKey(id);
    }

    /** Every known agent, in the order they became known (read-only). */
    public java.util.Collection<Agent> all() {
        return java.util.Collections.unmodifiableCollection(byId.values());
    }

    /** Every agent's view, in order, for the published view: the last list while no agent's view changed. */
    List<AgentView> views() {
        return views.of(byId.values());
    }

    /** The agent with this id, made by {@code create} if it is not known yet (a registry document applied). */
    Agent computeIfAbsent(AgentID id, java.util.function.Function<AgentID, Agent> create) {
        return byId.computeIfAbsent(id, create);
    }

    /** Forgets an agent (marked gone); returns it, or null if it was not known. */
    Agent remove(AgentID id) {
        return byId.remove(id);
    }

    MasterCounts.AgentCounters counters() {
        return counters;
    }

    private void countRegistration(boolean reregistration) {
        counters = reregistration ? counters.reregistered() : counters.registered();
    }

    void countRemoval() {
        counters = counters.removed();
    }

    /**
     * REGISTER: admits a new agent, or takes back one that registered before (it keeps its id, and the master adopts
     * the tasks it reports, which keep running). The agent is recorded in the registry first; only once that write
     * is durable does {@code openStream} start its event stream, and is the agent attached (offers, launches) and
     * told REGISTERED. A write the registry refuses fails the returned future with a 503 and changes nothing.
     *
     * <p>An agent the registry already holds as reachable, with the very AgentInfo it reports now, is admitted
     * without a write (as Mesos re-registers it): after a failover, 10,000 agents coming back would otherwise be
     * 10,000 writes that change nothing, in the seconds when the new leader is busiest.
     */
    public CompletableFuture<Void> register(AgentCall.Register register, Function<AgentID, AgentLink> openStream) {
        validate(register);
        refuseGoneOrDown(register.agentInfo());
        AgentInfo info = register.agentInfo().hasId() ? register.agentInfo()
                : register.agentInfo().toBuilder().setId(master.ids().nextAgent()).build();
        return master.agentWrites().commit(info.getId(), () -> {
            // Decided at its turn: the reservations and volumes are the ones recorded when it is written.
            Agent known = get(info.getId());
            if (known != null && !known.isUnreachable() && known.info().equals(info)) {
                return null; // the registry holds it as it is
            }
            Instant now = Instant.ofEpochMilli(master.timers().nowMillis());
            Instant registeredAt = known != null ? Instant.ofEpochMilli(known.registeredMillis()) : now;
            return new DurableChange.AgentStored(new AgentRecord(info, AgentState.active(), registeredAt, now,
                    known != null ? known.checkpointed() : List.of()));
        }, () -> admit(get(info.getId()), info, register, openStream.apply(info.getId())));
    }

    /**
     * An agent marked gone is never admitted again, whatever it sends (a REGISTER carrying a gone agent's id is
     * refused too), and an agent on a machine that is DOWN for maintenance is refused until the machine is brought
     * up, as Mesos answers both with a ShutdownMessage.
     */
    private void refuseGoneOrDown(AgentInfo info) {
        if (info.hasId() && (master.agentModes().isGone(info.getId())
                || master.agentModes().isMarkingGone(info.getId()))) {
            throw Rejected.forbidden("Agent " + info.getId().getValue() + " has been marked gone and cannot"
                    + " register again: shut it down, clear its work directory, and start it as a new agent");
        }
        if (master.maintenance().isDown(info)) {
            throw Rejected.forbidden("Machine '" + info.getHostname() + "' is DOWN for maintenance: agents on it"
                    + " are refused until an operator brings it up (STOP_MAINTENANCE)");
        }
    }

    /** The agent is durable in the registry: attach it (replacing an earlier stream), adopt its tasks, REGISTERED. */
    private void admit(Agent agent, AgentInfo info, AgentCall.Register register, AgentLink link) {
        if (agent.isConnected() && !agent.streamId().equals(link.streamId())) {
            // Offers of the replaced stream were made of the old resources: take them back before the new total.
            master.offers.rescind(agent.offers(), true);
        }
        countRegistration(register.agentInfo().hasId());
        agent.attach(link.streamId(), info);
        master.outbox().add(new Effect.OpenAgentStream(agent.id(), link)); // closes the replaced stream
        agent.heard(master.timers().nowMillis());
        agent.pinged(master.timers().nowMillis()); // its pings start a ping interval from now: on its own phase
        adoptReportedTasks(agent, register);
        master.executors().reported(agent, register.executors());
        resendWantedKills(agent);
        master.outbox().toAgent(agent.id(), AgentEvent.registered(agent.id(), master.info(),
                master.config().agentPingInterval().toMillis() / 1000.0));
        master.outbox().toAgent(agent.id(), AgentEvent.checkpointResources(agent.checkpointed()));
        master.operatorStreams.publish(() -> OperatorEvents.agentAdded(agent));
        master.agentModes().reregistered(agent);
        if (master.logsDecisions()) {
            LOG.info("Agent {} at {}:{} {} with {} ({} tasks)", agent.id().getValue(), info.getHostname(),
                    info.getPort(), register.agentInfo().hasId() ? "re-registered" : "registered", agent.total(),
                    agent.tasks().size());
        }
        master.offers.allocateSoon(agent.id());
    }

    /**
     * Refuses (400) a registration Mesos would refuse ({@code master::validation::master::message}): a bad agent id,
     * invalid resources, reported frameworks without a valid id, reported tasks with a bad id, another agent's id,
     * no framework id or invalid resources. Corral also refuses an agent whose resources cannot hold the tasks it
     * reports, which would over-commit it.
     */
    private void validate(AgentCall.Register register) {
        if (register == null || register.agentInfo() == null) {
            throw Rejected.invalid("Expecting 'register.agent_info' to be present");
        }
        if (register.protocolVersion() != io.corral.protocol.agent.AgentProtocol.VERSION) {
            throw Rejected.invalid("Unsupported agent protocol version " + register.protocolVersion()
                    + "; this master speaks version " + io.corral.protocol.agent.AgentProtocol.VERSION);
        }
        AgentInfo info = register.agentInfo();
        if (info.getResourcesCount() == 0) {
            throw Rejected.invalid("Agent advertises no resources");
        }
        String invalidId = info.hasId() ? MesosIds.invalidReason(info.getId().getValue()) : null;
        if (invalidId != null) {
            throw Rejected.invalid("'agent_info.id' is invalid: " + invalidId);
        }
        String invalidAttributes = io.corral.protocol.resources.AgentAttributes.invalidReason(
                info.getAttributesList());
        if (invalidAttributes != null) {
            throw Rejected.invalid("Agent advertises invalid attributes: " + invalidAttributes);
        }
        ResourceSet total = resources(info.getResourcesList(), "Agent advertises invalid resources: ");
        for (FrameworkInfo framework : nullSafe(register.frameworks())) {
            String invalid = framework == null || !framework.hasId() ? "it has none"
                    : MesosIds.invalidReason(framework.getId().getValue());
            if (invalid != null) {
                throw Rejected.invalid("Reported framework has an invalid FrameworkID: " + invalid);
            }
        }
        Agent known = info.hasId() ? get(info.getId()) : null;
        ResourceSet reportedUse = ResourceSet.empty();
        for (AgentCall.RunningTask running : nullSafe(register.tasks())) {
            if (running == null || running.frameworkId() == null || running.task() == null) {
                throw Rejected.invalid("Expecting 'framework_id' and 'task' in every reported task");
            }
            TaskInfo task = running.task();
            String invalidTaskId = MesosIds.invalidReason(task.getTaskId().getValue());
            if (invalidTaskId != null) {
                throw Rejected.invalid("Task has an invalid TaskID: " + invalidTaskId);
            }
            if (!info.hasId() || !task.getAgentId().equals(info.getId())) {
                throw Rejected.invalid("Task has an invalid AgentID '" + task.getAgentId().getValue() + "'");
            }
            ResourceSet resources = resources(task.getResourcesList(), "Task uses invalid resources: ")
                    .withoutAllocationInfo();
            Task knownTask = known == null ? null : known.task(running.frameworkId(), task.getTaskId());
            boolean ended = running.latestStatus() != null
                    && TaskTransitions.isTerminal(running.latestStatus().getState());
            if (!ended) {
                try {
                    reportedUse = reportedUse.plus(knownTask != null ? knownTask.resources() : resources);
                } catch (IllegalArgumentException e) {
                    throw Rejected.invalid("Reported tasks use invalid resources: " + e.getMessage());
                }
            }
        }
        reportedUse = plusExecutors(reportedUse, register.executors());
        if (known != null) { // tasks may use the reservations and volumes made on it
            total = Agent.totalOf(info, known.checkpointed());
        }
        if (!total.contains(reportedUse)) {
            throw Rejected.invalid("Agent's resources " + total + " cannot hold the tasks and executors it reports,"
                    + " which use " + reportedUse);
        }
    }

    /** What the reported executors use, added to {@code use}; each must name its framework and have a valid id. */
    private static ResourceSet plusExecutors(ResourceSet use, List<AgentCall.RunningExecutor> executors) {
        for (AgentCall.RunningExecutor running : nullSafe(executors)) {
            if (running == null || running.frameworkId() == null || running.executor() == null) {
                throw Rejected.invalid("Expecting 'framework_id' and 'executor' in every reported executor");
            }
            String invalidId = MesosIds.invalidReason(running.executor().getExecutorId().getValue());
            if (invalidId != null) {
                throw Rejected.invalid("Executor has an invalid ExecutorID: " + invalidId);
            }
            try {
                use = use.plus(resources(running.executor().getResourcesList(), "Executor uses invalid resources: ")
                        .withoutAllocationInfo());
            } catch (IllegalArgumentException e) {
                throw Rejected.invalid("Reported executors use invalid resources: " + e.getMessage());
            }
        }
        return use;
    }

    private static ResourceSet resources(List<org.apache.mesos.v1.Protos.Resource> resources, String error) {
        try {
            return ResourceSet.of(resources);
        } catch (IllegalArgumentException e) {
            throw Rejected.invalid(error + e.getMessage());
        }
    }

    /**
     * Makes the master's view of the agent's tasks match the agent's report: reported tasks are adopted (with their
     * frameworks, as "recovered" frameworks until they resubscribe); tasks the master launched there that the agent
     * does not know were lost on the way and are reported lost.
     */
    /** Kills frameworks asked for while the agent was away: what they want, not what the agent last said, wins. */
    private void resendWantedKills(Agent agent) {
        for (Task task : agent.tasks()) {
            if (!task.isTerminal() && task.isKillRequested()) {
                master.outbox().toAgent(agent.id(), AgentEvent.kill(task.frameworkId(), task.id(),
                        task.killGraceNanos()));
            }
        }
    }

    private void adoptReportedTasks(Agent agent, AgentCall.Register register) {
        Map<FrameworkID, FrameworkInfo> infos = new HashMap<>();
        for (FrameworkInfo info : nullSafe(register.frameworks())) {
            infos.put(info.getId(), info);
        }
        Set<Map.Entry<FrameworkID, TaskID>> reported = new HashSet<>();
        for (AgentCall.RunningTask running : nullSafe(register.tasks())) {
            reported.add(Map.entry(running.frameworkId(), running.task().getTaskId()));
        }
        // The lost ones first: their resources go back before the reported ones are booked, so that the agent's
        // books never hold more than its resources (validated to hold the reported tasks).
        for (Task task : List.copyOf(agent.tasks())) {
            if (!reported.contains(Map.entry(task.frameworkId(), task.id())) && !task.isTerminal()) {
                Framework framework = master.frameworks().get(task.frameworkId());
                TaskStatus lost = master.tasks().masterStatus(task.id(), agent.id(), TaskState.TASK_LOST,
                        TaskStatus.Reason.REASON_RECONCILIATION, "Task is unknown to the agent after it re-registered");
                master.tasks().record(task, lost);
                master.tasks().forwardUpdate(framework, lost);
                master.tasks().completeTask(framework, task);
            }
        }
        for (AgentCall.RunningTask running : nullSafe(register.tasks())) {
            adoptTask(agent, running, infos.get(running.frameworkId()));
        }
    }

    private void adoptTask(Agent agent, AgentCall.RunningTask running, FrameworkInfo frameworkInfo) {
        Framework framework = master.frameworks().get(running.frameworkId());
        if (framework == null && master.frameworks().wasRemoved(running.frameworkId())) {
            // Torn down while the agent was away: it must not come back as a recovered framework.
            LOG.info("Agent {} reported task {} of removed framework {}: shutting the framework down there",
                    agent.id().getValue(), running.task().getTaskId().getValue(), running.frameworkId().getValue());
            master.outbox().toAgent(agent.id(), AgentEvent.shutdownFramework(running.frameworkId()));
            return;
        }
        if (framework == null) {
            if (frameworkInfo == null) {
                LOG.warn("Agent {} reported task {} of unknown framework {} without its FrameworkInfo",
                        agent.id().getValue(), running.task().getTaskId().getValue(), running.frameworkId().getValue());
                return;
            }
            framework = new Framework(frameworkInfo, master.timers().nowMillis());
            master.frameworks().add(framework);
        }
        Task elsewhere = framework.tasks().get(running.task().getTaskId());
        if (elsewhere != null && !elsewhere.agentId().equals(agent.id())) {
            LOG.warn("Agent {} reported task {} of framework {}, which the master knows on agent {}; ignored",
                    agent.id().getValue(), running.task().getTaskId().getValue(), framework.id().getValue(),
                    elsewhere.agentId().getValue());
            return;
        }
        Task known = agent.task(framework.id(), running.task().getTaskId());
        if (known != null) {
            boolean wasUnreachable = known.state() == TaskState.TASK_UNREACHABLE;
            recordStatus(known, running.latestStatus());
            if (wasUnreachable && running.latestStatus() != null) {
                // Back from a partition: tell the framework the task's real state (Mesos 1.5+ kills nothing).
                master.tasks().forwardUpdate(framework, running.latestStatus().toBuilder().clearUuid()
                        .setSource(TaskStatus.Source.SOURCE_MASTER)
                        .setReason(TaskStatus.Reason.REASON_AGENT_REREGISTERED)
                        .setTimestamp(master.timers().nowMillis() / 1000.0)
                        .build());
            }
            return;
        }
        TaskState state = running.latestStatus() != null ? running.latestStatus().getState() : TaskState.TASK_STAGING;
        Task task = new Task(running.task(), framework.id(), state);
        if (running.latestStatus() != null) {
            master.tasks().record(task, running.latestStatus());
        }
        master.tasks().addTask(framework, agent, task); // one that already ended holds nothing
    }

    /** The agent's stream id must match its current registration, as a framework's must. */
    public Agent authorize(AgentID agentId, String streamId) {
        Agent agent = agentId == null ? null : get(agentId);
        if (agent == null || !agent.isConnected()) {
            throw Rejected.forbidden("Agent is not registered with this master: register first");
        }
        if (streamId == null || !streamId.equals(agent.streamId())) {
            throw Rejected.invalid("The stream ID '" + streamId + "' does not match the agent's registration");
        }
        return agent;
    }

    /** A status update from the agent: recorded, then forwarded to the framework (the agent resends until acked). */
    public void update(Agent agent, AgentCall.Update update) {
        validate(agent, update, "update");
        apply(agent, update);
    }

    /**
     * UPDATES: several updates in one call, handled as that many UPDATEs in order. Every one is checked before any is
     * handled, so a call with a bad one is refused whole and changes nothing (the agent resends them all anyway).
     */
    public void updates(Agent agent, List<AgentCall.Update> updates) {
        if (updates == null || updates.isEmpty()) {
            throw Rejected.invalid("Expecting 'updates' to hold at least one update");
        }
        if (updates.size() > AgentCall.MAX_UPDATES) {
            throw Rejected.invalid("Expecting at most " + AgentCall.MAX_UPDATES + " updates in one call, not "
                    + updates.size());
        }
        for (int i = 0; i < updates.size(); i++) {
            validate(agent, updates.get(i), "updates[" + i + "]");
        }
        updates.forEach(update -> apply(agent, update));
    }

    private static void validate(Agent agent, AgentCall.Update update, String name) {
        if (update == null || update.status() == null || update.frameworkId() == null) {
            throw Rejected.invalid("Expecting '" + name + ".status' and '" + name + ".framework_id' to be present");
        }
        if (update.status().hasAgentId() && !update.status().getAgentId().equals(agent.id())) {
            throw Rejected.forbidden("'" + name + ".status.agent_id' is " + update.status().getAgentId().getValue()
                    + ": an agent reports only its own tasks (" + agent.id().getValue() + ")");
        }
        if (update.status().hasUuid() && update.status().getUuid().size() != 16) {
            // The framework could not acknowledge it, and the agent would resend it for ever.
            throw Rejected.invalid("Expecting '" + name + ".status.uuid' to be a UUID (16 bytes)");
        }
    }

    private void apply(Agent agent, AgentCall.Update update) {
        Framework framework = master.frameworks().get(update.frameworkId());
        if (framework == null) {
            // The framework was torn down: make the agent stop its tasks and its retries.
            master.outbox().toAgent(agent.id(), AgentEvent.shutdownFramework(update.frameworkId()));
            return;
        }
        TaskStatus status = update.status().hasAgentId() ? update.status()
                : update.status().toBuilder().setAgentId(agent.id()).build();
        Task task = agent.task(update.frameworkId(), status.getTaskId());
        Task elsewhere = task == null ? framework.tasks().get(status.getTaskId()) : null;
        if (elsewhere != null && !elsewhere.agentId().equals(agent.id())) {
            // The framework's task of that id lives on another agent: this one may not speak for it. Acknowledged
            // here so that an agent resending a stale update of a reused task id stops.
            LOG.warn("Agent {} sent {} for task {} of framework {}, which runs on agent {}: not forwarded",
                    agent.id().getValue(), status.getState(), status.getTaskId().getValue(),
                    framework.id().getValue(), elsewhere.agentId().getValue());
            acknowledgeForFramework(agent, update.frameworkId(), status);
            return;
        }
        if (task != null && task.isResentOn(status, framework.streamId())) {
            return; // the framework's stream carries it already; the agent resends until the framework acknowledges
        }
        if (task != null) {
            recordStatus(task, status);
        }
        if (master.tasks().forwardUpdate(framework, status) && task != null) {
            task.sentOn(status, framework.streamId());
        }
    }

    private void acknowledgeForFramework(Agent agent, FrameworkID frameworkId, TaskStatus status) {
        if (status.hasUuid()) {
            master.outbox().toAgent(agent.id(), AgentEvent.acknowledge(frameworkId, status.getTaskId(),
                    Base64.getEncoder().encodeToString(status.getUuid().toByteArray())));
        }
    }

    private void recordStatus(Task task, TaskStatus status) {
        if (status != null) {
            master.tasks().record(task, status);
        }
    }

    /** A PONG (or any call) from the agent: it is alive and reaches this master. */
    public void heard(Agent agent) {
        agent.heard(master.timers().nowMillis());
    }

    /**
     * The agent is unreachable (silent past the ping limit, or its ZooKeeper presence gone): its offers are
     * rescinded, and each of its running tasks is reported TASK_UNREACHABLE to partition-aware frameworks and
     * TASK_LOST to the others, by the master, without a uuid ({@code docs/mesos-compatibility.md}, "Agent health and
     * unreachable agents"). The tasks stay known: when the agent re-registers they are reconciled and nothing is
     * killed for having been unreachable.
     */
    public void markUnreachable(Agent agent, String why) {
        if (agent.isUnreachable() || get(agent.id()) != agent
                || master.agentModes().isMarkingGone(agent.id()) || !pendingUnreachable.add(agent.id())) {
            return;
        }
        restarting.remove(agent.id().getValue());
        long now = master.timers().nowMillis();
        long heard = agent.lastHeardMillis();
        master.agentWrites().commit(agent.id(), () -> new DurableChange.AgentStored(new AgentRecord(agent.info(),
                        AgentState.unreachable(Instant.ofEpochMilli(now)),
                        Instant.ofEpochMilli(agent.registeredMillis()),
                        Instant.ofEpochMilli(now), agent.checkpointed())), () -> unreachable(agent, why, now))
                .whenComplete((ok, failure) -> {
                    pendingUnreachable.remove(agent.id());
                    if (failure != null) {
                        // Nothing changed; judge again shortly, unless the agent has been heard from meanwhile.
                        master.timers().schedule(Master.RETRY_AFTER_REFUSED_WRITE, () -> {
                            if (agent.lastHeardMillis() == heard && !master.isPaused()) {
                                markUnreachable(agent, why);
                            }
                        });
                    }
                });
    }

    /** Whether the agent's unreachable state is being written (it cannot be marked gone meanwhile). */
    boolean isMarkingUnreachable(AgentID agentId) {
        return pendingUnreachable.contains(agentId);
    }

    /** The agent is unreachable in the registry: close its stream, take its offers back, tell its frameworks. */
    private void unreachable(Agent agent, String why, long now) {
        countRemoval();
        LOG.warn("Agent {} ({}) is unreachable: {}", agent.id().getValue(), agent.info().getHostname(), why);
        if (agent.isConnected()) {
            master.outbox().add(new Effect.CloseAgentStream(agent.id()));
            agent.detach();
        }
        master.offers.rescind(agent.offers(), true);
        master.inverseOffers().rescind(agent.id());
        master.operatorStreams.publish(() -> OperatorEvents.agentRemoved(agent.id()));
        tellFrameworksAgentLost(agent);
        for (Task task : agent.tasks()) {
            if (task.isTerminal()) {
                continue;
            }
            TaskStatus status = master.tasks().masterStatus(task.id(), agent.id(), TaskState.TASK_UNREACHABLE,
                    TaskStatus.Reason.REASON_AGENT_REMOVED, "Agent " + agent.info().getHostname() + " is unreachable: "
                            + why).toBuilder()
                    .setUnreachableTime(org.apache.mesos.v1.Protos.TimeInfo.newBuilder()
                            .setNanoseconds(now * 1_000_000L))
                    .build();
            if (master.tasks().record(task, status).has(SideEffect.FORWARD_TO_FRAMEWORK)) {
                master.tasks().forwardUpdate(master.frameworks().get(task.frameworkId()), status);
            }
        }
    }

    /** FAILURE{agent_id} to every connected framework, as Mesos tells schedulers an agent was lost. */
    private void tellFrameworksAgentLost(Agent agent) {
        org.apache.mesos.v1.scheduler.Protos.Event failure = org.apache.mesos.v1.scheduler.Protos.Event.newBuilder()
                .setType(org.apache.mesos.v1.scheduler.Protos.Event.Type.FAILURE)
                .setFailure(org.apache.mesos.v1.scheduler.Protos.Event.Failure.newBuilder().setAgentId(agent.id()))
                .build();
        for (Framework framework : master.frameworks().all()) {
            if (framework.isConnected()) {
                master.outbox().toFramework(framework.id(), failure);
            }
        }
    }

    /**
     * The agent's ZooKeeper presence znode is gone (its process died, its host hung, or its session expired): after
     * a short grace, which a quick re-announcement (agent restart) cancels, it is marked unreachable.
     */
    public void presenceLost(String agentId) {
        Agent agent = get(AgentID.newBuilder().setValue(agentId).build());
        if (agent == null || agent.isUnreachable() || agent.isRecovered()) {
            return; // a recovered agent is judged by agent_reregister_timeout instead
        }
        if (restarting.contains(agentId)) {
            // Announced: its tasks run on, and the ping limit (Mesos's 75 s) bounds how long it may take.
            LOG.info("Agent {} is restarting; its {} tasks are kept until it re-registers (at most {} s)", agentId,
                    agent.tasks().size(), master.config().agentSilenceLimit().toSeconds());
            return;
        }
        presenceGrace.put(agentId, master.timers().schedule(PRESENCE_GRACE, () -> {
            presenceGrace.remove(agentId);
            if (!master.isPaused()) {
                markUnreachable(agent, "its ZooKeeper presence ended");
            }
        }));
    }

    /**
     * The agent is stopping and leaves its tasks running for its next start (RESTARTING): its presence ending is then
     * no reason to report them lost. Until it registers again it gets what any silent agent gets: the ping limit.
     */
    public void restarting(Agent agent) {
        restarting.add(agent.id().getValue());
    }

    /** The agent announced its presence again: a pending unreachable marking is cancelled. */
    public void presenceBack(String agentId) {
        restarting.remove(agentId);
        var pending = presenceGrace.remove(agentId);
        if (pending != null) {
            pending.cancel();
        }
    }

    /** The agent's stream ended: it gets no offers until it comes back; its tasks keep running meanwhile. */
    public void streamClosed(AgentID agentId, AgentLink link) {
        master.streams().ended(agentId, link);
        Agent agent = get(agentId);
        if (agent == null || !link.streamId().equals(agent.streamId())) {
            return; // an old stream: the agent registered again on a new one
        }
        agent.detach();
        master.offers.rescind(agent.offers(), true);
        master.inverseOffers().rescind(agent.id());
        LOG.info("Agent {} disconnected; its {} tasks are kept until it re-registers", agentId.getValue(),
                agent.tasks().size());
    }

    private static <T> List<T> nullSafe(List<T> list) {
        return list == null ? List.of() : list;
    }
}
