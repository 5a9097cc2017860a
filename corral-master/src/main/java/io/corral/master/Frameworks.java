package io.corral.master;

import io.corral.master.state.Framework;
import io.corral.master.state.FrameworkLink;
import io.corral.master.state.FrameworkView;
import io.corral.master.state.Offer;
import io.corral.master.state.PublishedList;
import io.corral.protocol.MesosIds;
import io.corral.protocol.concurrent.Timers;
import io.corral.zookeeper.registry.FrameworkRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.OfferID;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The frameworks domain: every framework this leader knows (subscribed, disconnected within its failover timeout,
 * or recovered from an agent's report), the ones it removed, and the decisions of a framework's life: SUBSCRIBE (a
 * failover to a new stream included), UPDATE_FRAMEWORK, SUPPRESS and REVIVE, a stream's end and the failover timeout
 * it starts, TEARDOWN and removal. Each decision validates first and throws {@link Rejected} (with Mesos's message)
 * before changing anything; durable changes go through {@link Master#commit} and are applied by
 * {@link DurableChanges}; messages go to the {@link Outbox}.
 *
 * <p>Threading: owned by the master's event loop; every method runs on it.
 */
public final class Frameworks {
    private static final Logger LOG = LoggerFactory.getLogger(Frameworks.class);
    /** Completed frameworks kept for /master/state (Mesos's --max_completed_frameworks is 50). */
    static final int MAX_COMPLETED_FRAMEWORKS = 50;
    /** Removed frameworks remembered so agents that come back with their tasks are told to shut them down. */
    static final int MAX_REMEMBERED_REMOVALS = 10_000;
    /** Mesos's Duration is a signed 64-bit count of nanoseconds. */
    private static final double MAX_FAILOVER_TIMEOUT_SECONDS = Long.MAX_VALUE / 1e9;

    private final Master master;
    private final Map<FrameworkID, Framework> byId = new java.util.LinkedHashMap<>();
    /** Completed frameworks as readers see them: frozen when they are removed. */
    private final java.util.Deque<FrameworkView> completed = new java.util.ArrayDeque<>();
    /** The views of every framework as last published ({@link #views}). */
    private final PublishedList<Framework, FrameworkView> views = new PublishedList<>(Framework::view);
    /** The completed ones as last published. */
    private final PublishedList<FrameworkView, FrameworkView> completedViews = new PublishedList<>(view -> view);
    /** Ids of frameworks removed in this term (the latest {@link #MAX_REMEMBERED_REMOVALS}), oldest first. */
    private final Set<FrameworkID> removed = new java.util.LinkedHashSet<>();
    /** Frameworks whose removal is being written to the registry. */
    private final Set<FrameworkID> pendingRemovals = new HashSet<>();
    /** Disconnected frameworks' failover timeouts, by framework. */
    private final Map<FrameworkID, Timers.Cancellable> failoverTimers = new HashMap<>();
    /** Each framework's registry document as last applied (recovered or written in this term). */
    private final Map<FrameworkID, FrameworkRecord> recorded = new HashMap<>();
    /** How many writes of each framework's document are on their way to the registry. */
    private final Map<FrameworkID, Integer> writing = new HashMap<>();
    /** Subscriptions of frameworks not known yet whose write is on its way, by principal (see {@link #admitNew}). */
    private final Map<String, Integer> newOnTheirWay = new HashMap<>();

    Frameworks(Master master) {
        this.master = master;
    }

    // ---- what is known ----

    /** The framework with this id, or null. */
    public Framework get(FrameworkID id) {
        return byId.get(id);
    }

    public boolean contains(FrameworkID id) {
        return byId.containsKey(id);
    }

    /** Every known framework, in the order they became known (read-only). */
    public java.util.Collection<Framework> all() {
        return java.util.Collections.unmodifiableCollection(byId.values());
    }

    /**
     * Frameworks removed in this term, as readers see them (the latest {@link #MAX_COMPLETED_FRAMEWORKS}): the list
     * last published while they are the same.
     */
    List<FrameworkView> completed() {
        return completedViews.of(completed);
    }

    /** Every framework's view, in order, for the published view: the last list while no framework's view changed. */
    List<FrameworkView> views() {
        return views.of(byId.values());
    }

    /** A framework becomes known: subscribed (applied from the registry), or recovered from an agent's report. */
    void add(Framework framework) {
        byId.put(framework.id(), framework);
    }

    // ---- SUBSCRIBE and the stream's end ----

    /**
     * Subscribes a new framework or resubscribes a known id. The subscription is written to the registry first; once
     * it is durable, {@code openStream} starts the HTTP stream (given the framework id) and the framework gets
     * SUBSCRIBED. A refused SUBSCRIBE gets a plain 400; one the registry refuses fails the returned future with a 503
     * and leaves no trace.
     *
     * @param principal who sent it, when the master authenticates (empty on an {@code --insecure} master)
     */
    public CompletableFuture<Void> subscribe(Call call, Optional<String> principal,
                                             Function<FrameworkID, FrameworkLink> openStream) {
        FrameworkInfo requested = call.getSubscribe().getFrameworkInfo();
        validateSubscribe(call, requested);
        requireOwnPrincipal(requested, principal);
        requireOwnRoles(requested, call.getSubscribe().getSuppressedRolesList(), "SUBSCRIBE's suppressed_roles");
        FrameworkInfo info = subscribedInfo(requested);
        FrameworkRecord record = FrameworkRecord.connected(info);
        Runnable afterApply = () -> {
            Framework framework = get(info.getId());
            framework.setSuppressedRoles(call.getSubscribe().getSuppressedRolesList());
            subscribed(framework, openStream.apply(info.getId()), !isNew(requested));
        };
        if (isRecordedAs(record)) {
            // After a failover every framework resubscribes as the registry holds it: a write would change nothing
            // and hold its first offers behind ZooKeeper in the new leader's busiest seconds.
            return master.applyUnwritten(afterApply);
        }
        Supplier<CompletableFuture<Void>> write =
                () -> commit(info.getId(), new DurableChange.FrameworkStored(record), afterApply);
        return get(info.getId()) == null ? admitNew(info.getPrincipal(), write) : write.get();
    }

    /**
     * A framework the master does not know yet is recorded only while its principal has fewer than
     * {@link MasterConfig#maxFrameworksPerPrincipal()} frameworks, counting those whose subscription is on its way
     * to the registry: each one is a registry document that outlives its connection for its failover timeout.
     */
    private CompletableFuture<Void> admitNew(String principal, Supplier<CompletableFuture<Void>> write) {
        int most = master.config().maxFrameworksPerPrincipal();
        long registered = byId.values().stream().filter(f -> f.info().getPrincipal().equals(principal)).count();
        if (registered + newOnTheirWay.getOrDefault(principal, 0) >= most) {
            String who = principal.isEmpty() ? "Frameworks without a principal already have"
                    : "Principal '" + principal + "' already has";
            throw Rejected.forbidden(who + " " + registered + " frameworks registered, the most one principal may"
                    + " have (max_frameworks_per_principal = " + most + "); tear down the frameworks it no longer"
                    + " uses (TEARDOWN), or let a disconnected one's failover timeout pass");
        }
        newOnTheirWay.merge(principal, 1, Integer::sum);
        CompletableFuture<Void> done = write.get();
        done.whenComplete((ok, failure) ->
                newOnTheirWay.computeIfPresent(principal, (key, n) -> n == 1 ? null : n - 1));
        return done;
    }

    /** Whether the registry holds exactly {@code record}, with no other write of it on its way. */
    private boolean isRecordedAs(FrameworkRecord record) {
        FrameworkID id = record.info().getId();
        return !writing.containsKey(id) && record.storesAs(recorded.get(id)) && get(id) != null;
    }

    /** Commits a change to {@code id}'s registry document, counted in {@link #writing} until it is answered. */
    private CompletableFuture<Void> commit(FrameworkID id, DurableChange change, Runnable afterApply) {
        writing.merge(id, 1, Integer::sum);
        CompletableFuture<Void> done = master.commit(change, afterApply);
        done.whenComplete((ok, failure) -> writing.computeIfPresent(id, (key, n) -> n == 1 ? null : n - 1));
        return done;
    }

    /** The registry now holds {@code record} for its framework (applied by {@link DurableChanges}). */
    void recorded(FrameworkRecord record) {
        recorded.put(record.info().getId(), record);
    }

    /** The registry no longer holds {@code id}. */
    void unrecorded(FrameworkID id) {
        recorded.remove(id);
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
        Framework known = get(requested.getId());
        if (known == null) {
            return requested;
        }
        // Only what differs is set, so that a resubscription as before equals the recorded info (set fields count)
        FrameworkInfo.Builder kept = requested.toBuilder();
        if (!requested.getUser().equals(known.info().getUser())) {
            kept.setUser(known.info().getUser());
        }
        if (requested.getCheckpoint() != known.info().getCheckpoint()) {
            kept.setCheckpoint(known.info().getCheckpoint());
        }
        return kept.build();
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
        if (master.logsDecisions()) {
            LOG.info("Framework {} ({}) {}", framework.id().getValue(), framework.info().getName(),
                    failover ? "failed over to a new subscription" : resubscription ? "resubscribed" : "subscribed");
        }
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

    /**
     * On an authenticating master a framework speaks as the principal it authenticated as: its FrameworkInfo must
     * name that principal (Mesos's rule, a 400), and a known framework id can only be resubscribed by the principal
     * that owns it (a 403), so nobody takes over another's framework by its public id.
     */
    private void requireOwnPrincipal(FrameworkInfo requested, Optional<String> principal) {
        if (principal.isEmpty()) {
            return;
        }
        if (!requested.hasPrincipal() || !requested.getPrincipal().equals(principal.get())) {
            throw Rejected.invalid("Authenticated principal '" + principal.get() + "' does not match principal '"
                    + requested.getPrincipal() + "' set in `FrameworkInfo`");
        }
        Framework known = isNew(requested) ? null : get(requested.getId());
        if (known != null) {
            requireOwner(known, principal);
        }
    }

    private static void requireOwner(Framework framework, Optional<String> principal) {
        if (principal.isPresent() && !principal.get().equals(framework.info().getPrincipal())) {
            throw Rejected.forbidden("Framework " + framework.id().getValue() + " belongs to principal '"
                    + framework.info().getPrincipal() + "', not to '" + principal.get() + "'");
        }
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
        Framework framework = get(frameworkId);
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
            remove(framework, "disconnected with failover_timeout 0");
            return;
        }
        recordDisconnection(framework,
                Instant.ofEpochMilli(master.timers().nowMillis()).plusMillis((long) (timeoutSeconds * 1000)));
    }

    private void recordDisconnection(Framework framework, Instant deadline) {
        commit(framework.id(), new DurableChange.FrameworkStored(FrameworkRecord.disconnected(framework.info(),
                deadline)), () -> {}).whenComplete((ok, failure) -> {
                    if (failure != null) {
                        master.timers().schedule(Master.RETRY_AFTER_REFUSED_WRITE, () -> {
                            if (!framework.isConnected() && get(framework.id()) == framework) {
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
        if (framework.isConnected() || get(framework.id()) != framework) {
            return;
        }
        if (master.isPaused()) {
            armFailoverTimer(framework, Duration.ofSeconds(1), () -> expireFailoverTimeout(framework, timeoutSeconds));
            return;
        }
        remove(framework, "failover timeout of " + timeoutSeconds + "s expired");
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
        return commit(requested.getId(), new DurableChange.FrameworkStored(FrameworkRecord.connected(requested)),
                () -> {
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
    public Framework authorize(Call call, String streamId, Optional<String> principal) {
        if (!call.hasFrameworkId()) {
            throw Rejected.invalid("Expecting 'framework_id' to be present");
        }
        Framework framework = get(call.getFrameworkId());
        if (framework == null) {
            throw Rejected.invalid("Framework cannot be found");
        }
        requireOwner(framework, principal);
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
        return remove(framework, "teardown requested");
    }

    /** The operator API's TEARDOWN: removes a live framework; an id the master does not know is a 400, as in Mesos. */
    public CompletableFuture<Void> teardownByOperator(FrameworkID frameworkId, Optional<String> principal) {
        Framework framework = get(frameworkId);
        if (framework == null) {
            throw Rejected.invalid("No framework found with specified ID");
        }
        // ACL teardown_frameworks: its object is the principal the framework belongs to (Mesos's).
        String owner = framework.info().hasPrincipal() ? framework.info().getPrincipal() : null;
        if (!master.acls().permits("teardown_frameworks", principal.orElse(null), owner)) {
            throw Rejected.forbidden("Principal '" + principal.orElse("") + "' is not authorized to tear down"
                    + " frameworks of principal '" + (owner == null ? "" : owner) + "' (ACL teardown_frameworks)");
        }
        return remove(framework, "torn down by an operator");
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

    // ---- removal ----

    /**
     * Decides to remove {@code framework} for good and commits it ({@link DurableChanges} applies the removal). When
     * the registry refuses, nothing is removed: the returned future fails (a TEARDOWN answers 503), and a removal the
     * master decided on its own (a failover timeout) is tried again a second later while it still applies.
     */
    CompletableFuture<Void> remove(Framework framework, String why) {
        if (!pendingRemovals.add(framework.id())) {
            return CompletableFuture.completedFuture(null); // already on its way
        }
        CompletableFuture<Void> removed =
                commit(framework.id(), new DurableChange.FrameworkRemoved(framework.id(), why), () -> { });
        removed.whenComplete((ok, failure) -> {
            pendingRemovals.remove(framework.id());
            if (failure != null && !framework.isConnected() && get(framework.id()) == framework) {
                master.timers().schedule(Master.RETRY_AFTER_REFUSED_WRITE, () -> {
                    if (!framework.isConnected() && get(framework.id()) == framework) {
                        remove(framework, why);
                    }
                });
            }
        });
        return removed;
    }

    /** Applies a removal: the framework is forgotten, remembered as removed, and kept for readers as completed. */
    void forget(Framework framework) {
        cancelFailoverTimer(framework.id());
        byId.remove(framework.id());
        removed.add(framework.id());
        if (removed.size() > MAX_REMEMBERED_REMOVALS) {
            removed.remove(removed.iterator().next());
        }
        completed.addLast(framework.view()); // its offers were rescinded before
        while (completed.size() > MAX_COMPLETED_FRAMEWORKS) {
            completed.removeFirst();
        }
    }

    boolean wasRemoved(FrameworkID frameworkId) {
        return removed.contains(frameworkId);
    }

    static Event error(String message) {
        return Event.newBuilder().setType(Event.Type.ERROR)
                .setError(Event.Error.newBuilder().setMessage(message)).build();
    }
}
