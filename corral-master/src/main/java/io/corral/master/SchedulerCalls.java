package io.corral.master;

import com.google.protobuf.ByteString;
import io.corral.master.state.Agent;
import io.corral.master.state.Framework;
import io.corral.master.state.FrameworkLink;
import io.corral.master.state.Offer;
import io.corral.master.state.Task;
import io.corral.protocol.MesosIds;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.concurrent.Timers;
import io.corral.protocol.resources.ResourceSet;
import io.corral.zookeeper.registry.FrameworkRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.Filters;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.OfferID;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Mesos v1 scheduler calls ({@code docs/mesos-compatibility.md}, "Scheduler API: calls and streams"), decided on
 * the master's loop. Each method validates first and throws {@link Rejected} (with Mesos's message) before
 * changing anything; problems Mesos reports asynchronously (invalid offers, invalid tasks) become status updates
 * instead, exactly as Mesos does.
 *
 * <p>Threading: every method runs on the master's event loop.
 */
public final class SchedulerCalls {
    private static final Logger LOG = LoggerFactory.getLogger(SchedulerCalls.class);
    private static final double DEFAULT_REFUSE_SECONDS = 5.0;
    private static final double MAX_REFUSE_SECONDS = 365 * 24 * 3600.0;
    /** Mesos's Duration is a signed 64-bit count of nanoseconds. */
    private static final double MAX_FAILOVER_TIMEOUT_SECONDS = Long.MAX_VALUE / 1e9;

    private final Master master;
    /** Disconnected frameworks' failover timeouts, by framework. */
    private final Map<FrameworkID, Timers.Cancellable> failoverTimers = new HashMap<>();

    SchedulerCalls(Master master) {
        this.master = master;
    }

    // ---- SUBSCRIBE and the stream's end ----

    /**
     * Subscribes a new framework or resubscribes a known id. The subscription is written to the registry first; once
     * it is durable, {@code openStream} starts the HTTP stream (given the framework id) and the framework gets
     * SUBSCRIBED. A refused SUBSCRIBE gets a plain 400; one the registry refuses fails the returned future with a 503
     * and leaves no trace.
     */
    public CompletableFuture<Void> subscribe(Call call, Function<FrameworkID, FrameworkLink> openStream) {
        FrameworkInfo requested = call.getSubscribe().getFrameworkInfo();
        validateSubscribe(call, requested);
        requireOwnRoles(requested, call.getSubscribe().getSuppressedRolesList(), "SUBSCRIBE's suppressed_roles");
        FrameworkInfo info = subscribedInfo(requested);
        return master.commit(new DurableChange.FrameworkStored(FrameworkRecord.connected(info)), () -> {
            Framework framework = master.frameworks.get(info.getId());
            framework.setSuppressedRoles(call.getSubscribe().getSuppressedRolesList());
            subscribed(framework, openStream.apply(info.getId()), !isNew(requested));
        });
    }

    /** A FrameworkInfo without an id, or with an empty one, subscribes a new framework (as in Mesos). */
    private static boolean isNew(FrameworkInfo requested) {
        return !requested.hasId() || requested.getId().getValue().isEmpty();
    }

    /**
     * What the registry records: a new framework gets an id; a known one keeps its user and checkpoint flag (Mesos
     * ignores a change of either on resubscription).
     */
    private FrameworkInfo subscribedInfo(FrameworkInfo requested) {
        if (isNew(requested)) {
            return requested.toBuilder().setId(master.ids().nextFramework()).build();
        }
        Framework known = master.frameworks.get(requested.getId());
        return known == null ? requested : requested.toBuilder()
                .setUser(known.info().getUser())
                .setCheckpoint(known.info().getCheckpoint())
                .build();
    }

    /**
     * The subscription is durable: the framework's previous stream (a failover) is told and closed, the new one gets
     * SUBSCRIBED (its id is acknowledged), heartbeats and offers. A stream that ended meanwhile counts as a
     * disconnection.
     */
    private void subscribed(Framework framework, FrameworkLink link, boolean resubscription) {
        Outbox out = master.outbox();
        boolean failover = framework.isConnected() && !framework.streamId().equals(link.streamId());
        if (failover) {
            out.toFramework(framework.id(), error("Framework failed over"));
            out.add(new Effect.CloseFrameworkStream(framework.id()));
        }
        master.offers.rescind(framework.offers(), false);
        cancelFailoverTimer(framework.id());
        LOG.info("Framework {} ({}) {}", framework.id().getValue(), framework.info().getName(),
                failover ? "failed over to a new subscription" : resubscription ? "resubscribed" : "subscribed");
        if (!link.isOpen()) { // the client left before its subscription was recorded
            framework.detach();
            master.operatorStreams.publish(() -> OperatorEvents.frameworkUpdated(master.frameworkView(framework)));
            disconnected(framework);
            return;
        }
        framework.attach(link.streamId());
        master.operatorStreams.publish(() -> !failover && !resubscription
                ? OperatorEvents.frameworkAdded(master.frameworkView(framework))
                : OperatorEvents.frameworkUpdated(master.frameworkView(framework)));
        out.add(new Effect.OpenFrameworkStream(framework.id(), link));
        out.toFramework(framework.id(), Event.newBuilder().setType(Event.Type.SUBSCRIBED)
                .setSubscribed(Event.Subscribed.newBuilder()
                        .setFrameworkId(framework.id())
                        .setHeartbeatIntervalSeconds(master.config().heartbeatInterval().toMillis() / 1000.0)
                        .setMasterInfo(master.info()))
                .build());
        master.offers.allocateSoon();
    }

    private static void validateSubscribe(Call call, FrameworkInfo info) {
        if (call.hasFrameworkId() != info.hasId()
                || (call.hasFrameworkId() && !call.getFrameworkId().equals(info.getId()))) {
            throw Rejected.invalid("'framework_id' differs from 'subscribe.framework_info.id'");
        }
        validateInfo(info);
    }

    /** Mesos's checks of a FrameworkInfo a framework sends (SUBSCRIBE, UPDATE_FRAMEWORK). */
    private static void validateInfo(FrameworkInfo info) {
        boolean multiRole = info.getCapabilitiesList().stream()
                .anyMatch(c -> c.getType() == FrameworkInfo.Capability.Type.MULTI_ROLE);
        if (!multiRole && info.getRolesCount() > 0) {
            throw Rejected.invalid("'FrameworkInfo.roles' is set but the MULTI_ROLE capability is not");
        }
        if (multiRole && info.hasRole()) {
            throw Rejected.invalid("'FrameworkInfo.role' must not be set with the MULTI_ROLE capability;"
                    + " use 'FrameworkInfo.roles'");
        }
        for (String role : rolesOf(info)) {
            String invalid = io.corral.protocol.Roles.invalidReason(role);
            if (invalid != null) {
                throw Rejected.invalid("Invalid role '" + role + "': " + invalid);
            }
        }
        String invalidId = isNew(info) ? null : MesosIds.invalidReason(info.getId().getValue());
        if (invalidId != null) {
            throw Rejected.invalid("'FrameworkInfo.id' is invalid: " + invalidId);
        }
        // Mesos refuses a timeout its Duration cannot hold (about 292 years); NaN and infinities are refused too.
        double failoverTimeout = info.getFailoverTimeout();
        if (!(Math.abs(failoverTimeout) <= MAX_FAILOVER_TIMEOUT_SECONDS)) {
            throw Rejected.invalid("The framework failover_timeout (" + failoverTimeout + ") is invalid");
        }
    }

    private static List<String> rolesOf(FrameworkInfo info) {
        return info.getRolesCount() > 0 ? info.getRolesList() : List.of(info.getRole());
    }

    /**
     * The framework's stream ended: its offers go back and its failover timeout starts. The deadline is durable, so
     * it holds across master failovers (Mesos loses it: MESOS-4659); until the registry confirms it no timer runs,
     * and a refused write is tried again a second later while the framework stays away.
     */
    public void streamClosed(FrameworkID frameworkId, FrameworkLink link) {
        master.streams().ended(frameworkId, link);
        Framework framework = master.frameworks.get(frameworkId);
        if (framework == null || !link.streamId().equals(framework.streamId())) {
            return; // an old stream: the framework failed over to a new one, or was removed
        }
        framework.detach();
        master.offers.rescind(framework.offers(), false);
        master.operatorStreams.publish(() -> OperatorEvents.frameworkUpdated(master.frameworkView(framework)));
        disconnected(framework);
    }

    /** Starts the failover timeout of a framework that just lost its stream (or removes it at once, with 0). */
    private void disconnected(Framework framework) {
        double timeoutSeconds = framework.info().getFailoverTimeout();
        LOG.info("Framework {} disconnected; failover timeout {}s", framework.id().getValue(), timeoutSeconds);
        if (timeoutSeconds <= 0) {
            master.removeFramework(framework, "disconnected with failover_timeout 0");
            return;
        }
        recordDisconnection(framework,
                Instant.ofEpochMilli(master.timers().nowMillis()).plusMillis((long) (timeoutSeconds * 1000)));
    }

    private void recordDisconnection(Framework framework, Instant deadline) {
        master.commit(new DurableChange.FrameworkStored(FrameworkRecord.disconnected(framework.info(), deadline)),
                () -> {}).whenComplete((ok, failure) -> {
                    if (failure != null) {
                        master.timers().schedule(Master.RETRY_AFTER_REFUSED_WRITE, () -> {
                            if (!framework.isConnected() && master.frameworks.get(framework.id()) == framework) {
                                recordDisconnection(framework, deadline);
                            }
                        });
                    }
                });
    }

    /** Removes the framework when {@code timeout} passes, unless it resubscribes first. */
    void startFailoverTimer(Framework framework, Duration timeout) {
        double timeoutSeconds = framework.info().getFailoverTimeout();
        armFailoverTimer(framework, timeout, () -> expireFailoverTimeout(framework, timeoutSeconds));
    }

    private void armFailoverTimer(Framework framework, Duration timeout, Runnable expired) {
        cancelFailoverTimer(framework.id());
        failoverTimers.put(framework.id(), master.timers().schedule(timeout, expired));
    }

    void cancelFailoverTimer(FrameworkID frameworkId) {
        Timers.Cancellable timer = failoverTimers.remove(frameworkId);
        if (timer != null) {
            timer.cancel();
        }
    }

    /** The leadership term ends. */
    void cancelFailoverTimers() {
        failoverTimers.values().forEach(Timers.Cancellable::cancel);
        failoverTimers.clear();
    }

    /** The failover timeout passed; while the master is paused (leadership uncertain) it waits and tries again. */
    private void expireFailoverTimeout(Framework framework, double timeoutSeconds) {
        if (framework.isConnected() || master.frameworks.get(framework.id()) != framework) {
            return;
        }
        if (master.isPaused()) {
            armFailoverTimer(framework, Duration.ofSeconds(1), () -> expireFailoverTimeout(framework, timeoutSeconds));
            return;
        }
        master.removeFramework(framework, "failover timeout of " + timeoutSeconds + "s expired");
    }

    /**
     * UPDATE_FRAMEWORK: a subscribed framework changes its FrameworkInfo (name, roles, capabilities, failover
     * timeout...) and the roles it suppresses, without resubscribing. Like a subscription, the new info is durable
     * before it applies. Mesos's limits: the id must be the framework's, and user, checkpoint and principal cannot
     * change.
     */
    public CompletableFuture<Void> updateFramework(Framework framework, Call.UpdateFramework update) {
        FrameworkInfo requested = update.getFrameworkInfo();
        if (!requested.hasId() || !requested.getId().equals(framework.id())) {
            throw Rejected.invalid("'update_framework.framework_info.id' must be the id of the calling framework");
        }
        validateInfo(requested);
        FrameworkInfo current = framework.info();
        if (!requested.getUser().equals(current.getUser())) {
            throw Rejected.invalid("Updating 'FrameworkInfo.user' is unsupported");
        }
        if (requested.getCheckpoint() != current.getCheckpoint()) {
            throw Rejected.invalid("Updating 'FrameworkInfo.checkpoint' is unsupported");
        }
        if (!requested.getPrincipal().equals(current.getPrincipal())) {
            throw Rejected.invalid("Changing framework's principal is not allowed");
        }
        requireOwnRoles(requested, update.getSuppressedRolesList(), "UPDATE_FRAMEWORK's suppressed_roles");
        List<String> suppressed = update.getSuppressedRolesList();
        return master.commit(new DurableChange.FrameworkStored(FrameworkRecord.connected(requested)), () -> {
            List<String> roles = rolesOf(requested);
            for (OfferID offerId : List.copyOf(framework.offers())) {
                Offer offer = master.offers.get(offerId);
                if (offer != null && (!roles.contains(offer.role()) || suppressed.contains(offer.role()))) {
                    master.offers.remove(offer, true, Duration.ZERO); // a role it no longer wants offers in
                }
            }
            framework.setSuppressedRoles(suppressed);
            master.operatorStreams.publish(() -> OperatorEvents.frameworkUpdated(master.frameworkView(framework)));
            master.offers.allocateSoon();
        });
    }

    // ---- the other calls: each requires a subscribed framework on its current stream ----

    /** Checks framework_id and the stream id, as Mesos does before every non-SUBSCRIBE call. */
    public Framework authorize(Call call, String streamId) {
        if (!call.hasFrameworkId()) {
            throw Rejected.invalid("Expecting 'framework_id' to be present");
        }
        Framework framework = master.frameworks.get(call.getFrameworkId());
        if (framework == null) {
            throw Rejected.invalid("Framework cannot be found");
        }
        if (!framework.isConnected()) {
            throw Rejected.forbidden("Framework is not subscribed");
        }
        if (streamId == null || !streamId.equals(framework.streamId())) {
            throw Rejected.invalid("The stream ID '" + streamId + "' included in this request didn't match"
                    + " the stream ID currently associated with framework ID " + framework.id().getValue());
        }
        return framework;
    }

    public CompletableFuture<Void> teardown(Framework framework) {
        return master.removeFramework(framework, "teardown requested");
    }

    /** The operator API's TEARDOWN: removes a live framework; an id the master does not know is a 400, as in Mesos. */
    public CompletableFuture<Void> teardownByOperator(FrameworkID frameworkId) {
        Framework framework = master.frameworks.get(frameworkId);
        if (framework == null) {
            throw Rejected.invalid("No framework found with specified ID");
        }
        return master.removeFramework(framework, "torn down by an operator");
    }

    public void decline(Framework framework, List<OfferID> offerIds, Filters filters) {
        Duration refuse = refuseDuration(filters);
        for (OfferID offerId : offerIds) {
            Offer offer = master.offers.get(offerId);
            if (offer != null && offer.frameworkId().equals(framework.id())) {
                master.offers.remove(offer, false, refuse);
            }
        }
    }

    /** SUPPRESS: no offers in the given roles (all the framework's roles if none is given) until REVIVE. */
    public void suppress(Framework framework, Call.Suppress suppress) {
        requireOwnRoles(framework.info(), suppress.getRolesList(), "SUPPRESS");
        framework.suppress(suppress.getRolesList());
    }

    /** REVIVE: offers again in the given roles (all if none), and every decline filter of the framework gone. */
    public void revive(Framework framework, Call.Revive revive) {
        requireOwnRoles(framework.info(), revive.getRolesList(), "REVIVE");
        framework.revive(revive.getRolesList());
        master.offers.clearFilters(framework);
        master.offers.allocateSoon();
    }

    private static void requireOwnRoles(FrameworkInfo info, List<String> roles, String call) {
        for (String role : roles) {
            if (!rolesOf(info).contains(role)) {
                throw Rejected.invalid(call + " names role '" + role + "', which is not one of the framework's"
                        + " roles " + rolesOf(info));
            }
        }
    }

    /**
     * ACCEPT: the operations are carried out on the offers' resources ({@link Acceptance}); unused resources count
     * as declined. Invalid offers fail every task the ACCEPT would launch, as in Mesos.
     */
    public void accept(Framework framework, Call.Accept accept) {
        List<Offer> used = new ArrayList<>();
        String invalid = takeOffers(framework, accept.getOfferIdsList(), used);
        if (invalid != null) {
            for (Offer offer : used) {
                master.offers.remove(offer, false, Duration.ZERO);
            }
            TaskState state = framework.isPartitionAware() ? TaskState.TASK_DROPPED : TaskState.TASK_LOST;
            for (TaskInfo task : launchedTasks(accept)) {
                master.forwardUpdate(framework, master.masterStatus(task.getTaskId(), task.getAgentId(), state,
                        TaskStatus.Reason.REASON_INVALID_OFFERS, invalid));
            }
            return;
        }
        Agent agent = master.agents.get(used.get(0).agentId());
        for (Offer offer : used) {
            master.offers.withdraw(offer, framework);
        }
        new Acceptance(master, framework, agent, used, accept.getOperationsList(),
                refuseDuration(accept.getFilters())).run();
    }

    /** Validates and collects the offers of an ACCEPT; returns Mesos's message when any is invalid. */
    private String takeOffers(Framework framework, List<OfferID> offerIds, List<Offer> into) {
        if (offerIds.isEmpty()) {
            return "No offers specified";
        }
        Set<OfferID> seen = new HashSet<>();
        String invalid = null;
        for (OfferID offerId : offerIds) {
            Offer offer = master.offers.get(offerId);
            if (!seen.add(offerId)) {
                invalid = "Offers contain duplicates";
            } else if (offer == null || !offer.frameworkId().equals(framework.id())) {
                invalid = "Offer " + offerId.getValue() + " is no longer valid";
            } else {
                if (!into.isEmpty() && !into.get(0).agentId().equals(offer.agentId())) {
                    invalid = "Aggregated offers must belong to one single agent";
                } else if (!into.isEmpty() && !into.get(0).role().equals(offer.role())) {
                    invalid = "Aggregated offers must be allocated to the same role";
                }
                into.add(offer);
            }
        }
        return invalid;
    }

    private static List<TaskInfo> launchedTasks(Call.Accept accept) {
        List<TaskInfo> tasks = new ArrayList<>();
        for (org.apache.mesos.v1.Protos.Offer.Operation operation : accept.getOperationsList()) {
            switch (operation.getType()) {
                case LAUNCH -> tasks.addAll(operation.getLaunch().getTaskInfosList());
                case LAUNCH_GROUP -> tasks.addAll(operation.getLaunchGroup().getTaskGroup().getTasksList());
                default -> { }
            }
        }
        return tasks;
    }

    private static Duration refuseDuration(Filters filters) {
        double seconds = filters.hasRefuseSeconds() ? filters.getRefuseSeconds() : DEFAULT_REFUSE_SECONDS;
        if (seconds < 0) {
            seconds = DEFAULT_REFUSE_SECONDS;
        }
        seconds = Math.min(seconds, MAX_REFUSE_SECONDS);
        return Duration.ofMillis((long) (seconds * 1000));
    }

    /**
     * SHUTDOWN of an executor. A command task's executor has the task's id (and dies with it), so shutting it down
     * kills the task; an executor the agent does not run is ignored, as a Mesos agent ignores it.
     */
    public void shutdown(Framework framework, Call.Shutdown shutdown) {
        if (!shutdown.hasExecutorId() || !shutdown.hasAgentId()) {
            throw Rejected.invalid("Expecting 'shutdown.executor_id' and 'shutdown.agent_id' to be present");
        }
        Task task = framework.tasks().get(TaskID.newBuilder().setValue(shutdown.getExecutorId().getValue()).build());
        Agent agent = master.agents.get(shutdown.getAgentId());
        if (task != null && task.agentId().equals(shutdown.getAgentId()) && agent != null && agent.isConnected()) {
            master.outbox().toAgent(agent.id(), AgentEvent.kill(framework.id(), task.id(), 0));
        }
    }

    /**
     * MESSAGE to an executor. Corral runs only command tasks, and Mesos's command executor ignores framework
     * messages, so a valid message is accepted and dropped, as Mesos does.
     */
    public void message(Framework framework, Call.Message message) {
        if (!message.hasAgentId() || !message.hasExecutorId() || !message.hasData()) {
            throw Rejected.invalid("Expecting 'message.agent_id', 'message.executor_id' and 'message.data'"
                    + " to be present");
        }
        LOG.debug("Framework {}: message for executor {} dropped (command executors take no messages)",
                framework.id().getValue(), message.getExecutorId().getValue());
    }

    /** OPERATION feedback: see {@link OperationCalls}. */
    public void acknowledgeOperationStatus(Framework framework, Call.AcknowledgeOperationStatus ack) {
        master.operationCalls().acknowledge(framework, ack);
    }

    public void reconcileOperations(Framework framework, Call.ReconcileOperations reconcile) {
        master.operationCalls().reconcile(framework, reconcile);
    }

    /** ACCEPT_INVERSE_OFFERS: the framework agrees to give the agents back ({@link InverseOffers#answer}). */
    public void acceptInverseOffers(Framework framework, Call.AcceptInverseOffers accept) {
        master.inverseOffers().answer(framework, accept.getInverseOfferIdsList(), true);
    }

    /** DECLINE_INVERSE_OFFERS: the framework would rather keep the agents. */
    public void declineInverseOffers(Framework framework, Call.DeclineInverseOffers decline) {
        master.inverseOffers().answer(framework, decline.getInverseOfferIdsList(), false);
    }

    // ---- tasks ----

    public void kill(Framework framework, Call.Kill kill) {
        Task task = framework.tasks().get(kill.getTaskId());
        if (task == null) {
            reconcileOne(framework, kill.getTaskId(), kill.hasAgentId() ? kill.getAgentId() : null);
            return;
        }
        task.killRequested(kill.hasKillPolicy() ? kill.getKillPolicy().getGracePeriod().getNanoseconds()
                : task.info().getKillPolicy().getGracePeriod().getNanoseconds());
        Agent agent = master.agents.get(task.agentId());
        if (agent != null && agent.isConnected()) { // else sent when the agent comes back (AgentCalls.admit)
            master.outbox().toAgent(agent.id(), AgentEvent.kill(framework.id(), task.id(), task.killGraceNanos()));
        }
    }

    /** What an operator's kill of one task did. */
    public enum OperatorKill { KILLING, KILLING_WHEN_AGENT_RETURNS, ALREADY_ENDED, UNKNOWN }

    /**
     * An operator kills a task (Corral's {@code POST /api/v1/corral/kill}, as {@code corral kill}): as the framework's
     * own KILL would, with {@code graceNanos} (0: the task's kill policy, else the agent's default). The framework
     * learns of it from the task's updates.
     */
    public OperatorKill killByOperator(FrameworkID frameworkId, TaskID taskId, long graceNanos) {
        Framework framework = master.frameworks.get(frameworkId);
        Task task = framework == null ? null : framework.tasks().get(taskId);
        if (task == null) {
            return OperatorKill.UNKNOWN;
        }
        if (task.isTerminal()) {
            return OperatorKill.ALREADY_ENDED;
        }
        task.killRequested(graceNanos > 0 ? graceNanos : task.info().getKillPolicy().getGracePeriod().getNanoseconds());
        Agent agent = master.agents.get(task.agentId());
        if (agent == null || !agent.isConnected()) {
            return OperatorKill.KILLING_WHEN_AGENT_RETURNS;
        }
        master.outbox().toAgent(agent.id(), AgentEvent.kill(frameworkId, taskId, task.killGraceNanos()));
        return OperatorKill.KILLING;
    }

    public void acknowledge(Framework framework, Call.Acknowledge ack) {
        ByteString uuid = ack.getUuid();
        if (uuid.size() != 16) {
            throw Rejected.invalid("Not a valid UUID: 'acknowledge.uuid' must be 16 bytes");
        }
        Task task = framework.tasks().get(ack.getTaskId());
        if (task != null && task.isTerminal() && task.latestStatus() != null
                && task.latestStatus().getUuid().equals(uuid)) {
            master.completeTask(framework, task);
        }
        Agent agent = master.agents.get(ack.getAgentId());
        if (agent != null && agent.isConnected()) {
            master.outbox().toAgent(agent.id(), AgentEvent.acknowledge(framework.id(), ack.getTaskId(),
                    Base64.getEncoder().encodeToString(uuid.toByteArray())));
        }
    }

    /** RECONCILE: with no tasks, the latest state of each of the framework's tasks; else each named task. */
    public void reconcile(Framework framework, Call.Reconcile reconcile) {
        if (reconcile.getTasksCount() == 0) {
            for (Task task : framework.tasks().values()) {
                master.forwardUpdate(framework, reconciled(task));
            }
            return;
        }
        for (Call.Reconcile.Task query : reconcile.getTasksList()) {
            reconcileOne(framework, query.getTaskId(), query.hasAgentId() ? query.getAgentId() : null);
        }
    }

    private void reconcileOne(Framework framework, TaskID taskId, AgentID agentId) {
        Task task = framework.tasks().get(taskId);
        if (task != null) {
            master.forwardUpdate(framework, reconciled(task));
            return;
        }
        boolean agentKnown = agentId != null && master.agents.containsKey(agentId);
        boolean agentGone = agentId != null && master.agentModes().isGone(agentId);
        TaskState state = agentGone ? TaskState.TASK_GONE_BY_OPERATOR
                : agentKnown ? TaskState.TASK_GONE : TaskState.TASK_UNKNOWN;
        master.forwardUpdate(framework, master.masterStatus(taskId, agentId, state,
                TaskStatus.Reason.REASON_RECONCILIATION, "Reconciliation: task is unknown"));
    }

    private TaskStatus reconciled(Task task) {
        TaskStatus latest = task.latestStatus();
        TaskStatus.Builder status = latest != null ? latest.toBuilder()
                : TaskStatus.newBuilder().setTaskId(task.id()).setState(task.state()).setAgentId(task.agentId());
        return status.clearUuid()
                .setSource(TaskStatus.Source.SOURCE_MASTER)
                .setReason(TaskStatus.Reason.REASON_RECONCILIATION)
                .setTimestamp(master.timers().nowMillis() / 1000.0)
                .build();
    }

    static Event error(String message) {
        return Event.newBuilder().setType(Event.Type.ERROR)
                .setError(Event.Error.newBuilder().setMessage(message)).build();
    }
}
