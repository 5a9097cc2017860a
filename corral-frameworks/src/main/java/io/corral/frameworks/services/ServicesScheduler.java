package io.corral.frameworks.services;

import com.fasterxml.jackson.databind.JsonNode;
import io.corral.frameworks.common.ApiException;
import io.corral.frameworks.common.CallsInOrder;
import io.corral.frameworks.common.Caller;
import io.corral.frameworks.common.FencedException;
import io.corral.frameworks.common.FrameworkRunner;
import io.corral.frameworks.common.FrameworkStore;
import io.corral.frameworks.common.Leadership;
import io.corral.protocol.TaskStates;
import io.corral.protocol.concurrent.EventLoop;
import io.corral.protocol.concurrent.Timers;
import io.corral.scheduler.SchedulerCallException;
import io.corral.scheduler.SchedulerClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.OfferID;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One term of the Services leader: the apps' desired state (loaded from the store when the term began) and their
 * instances as reported, the offers matched against what the apps want, and the REST API's changes.
 *
 * <p>Every change is decided on one loop ({@code services-loop}): scheduler events (posted from the SDK's event
 * thread), API calls ({@link #call}, which the REST workers wait on) and timers. After each, {@link #converge()} asks
 * the {@link DeploymentPlanner} what each app needs, sends the kills, completes deployments and turns offers on
 * (REVIVE) or off (SUPPRESS). Durable changes are written to the {@link FrameworkStore} (fenced by the term's
 * leadership) before memory changes and before anything is sent: a task's record is stored before its LAUNCH, so a
 * new leader knows every task that may run. A fenced write ends the term ({@link FrameworkRunner#stepDown}).
 *
 * <p>Threading: all fields but {@link #client} (set once before the loop's first event) are confined to the loop.
 */
public final class ServicesScheduler implements FrameworkRunner.Term {
    private static final Logger LOG = LoggerFactory.getLogger(ServicesScheduler.class);
    /** How long offers are refused when nothing is wanted (the framework is suppressed anyway). */
    static final double REFUSE_WHEN_IDLE_SECONDS = 120;
    /** How long an offer that did not fit is refused while apps wait for others. */
    static final double REFUSE_WHEN_UNFIT_SECONDS = 5;
    static final int MAX_VERSIONS = 50;
    private static final int WRITES_PER_COMMIT = 100;
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    /** How often tasks that were launched but never heard of are reconciled again (a LAUNCH whose fate is unknown). */
    static final Duration STALE_CHECK_INTERVAL = Duration.ofSeconds(30);

    private final Leadership leadership;
    private final FrameworkRunner runner;
    private final FrameworkStore store;
    private final EventLoop loop;
    private final Timers timers;
    private final Function<String, String> newTaskId;
    /** Apps kept at most: each is documents in ZooKeeper, which callers must not be able to fill. */
    private final int maxApps;
    private volatile SchedulerClient client;

    private final Map<String, AppRuntime> apps = new TreeMap<>();
    private final Map<String, StoredDeployment> deployments = new TreeMap<>();
    private boolean subscribed;
    private Boolean suppressed;
    /** DECLINE, REVIVE and SUPPRESS, each sent once the one before it was answered (see {@link #inOrder}). */
    private final CallsInOrder offerCalls = new CallsInOrder();
    private boolean ended;
    private Timers.Cancellable staleCheck;

    /** An app as the loop holds it. */
    private static final class AppRuntime {
        StoredApp stored;
        final Map<String, Instance> instances = new LinkedHashMap<>();
        final LaunchBackoff backoff = new LaunchBackoff();
        String lastFailure;
        /** Instances that ended on their own since the app last changed: a deployment's failures. */
        int failures;
        Timers.Cancellable wake;

        AppRuntime(StoredApp stored) {
            this.stored = stored;
        }

        AppDefinition definition() {
            return stored.definition();
        }
    }

    /**
     * Loads the state from the store (on the runner's control thread, before any event).
     *
     * @param timers on {@code loop}; also the clock
     */
    ServicesScheduler(Leadership leadership, FrameworkRunner runner, EventLoop loop, Timers timers,
                      Function<String, String> newTaskId, int maxApps) {
        this.leadership = leadership;
        this.runner = runner;
        this.store = runner.store();
        this.loop = loop;
        this.timers = timers;
        this.newTaskId = newTaskId;
        this.maxApps = maxApps;
        load();
    }

    private void load() {
        for (String key : store.children("apps")) {
            Optional<StoredApp> stored = store.read("apps/" + key, StoredApp.class);
            if (stored.isEmpty()) {
                continue;
            }
            AppRuntime app = new AppRuntime(stored.get());
            for (String taskId : store.children("apps/" + key + "/tasks")) {
                store.read("apps/" + key + "/tasks/" + taskId, StoredTask.class)
                        .ifPresent(task -> app.instances.put(task.taskId(), Instance.recovered(task)));
            }
            apps.put(stored.get().definition().id(), app);
        }
        for (String key : store.children("deployments")) {
            store.read("deployments/" + key, StoredDeployment.class).ifPresent(d -> deployments.put(d.appId(), d));
        }
        LOG.info("Services term {}: loaded {} apps with {} tasks, {} deployments in progress", leadership.term(),
                apps.size(), apps.values().stream().mapToInt(a -> a.instances.size()).sum(), deployments.size());
    }

    // ------------------------------------------------------------------------------------ FrameworkRunner.Term

    @Override
    public void attached(SchedulerClient schedulerClient) {
        this.client = schedulerClient;
    }

    @Override
    public List<TaskStatus> knownTasks() {
        return loop.submit(() -> apps.values().stream().flatMap(a -> a.instances.values().stream())
                .map(i -> TaskStatus.newBuilder().setTaskId(TaskID.newBuilder().setValue(i.id()))
                        .setAgentId(AgentID.newBuilder().setValue(i.task().agentId()))
                        .setState(TaskState.TASK_STAGING).build())
                .toList()).join();
    }

    @Override
    public void ended() {
        loop.submit(() -> {
            ended = true;
            apps.values().forEach(a -> cancelWake(a));
            if (staleCheck != null) {
                staleCheck.cancel();
            }
            return null;
        }).join();
        if (timers instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.debug("closing timers", e);
            }
        }
        loop.close();
    }

    @Override
    public void subscribed(FrameworkID frameworkId, MasterInfo master) {
        loop.execute(() -> {
            subscribed = true;
            suppressed = null; // the master's view is unknown after a (re)subscription: say it again
            if (staleCheck == null) {
                scheduleStaleCheck();
            }
            converge();
        });
    }

    @Override
    public void disconnected() {
        loop.execute(() -> subscribed = false);
    }

    @Override
    public void offers(List<Offer> offers) {
        loop.execute(() -> onOffers(offers));
    }

    @Override
    public void update(TaskStatus status) {
        loop.execute(() -> onUpdate(status));
    }

    // ------------------------------------------------------------------------------------------- API (any thread)

    /** Runs {@code change} on the loop and waits for it; its ApiException reaches the caller as is. */
    <T> T call(Supplier<T> change) {
        CompletableFuture<T> future = loop.submit(() -> {
            if (ended) {
                throw new ApiException(503, "this process no longer leads Services; retry");
            }
            return change.get();
        });
        try {
            return future.get(CALL_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new ApiException(503, "the Services scheduler did not answer within " + CALL_TIMEOUT.toSeconds()
                    + " s; retry");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "interrupted");
        }
    }

    /** POST /v1/apps. */
    Views.ChangeResult create(AppDefinition definition, Caller caller) {
        return call(() -> {
            caller.requireRunAs(definition.user(), "app '" + definition.id() + "'");
            if (apps.containsKey(definition.id())) {
                throw ApiException.conflict("app '" + definition.id() + "' exists; change it with PUT /v1/apps/"
                        + definition.id());
            }
            if (apps.size() >= maxApps) {
                throw ApiException.conflict("the Services framework already keeps " + apps.size() + " apps, the most"
                        + " it keeps (corral services --max-apps); remove apps no longer needed (DELETE /v1/apps/ID)"
                        + " first");
            }
            AppDefinition first = definition.withVersion(1, now());
            StoredApp stored = new StoredApp(first, 1, false);
            StoredDeployment deployment = newDeployment(first.id(), "DEPLOY", null, 1);
            String key = AppIds.key(first.id());
            write(List.of(new FrameworkStore.Put("apps/" + key, stored),
                    new FrameworkStore.Put(versionPath(key, 1), first),
                    new FrameworkStore.Put("deployments/" + key, deployment)));
            apps.put(first.id(), new AppRuntime(stored));
            deployments.put(first.id(), deployment);
            LOG.info("App {} created (version 1, {} instances)", first.id(), first.instances());
            converge();
            return new Views.ChangeResult(first.id(), 1, deployment.id());
        });
    }

    /** PUT /v1/apps/{id}: the fields given replace the current ones; a new version, rolled out. */
    Views.ChangeResult update(String id, JsonNode changes, boolean force, Caller caller) {
        return call(() -> {
            AppRuntime app = changeable(id, caller);
            AppDefinition next = AppValidator.parse(AppValidator.merge(app.definition(), changes), id);
            caller.requireRunAs(next.user(), "app '" + id + "'");
            return change(app, next, next.sameTaskAs(app.definition()) ? "SCALE" : "UPDATE", force, false);
        });
    }

    /** POST /v1/apps/{id}/scale. */
    Views.ChangeResult scale(String id, int instances, boolean force, Caller caller) {
        return call(() -> {
            AppRuntime app = changeable(id, caller);
            return change(app, app.definition().withInstances(instances), "SCALE", force, false);
        });
    }

    /** POST /v1/apps/{id}/restart: every instance replaced, rolling. */
    Views.ChangeResult restart(String id, boolean force, Caller caller) {
        return call(() -> {
            AppRuntime app = changeable(id, caller);
            return change(app, app.definition(), "RESTART", force, true);
        });
    }

    /** POST /v1/apps/{id}/rollback: a new version with the content of {@code version} (default: the one before). */
    Views.ChangeResult rollback(String id, Long version, boolean force, Caller caller) {
        return call(() -> {
            AppRuntime app = changeable(id, caller);
            long current = app.definition().version();
            String key = AppIds.key(id);
            long target = version != null ? version : versionNumbers(key).stream().filter(v -> v < current)
                    .max(Long::compare).orElseThrow(() -> ApiException.conflict("app '" + id
                            + "' has no version before " + current + " to roll back to"));
            AppDefinition old = store.read(versionPath(key, target), AppDefinition.class)
                    .orElseThrow(() -> ApiException.notFound("app '" + id + "' has no version " + target
                            + "; see GET /v1/apps/" + id + "/versions"));
            caller.requireRunAs(old.user(), "app '" + id + "'");
            return change(app, old, "ROLLBACK", force, false);
        });
    }

    /** DELETE /v1/apps/{id}: kill every instance, then forget the app. */
    Views.ChangeResult remove(String id, Caller caller) {
        return call(() -> {
            AppRuntime app = changeable(id, caller);
            if (app.stored.removing()) {
                return new Views.ChangeResult(id, app.definition().version(), deployments.get(id).id());
            }
            String key = AppIds.key(id);
            StoredDeployment deployment = newDeployment(id, "REMOVE", app.definition().version(),
                    app.definition().version());
            StoredApp removing = app.stored.removing(true);
            write(List.of(new FrameworkStore.Put("apps/" + key, removing),
                    new FrameworkStore.Put("deployments/" + key, deployment)));
            app.stored = removing;
            deployments.put(id, deployment);
            cancelWake(app);
            LOG.info("App {} is being removed", id);
            converge();
            return new Views.ChangeResult(id, app.definition().version(), deployment.id());
        });
    }

    /** GET /v1/apps: the apps {@code caller} may see, without their tasks. */
    List<Views.AppView> apps(Caller caller) {
        return call(() -> apps.values().stream().filter(a -> caller.maySee(a.definition().user()))
                .map(a -> view(a, false)).toList());
    }

    /** GET /v1/apps/{id}. */
    Views.AppView app(String id, Caller caller) {
        return call(() -> view(visible(id, caller), true));
    }

    /** GET /v1/apps/{id}/versions, newest first. */
    List<AppDefinition> versions(String id, Caller caller) {
        return call(() -> {
            visible(id, caller);
            String key = AppIds.key(id);
            return versionNumbers(key).stream().sorted(Comparator.reverseOrder())
                    .map(v -> store.read(versionPath(key, v), AppDefinition.class))
                    .flatMap(Optional::stream).toList();
        });
    }

    /** GET /v1/deployments. */
    List<Views.DeploymentView> deployments(Caller caller) {
        return call(() -> deployments.values().stream()
                .filter(d -> apps.containsKey(d.appId()) && caller.maySee(apps.get(d.appId()).definition().user()))
                .map(d -> deploymentView(d, apps.get(d.appId()))).toList());
    }

    // ------------------------------------------------------------------------------------------ changes (loop)

    private Views.ChangeResult change(AppRuntime app, AppDefinition content, String kind, boolean force,
                                      boolean replaceAll) {
        String id = app.definition().id();
        if (app.stored.removing()) {
            throw ApiException.conflict("app '" + id + "' is being removed");
        }
        StoredDeployment running = deployments.get(id);
        if (running != null && !force) {
            throw ApiException.conflict("app '" + id + "' has a deployment in progress (" + running.kind() + " to"
                    + " version " + running.toVersion() + ", " + running.id() + "); wait for it, or add ?force=true"
                    + " (corral app ... --force) to replace it with this change");
        }
        long version = app.definition().version() + 1;
        AppDefinition next = content.withVersion(version, now());
        boolean newTasks = replaceAll || !next.sameTaskAs(app.definition());
        StoredApp stored = new StoredApp(next, newTasks ? version : app.stored.configVersion(), false);
        String key = AppIds.key(id);
        StoredDeployment deployment = newDeployment(id, kind, app.definition().version(), version);
        List<FrameworkStore.Change> writes = new ArrayList<>(List.of(
                new FrameworkStore.Put("apps/" + key, stored),
                new FrameworkStore.Put(versionPath(key, version), next),
                new FrameworkStore.Put("deployments/" + key, deployment)));
        List<Long> kept = versionNumbers(key);
        kept.stream().sorted().limit(Math.max(0, kept.size() + 1 - MAX_VERSIONS))
                .forEach(v -> writes.add(new FrameworkStore.Delete(versionPath(key, v))));
        write(writes);
        app.stored = stored;
        deployments.put(id, deployment);
        app.failures = 0;
        if (newTasks) {
            app.backoff.reset();
            app.lastFailure = null;
        }
        LOG.info("App {}: {} to version {} ({} instances{})", id, kind, version, next.instances(),
                newTasks ? ", instances replaced" : "");
        converge();
        return new Views.ChangeResult(id, version, deployment.id());
    }

    private AppRuntime existing(String id) {
        AppRuntime app = apps.get(AppIds.normalize(id));
        if (app == null) {
            throw ApiException.notFound("no app '" + id + "'");
        }
        return app;
    }

    /** An app {@code caller} may see; 404 for one they may not, as for one that does not exist. */
    private AppRuntime visible(String id, Caller caller) {
        AppRuntime app = existing(id);
        if (!caller.maySee(app.definition().user())) {
            throw ApiException.notFound("no app '" + id + "'");
        }
        return app;
    }

    /** An app {@code caller} may change: they may see it and have tasks run as its user (403 otherwise). */
    private AppRuntime changeable(String id, Caller caller) {
        AppRuntime app = visible(id, caller);
        caller.requireRunAs(app.definition().user(), "app '" + id + "'");
        return app;
    }

    private StoredDeployment newDeployment(String appId, String kind, Long from, long to) {
        return new StoredDeployment(UUID.randomUUID().toString(), appId, kind, from, to, now());
    }

    private List<Long> versionNumbers(String key) {
        return store.children("apps/" + key + "/versions").stream().map(Long::parseLong).toList();
    }

    private static String versionPath(String key, long version) {
        return "apps/" + key + "/versions/" + String.format("%010d", version);
    }

    /** A fenced write; when fenced, the term ends. Throws, so the caller changes nothing in memory. */
    private void write(List<FrameworkStore.Change> changes) {
        try {
            store.commit(leadership, changes);
        } catch (FencedException e) {
            runner.stepDown(leadership, e.getMessage());
            throw e;
        }
    }

    // -------------------------------------------------------------------------------------------- events (loop)

    private void onOffers(List<Offer> offers) {
        if (ended) {
            return;
        }
        long now = timers.nowMillis();
        List<OfferMatcher.Want> wants = new ArrayList<>();
        for (AppRuntime app : apps.values()) {
            DeploymentPlanner.Plan plan = DeploymentPlanner.plan(app.stored, app.instances.values());
            if (plan.launch() > 0 && !app.stored.removing() && !app.backoff.delayed(now)) {
                List<Constraints.Place> placed = app.instances.values().stream().filter(Instance::active)
                        .map(i -> i.task().place()).toList();
                wants.add(new OfferMatcher.Want(app.definition(), plan.launch(), placed));
            }
        }
        if (wants.isEmpty()) {
            decline(offers, REFUSE_WHEN_IDLE_SECONDS);
            converge();
            return;
        }
        OfferMatcher.Result result = OfferMatcher.match(offers, wants, newTaskId, now());
        List<OfferMatcher.Launch> all = result.launches().values().stream().flatMap(List::stream).toList();
        try {
            storeTasks(all);
        } catch (RuntimeException e) {
            LOG.warn("Cannot record {} tasks before launching them; launching none: {}", all.size(), e.getMessage());
            decline(offers, REFUSE_WHEN_UNFIT_SECONDS);
            return;
        }
        for (Map.Entry<Offer, List<OfferMatcher.Launch>> entry : result.launches().entrySet()) {
            for (OfferMatcher.Launch launch : entry.getValue()) {
                apps.get(launch.record().appId()).instances.put(launch.record().taskId(),
                        Instance.launched(launch.record()));
            }
            launch(entry.getKey(), entry.getValue());
        }
        decline(result.unused(), REFUSE_WHEN_UNFIT_SECONDS);
        converge();
    }

    private void storeTasks(List<OfferMatcher.Launch> launches) {
        for (int from = 0; from < launches.size(); from += WRITES_PER_COMMIT) {
            List<FrameworkStore.Change> puts = launches.subList(from, Math.min(launches.size(),
                    from + WRITES_PER_COMMIT)).stream()
                    .map(l -> (FrameworkStore.Change) new FrameworkStore.Put(taskPath(l.record().appId(),
                            l.record().taskId()), l.record()))
                    .toList();
            write(puts);
        }
    }

    private static String taskPath(String appId, String taskId) {
        return "apps/" + AppIds.key(appId) + "/tasks/" + taskId;
    }

    private void launch(Offer offer, List<OfferMatcher.Launch> launches) {
        LOG.info("Launching {} task(s) on {} ({})", launches.size(), offer.getHostname(),
                offer.getAgentId().getValue());
        client.launch(List.of(offer.getId()), launches.stream().map(OfferMatcher.Launch::task).toList())
                .whenComplete((ok, failure) -> {
                    if (failure != null) {
                        loop.execute(() -> launchFailed(launches, failure));
                    }
                });
    }

    /** A refused or unsent ACCEPT launched nothing: forget its tasks. */
    private void launchFailed(List<OfferMatcher.Launch> launches, Throwable failure) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        LOG.warn("LAUNCH of {} task(s) failed: {}", launches.size(), cause.getMessage());
        // Refused (4xx), or never sent (not subscribed: no status and no cause): nothing was launched. A lost
        // connection or a 5xx leaves it unknown; reconciliation will tell.
        boolean neverLaunched = cause instanceof SchedulerCallException call
                && (call.statusCode() >= 400 && call.statusCode() < 500
                    || call.statusCode() == 0 && call.getCause() == null);
        if (ended || !neverLaunched) {
            return;
        }
        for (OfferMatcher.Launch launch : launches) {
            forget(launch.record().appId(), launch.record().taskId());
        }
        converge();
    }

    private void decline(List<Offer> offers, double refuseSeconds) {
        if (offers.isEmpty() || client == null) {
            return;
        }
        List<OfferID> ids = offers.stream().map(Offer::getId).toList();
        inOrder(() -> client.decline(ids, refuseSeconds)).exceptionally(f -> {
            LOG.debug("DECLINE failed: {}", f.getMessage());
            return null;
        });
    }

    /**
     * Sends a DECLINE, REVIVE or SUPPRESS once the one before it was answered (on the loop): sent concurrently, the
     * REVIVE for a new app could overtake the DECLINE of an idle moment (refuse 120 s) and reach the master first,
     * which then filtered that agent for two minutes (ServicesConstraintsTest waited 30 s for an instance in CI).
     */
    private CompletableFuture<Void> inOrder(java.util.function.Supplier<CompletableFuture<Void>> call) {
        return offerCalls.send(call);
    }

    private void onUpdate(TaskStatus status) {
        if (ended) {
            return;
        }
        String taskId = status.getTaskId().getValue();
        TaskState state = status.getState();
        Optional<AppRuntime> app = AppIds.appOf(taskId).map(apps::get);
        Instance instance = app.map(a -> a.instances.get(taskId)).orElse(null);
        boolean gone = TaskStates.isTerminal(state) || state == TaskState.TASK_UNKNOWN;
        if (instance == null) {
            if (!gone && state != TaskState.TASK_UNREACHABLE) {
                LOG.info("Killing task {} ({}): no app of ours knows it", taskId, state);
                client.kill(status.getTaskId(), status.hasAgentId() ? status.getAgentId() : null)
                        .exceptionally(f -> null);
            }
        } else if (gone) {
            AppRuntime owner = app.get();
            try {
                forget(owner.definition().id(), taskId);
            } catch (RuntimeException e) {
                LOG.warn("Cannot forget task {}: {}", taskId, e.getMessage());
                return; // not acknowledged: the agent resends it
            }
            if (!instance.killRequested() && !owner.stored.removing()) {
                long now = timers.nowMillis();
                long ranFor = instance.runningSince() == 0 ? 0 : now - instance.runningSince();
                owner.backoff.ended(owner.definition(), ranFor, now);
                owner.failures++;
                owner.lastFailure = "task " + taskId + " " + state.name().substring(5)
                        + (status.hasMessage() ? ": " + status.getMessage() : "")
                        + (status.hasReason() ? " (" + status.getReason().name() + ")" : "");
                LOG.info("App {}: {}; next launch in {} s", owner.definition().id(), owner.lastFailure,
                        owner.backoff.delaySeconds());
            }
        } else {
            Instance next = instance.withState(state, status.hasHealthy() ? status.getHealthy() : null,
                    timers.nowMillis());
            if (status.hasHealthy() && !Boolean.valueOf(status.getHealthy()).equals(instance.task().healthy())) {
                StoredTask recorded = instance.task().withHealthy(status.getHealthy());
                try {
                    write(List.of(new FrameworkStore.Put(taskPath(recorded.appId(), taskId), recorded)));
                    next = next.withTask(recorded);
                } catch (RuntimeException e) {
                    LOG.warn("Cannot record the health of task {}: {}", taskId, e.getMessage());
                }
            }
            app.get().instances.put(taskId, next);
            if (state == TaskState.TASK_UNREACHABLE && !instance.unreachable()) {
                LOG.info("App {}: task {} is unreachable; replacing it", app.get().definition().id(), taskId);
            }
        }
        if (client != null) {
            client.acknowledge(status).exceptionally(f -> null);
        }
        converge();
    }

    /** Deletes a task's record (fenced), then drops it from memory. */
    private void forget(String appId, String taskId) {
        AppRuntime app = apps.get(appId);
        if (app == null || !app.instances.containsKey(taskId)) {
            return;
        }
        write(List.of(new FrameworkStore.Delete(taskPath(appId, taskId))));
        app.instances.remove(taskId);
    }

    /**
     * After every event: plan each app, send its kills, complete deployments and removals, ask for offers only while
     * some app wants to launch (REVIVE), otherwise SUPPRESS; wake up when a backoff delay ends.
     */
    private void converge() {
        if (ended) {
            return;
        }
        long now = timers.nowMillis();
        boolean wanted = false;
        for (AppRuntime app : List.copyOf(apps.values())) {
            DeploymentPlanner.Plan plan = DeploymentPlanner.plan(app.stored, app.instances.values());
            if (subscribed) {
                for (String taskId : plan.kill()) {
                    kill(app, taskId);
                }
            }
            if (plan.complete()) {
                complete(app);
                continue;
            }
            if (plan.launch() > 0 && !app.stored.removing()) {
                if (app.backoff.delayed(now)) {
                    scheduleWake(app, app.backoff.notBeforeMillis() - now);
                } else {
                    wanted = true;
                }
            }
        }
        if (subscribed && client != null && (suppressed == null || suppressed == wanted)) {
            suppressed = !wanted;
            inOrder(wanted ? client::revive : client::suppress).exceptionally(f -> {
                LOG.debug("REVIVE/SUPPRESS failed: {}", f.getMessage());
                loop.execute(() -> suppressed = null);
                return null;
            });
        }
    }

    private void kill(AppRuntime app, String taskId) {
        Instance instance = app.instances.get(taskId);
        if (instance == null || instance.killRequested()) {
            return;
        }
        app.instances.put(taskId, instance.killing());
        LOG.info("App {}: killing task {}", app.definition().id(), taskId);
        client.kill(TaskID.newBuilder().setValue(taskId).build(),
                AgentID.newBuilder().setValue(instance.task().agentId()).build()).whenComplete((ok, failure) -> {
                    if (failure != null) {
                        loop.execute(() -> {
                            Instance now = app.instances.get(taskId);
                            if (now != null && now.killRequested()) { // try again on the next converge
                                app.instances.put(taskId, now.killNotSent());
                            }
                        });
                    }
                });
    }

    private void complete(AppRuntime app) {
        String id = app.definition().id();
        String key = AppIds.key(id);
        StoredDeployment deployment = deployments.get(id);
        try {
            if (app.stored.removing()) {
                write(List.of(new FrameworkStore.Delete("apps/" + key), new FrameworkStore.Delete("deployments/"
                        + key)));
                apps.remove(id);
                deployments.remove(id);
                cancelWake(app);
                LOG.info("App {} removed", id);
            } else if (deployment != null) {
                write(List.of(new FrameworkStore.Delete("deployments/" + key)));
                deployments.remove(id);
                LOG.info("App {}: deployment {} ({} to version {}) complete", id, deployment.id(),
                        deployment.kind(), deployment.toVersion());
            }
        } catch (RuntimeException e) {
            LOG.warn("App {}: cannot record the end of its deployment: {}", id, e.getMessage());
        }
    }

    /**
     * Every {@link #STALE_CHECK_INTERVAL}: tasks never heard of since launch (or since a new leader loaded them) for
     * longer than that are reconciled explicitly. A LAUNCH lost with its connection then comes back TASK_UNKNOWN or
     * TASK_GONE and is replaced, instead of counting as staging forever.
     */
    private void scheduleStaleCheck() {
        staleCheck = timers.schedule(STALE_CHECK_INTERVAL, () -> loop.execute(() -> {
            if (ended) {
                return;
            }
            long cutoff = timers.nowMillis() - STALE_CHECK_INTERVAL.toMillis();
            List<TaskStatus> stale = apps.values().stream().flatMap(a -> a.instances.values().stream())
                    .filter(i -> i.state() == null && Instant.parse(i.task().launchedAt()).toEpochMilli() < cutoff)
                    .map(i -> TaskStatus.newBuilder().setTaskId(TaskID.newBuilder().setValue(i.id()))
                            .setAgentId(AgentID.newBuilder().setValue(i.task().agentId()))
                            .setState(TaskState.TASK_STAGING).build())
                    .toList();
            if (!stale.isEmpty() && subscribed && client != null) {
                LOG.info("Reconciling {} task(s) not heard of since their launch", stale.size());
                client.reconcile(stale).exceptionally(f -> null);
            }
            scheduleStaleCheck();
        }));
    }

    private void scheduleWake(AppRuntime app, long delayMillis) {
        if (app.wake != null) {
            return;
        }
        app.wake = timers.schedule(Duration.ofMillis(Math.max(1, delayMillis)), () -> loop.execute(() -> {
            app.wake = null;
            converge();
        }));
    }

    private void cancelWake(AppRuntime app) {
        if (app.wake != null) {
            app.wake.cancel();
            app.wake = null;
        }
    }

    // ------------------------------------------------------------------------------------------------- views

    private Views.AppView view(AppRuntime app, boolean withTasks) {
        boolean checked = app.definition().hasHealthCheck();
        List<Instance> all = List.copyOf(app.instances.values());
        Views.Counts counts = new Views.Counts(app.definition().instances(),
                (int) all.stream().filter(Instance::recovered).count(),
                (int) all.stream().filter(i -> i.active() && i.staged()).count(),
                (int) all.stream().filter(i -> i.active() && i.running()).count(),
                (int) all.stream().filter(i -> i.active() && i.ready(checked)).count(),
                (int) all.stream().filter(Instance::unreachable).count(),
                (int) all.stream().filter(i -> !i.active() && !i.unreachable()).count());
        StoredDeployment d = deployments.get(app.definition().id());
        List<Views.TaskView> tasks = withTasks ? all.stream().map(ServicesScheduler::taskView).toList() : null;
        long now = timers.nowMillis();
        return new Views.AppView(app.definition(), counts, app.stored.configVersion(), app.stored.removing(),
                d == null ? null : deploymentView(d, app), app.lastFailure,
                app.backoff.delayed(now) ? (app.backoff.notBeforeMillis() - now) / 1000.0 : 0, tasks);
    }

    private static Views.TaskView taskView(Instance i) {
        return new Views.TaskView(i.id(), i.task().agentId(), i.task().hostname(),
                i.recovered() ? "UNCONFIRMED" : i.state() == null ? "TASK_STAGING" : i.state().name(), i.healthy(), i.task().version(),
                i.task().ports(), i.task().launchedAt());
    }

    private Views.DeploymentView deploymentView(StoredDeployment d, AppRuntime app) {
        boolean checked = app.definition().hasHealthCheck();
        List<Instance> current = app.instances.values().stream().filter(Instance::active)
                .filter(i -> i.task().version() >= app.stored.configVersion()).toList();
        int old = (int) app.instances.values().stream().filter(Instance::active)
                .filter(i -> i.task().version() < app.stored.configVersion()).count();
        long now = timers.nowMillis();
        boolean delayed = app.backoff.delayed(now);
        String state = delayed ? "waiting" : "in_progress";
        String reason = delayed ? "instances keep failing; next launch in "
                + Math.max(1, (app.backoff.notBeforeMillis() - now) / 1000) + " s"
                + (app.lastFailure == null ? "" : " (last: " + app.lastFailure + ")")
                : app.lastFailure == null ? null : "last failure: " + app.lastFailure;
        int target = app.stored.removing() ? 0 : app.definition().instances();
        return new Views.DeploymentView(d.id(), d.appId(), d.kind(), d.fromVersion(), d.toVersion(), target,
                (int) current.stream().filter(Instance::staged).count(),
                (int) current.stream().filter(Instance::running).count(),
                (int) current.stream().filter(i -> i.ready(checked)).count(), old, app.failures, state, reason,
                d.startedAt());
    }

    private String now() {
        return Instant.ofEpochMilli(timers.nowMillis()).toString();
    }
}
