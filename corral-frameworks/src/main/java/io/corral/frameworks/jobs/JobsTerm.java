package io.corral.frameworks.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corral.frameworks.common.ApiException;
import io.corral.frameworks.common.CallsInOrder;
import io.corral.frameworks.common.Caller;
import io.corral.frameworks.common.FencedException;
import io.corral.frameworks.common.FrameworkRunner;
import io.corral.frameworks.common.FrameworkStore;
import io.corral.frameworks.common.Leadership;
import io.corral.frameworks.jobs.LaunchPlanner.Candidate;
import io.corral.frameworks.jobs.LaunchPlanner.Placement;
import io.corral.frameworks.jobs.LaunchPlanner.Plan;
import io.corral.protocol.concurrent.EventLoop;
import io.corral.protocol.concurrent.Timers;
import io.corral.scheduler.SchedulerClient;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.OfferID;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One term of leadership of the Jobs framework: the jobs loaded from ZooKeeper, the schedule, offers, status updates
 * and the REST API's changes. Every change is written to ZooKeeper (fenced by the term's {@link Leadership}) before
 * it is adopted in memory and before the framework acts on it: a run and the cron time it consumes are written
 * together; a run's task id is written before LAUNCH is sent; an update is acknowledged only once what it changed is
 * written. So a new leader, loading the same documents, neither loses nor duplicates a run.
 *
 * <p>Threading: all state is confined to the term's own loop thread ({@code jobs-term-N}); scheduler callbacks
 * (SDK event thread), timers and REST calls (HTTP worker threads, through {@link #call}) hand their work to it. ZooKeeper
 * writes block that thread, which keeps the order of writes and actions simple.
 */
final class JobsTerm implements FrameworkRunner.Term {
    private static final Logger LOG = LoggerFactory.getLogger(JobsTerm.class);
    static final String JOBS = "jobs";
    /** A task in one of these states still runs, or may run again: a stranger in one of them is killed. */
    private static final Set<TaskState> ALIVE = EnumSet.of(TaskState.TASK_STAGING, TaskState.TASK_STARTING,
            TaskState.TASK_RUNNING, TaskState.TASK_KILLING, TaskState.TASK_UNREACHABLE);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    /** After a failed write, the next look waits at least this long (ZooKeeper may be away for a while). */
    private static final Duration STORE_RETRY = Duration.ofSeconds(1);

    private final Leadership leadership;
    private final FrameworkRunner runner;
    private final FrameworkStore store;
    private final Timers timers;
    private final JobsConfig config;
    private final Supplier<String> uniqueSuffix;
    private final SandboxLookup sandboxes;
    private final Runnable onEnd;
    private final EventLoop loop;
    /** By job id. Loop-confined, like every field below. */
    private final Map<String, JobState> jobs = new TreeMap<>();
    private SchedulerClient client;
    private boolean subscribed;
    private boolean suppressed;
    private boolean ended;
    private Timers.Cancellable wake;
    /** Set when a write failed: no look before then, so an unreachable ZooKeeper is not asked in a busy loop. */
    private Instant storeRetryAt;
    /** The agent (base URL) of each task launched in this term, to ask for its sandbox once it runs. */
    private final Map<String, URI> agentOfTask = new HashMap<>();
    /** Calls to the master, each sent once the one before it was answered. */
    private final CallsInOrder calls = new CallsInOrder();

    private JobsTerm(Leadership leadership, FrameworkRunner runner, Timers timers, JobsConfig config,
                     Supplier<String> uniqueSuffix, SandboxLookup sandboxes, Runnable onEnd,
                     Map<String, JobState> loaded) {
        this.leadership = leadership;
        this.runner = runner;
        this.store = runner.store();
        this.timers = timers;
        this.config = config;
        this.uniqueSuffix = uniqueSuffix;
        this.sandboxes = sandboxes;
        this.onEnd = onEnd;
        this.loop = new EventLoop("jobs-term-" + leadership.term());
        this.jobs.putAll(loaded);
    }

    /** The term with every job of the store loaded (on the runner's control thread, before any event). */
    static JobsTerm load(Leadership leadership, FrameworkRunner runner, Timers timers, JobsConfig config,
                         Supplier<String> uniqueSuffix, SandboxLookup sandboxes, Runnable onEnd) {
        Map<String, JobState> loaded = new TreeMap<>();
        FrameworkStore store = runner.store();
        for (String id : store.children(JOBS)) {
            store.read(JOBS + "/" + id, JsonNode.class)
                    .ifPresent(json -> loaded.put(id, JobStateJson.read(json)));
        }
        LOG.info("jobs: term {} loaded {} job(s)", leadership.term(), loaded.size());
        return new JobsTerm(leadership, runner, timers, config, uniqueSuffix, sandboxes, onEnd, loaded);
    }

    // ------------------------------------------------------------------------------------ FrameworkRunner.Term

    @Override
    public void attached(SchedulerClient schedulerClient) {
        loop.execute(() -> {
            client = schedulerClient;
            tick();
        });
    }

    @Override
    public void subscribed(FrameworkID frameworkId, MasterInfo master) {
        loop.execute(() -> {
            subscribed = true;
            suppressed = false;
            // the kills a previous term (or connection) asked for, again: they may never have arrived
            jobs.values().forEach(state -> state.killing().forEach(this::kill));
            tick();
        });
    }

    @Override
    public List<TaskStatus> knownTasks() {
        try {
            return loop.submit(() -> jobs.values().stream().flatMap(s -> s.active().stream())
                    .filter(Run::hasTask).map(JobsTerm::reconcileStatus).toList())
                    .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.warn("jobs: cannot list the tasks to reconcile: {}", e.toString());
            return List.of();
        }
    }

    private static TaskStatus reconcileStatus(Run run) {
        TaskStatus.Builder status = TaskStatus.newBuilder().setTaskId(TaskID.newBuilder().setValue(run.taskId()))
                .setState(TaskState.TASK_STAGING);
        if (run.agentId() != null) {
            status.setAgentId(AgentID.newBuilder().setValue(run.agentId()));
        }
        return status.build();
    }

    @Override
    public void offers(List<Offer> offers) {
        loop.execute(() -> offered(offers));
    }

    @Override
    public void update(TaskStatus status) {
        loop.execute(() -> updated(status));
    }

    @Override
    public void disconnected() {
        loop.execute(() -> subscribed = false);
    }

    @Override
    public void ended() {
        try {
            loop.submit(() -> {
                ended = true;
                if (wake != null) {
                    wake.cancel();
                }
                return null;
            }).get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.warn("jobs: ending term {}: {}", leadership.term(), e.toString());
        }
        onEnd.run();
        loop.close();
    }

    // ------------------------------------------------------------------------------------ the REST API's calls

    /** Runs {@code action} on the term's loop and waits for it; its exceptions reach the caller as they are. */
    <T> T call(Supplier<T> action) {
        try {
            return loop.submit(() -> {
                if (ended) {
                    throw new ApiException(503, "this process no longer leads the Jobs framework; retry");
                }
                return action.get();
            }).get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "interrupted");
        } catch (TimeoutException e) {
            throw new ApiException(503, "the Jobs framework is busy; retry");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } catch (RejectedExecutionException e) {
            throw new ApiException(503, "this process no longer leads the Jobs framework; retry");
        }
    }

    /** The jobs {@code caller} may see. */
    List<JobState> list(Caller caller) {
        return jobs.values().stream().filter(job -> caller.maySee(job.definition().user())).toList();
    }

    /** A job {@code caller} may see; empty also for one they may not (as if it did not exist). */
    Optional<JobState> get(String id, Caller caller) {
        return Optional.ofNullable(jobs.get(id)).filter(job -> caller.maySee(job.definition().user()));
    }

    JobState create(JobDefinition definition, Caller caller) {
        caller.requireRunAs(definition.user(), "job " + definition.id());
        if (jobs.containsKey(definition.id())) {
            throw ApiException.conflict("job " + definition.id() + " already exists (PUT /v1/jobs/"
                    + definition.id() + " replaces it)");
        }
        if (jobs.size() >= config.maxJobs()) {
            throw ApiException.conflict("the Jobs framework already keeps " + jobs.size() + " jobs, the most it"
                    + " keeps (corral jobs --max-jobs); remove jobs no longer needed (DELETE /v1/jobs/ID) first");
        }
        JobState created = JobState.created(definition, now());
        commit(Map.of(definition.id(), created));
        LOG.info("jobs: created {}{}", definition.id(),
                definition.cron().map(c -> " (schedule " + c + ")").orElse(" (on demand)"));
        afterChange();
        return jobs.get(definition.id());
    }

    JobState replace(JobDefinition definition, Caller caller) {
        JobState current = changeable(definition.id(), caller);
        caller.requireRunAs(definition.user(), "job " + definition.id());
        commit(Map.of(definition.id(), current.redefined(definition, now())));
        afterChange();
        return jobs.get(definition.id());
    }

    /** Removes the job and kills its runs' tasks. */
    JobState remove(String id, Caller caller) {
        JobState current = changeable(id, caller);
        try {
            store.delete(leadership, JOBS + "/" + id);
        } catch (FencedException e) {
            deposed(e);
            throw e;
        }
        jobs.remove(id);
        current.active().stream().filter(Run::hasTask).forEach(this::kill);
        LOG.info("jobs: removed {}; killing {} task(s)", id, current.active().stream().filter(Run::hasTask).count());
        afterChange();
        return current;
    }

    /** A run now; 409 when the job forbids overlap and one is active. */
    Run runNow(String id, Caller caller) {
        JobState current = changeable(id, caller);
        JobState next;
        try {
            next = current.runNow(now());
        } catch (RunConflictException e) {
            throw ApiException.conflict(e.getMessage());
        }
        commit(Map.of(id, next));
        current.active().forEach(before -> {
            Run after = next.run(before.number()).orElseThrow();
            if (after.killRequested() != null && before.killRequested() == null) {
                kill(after);
            }
        });
        afterChange();
        return next.run(next.lastRunNumber()).orElseThrow();
    }

    /** A job {@code caller} may change: 404 if they may not see it, 403 if they may not run tasks as its user. */
    private JobState changeable(String id, Caller caller) {
        JobState state = get(id, caller).orElseThrow(() -> ApiException.notFound("no job " + id));
        caller.requireRunAs(state.definition().user(), "job " + id);
        return state;
    }

    // ------------------------------------------------------------------------------------ loop: time

    /** Runs due by the schedule, attempts over their timeout; then revives or sleeps until the next due time. */
    private void tick() {
        if (ended) {
            return;
        }
        Instant now = now();
        Map<String, JobState> changed = new LinkedHashMap<>();
        for (JobState state : jobs.values()) {
            JobState next = state.tick(now);
            if (!next.equals(state)) {
                changed.put(state.id(), next);
            }
        }
        try {
            commit(changed);
        } catch (RuntimeException e) {
            LOG.warn("jobs: cannot record what is due ({}); trying again in {} s", e.getMessage(),
                    STORE_RETRY.toSeconds());
            storeRetryAt = now.plus(STORE_RETRY);
        }
        changed.keySet().forEach(id -> LOG.debug("jobs: {} changed at {}", id, now));
        // kills asked for now, and those asked before (sent again: a kill may be lost)
        jobs.values().forEach(state -> state.killing().forEach(this::kill));
        if (client != null && subscribed && !suppressed && hasLaunchable(now)) {
            // runs still wait at this look: revive again, lest a lost call leave them without offers
            inOrder(SchedulerClient::revive).exceptionally(failure -> logged("REVIVE", failure));
        }
        afterChange();
    }

    /** Revives offers when a run waits for them, and sets the next wake-up. */
    private void afterChange() {
        if (ended) {
            return;
        }
        Instant now = now();
        if (client != null && subscribed && suppressed && hasLaunchable(now)) {
            suppressed = false;
            inOrder(SchedulerClient::revive).exceptionally(failure -> logged("REVIVE", failure));
        }
        if (wake != null) {
            wake.cancel();
        }
        Instant next = now.plus(config.maxWake());
        for (JobState state : jobs.values()) {
            Optional<Instant> due = state.nextWake();
            if (due.isPresent() && due.get().isBefore(next)) {
                next = due.get();
            }
        }
        if (storeRetryAt != null && next.isBefore(storeRetryAt)) {
            next = storeRetryAt;
        }
        long delay = Math.max(0, next.toEpochMilli() - now.toEpochMilli());
        wake = timers.schedule(Duration.ofMillis(delay), () -> loop.execute(this::tick));
    }

    private boolean hasLaunchable(Instant now) {
        return jobs.values().stream().anyMatch(state -> !state.launchable(now).isEmpty());
    }

    // ------------------------------------------------------------------------------------ loop: offers

    private void offered(List<Offer> offers) {
        if (ended || client == null) {
            return;
        }
        Instant now = now();
        List<Candidate> candidates = jobs.values().stream()
                .flatMap(state -> state.launchable(now).stream().map(run -> new Candidate(state.definition(), run)))
                .sorted(Comparator.comparing((Candidate c) -> c.run().scheduledAt())
                        .thenComparing(c -> c.job().id()).thenComparingLong(c -> c.run().number()))
                .toList();
        if (candidates.isEmpty()) {
            decline(offers.stream().map(Offer::getId).toList(), config.idleRefuse());
            suppress();
            return;
        }
        Plan plan = LaunchPlanner.plan(offers, candidates, this::taskId);
        Map<String, JobState> changed = new LinkedHashMap<>();
        for (Placement placement : plan.placements()) {
            JobState state = changed.getOrDefault(placement.jobId(), jobs.get(placement.jobId()));
            changed.put(placement.jobId(), state.launching(placement.runNumber(),
                    placement.task().getTaskId().getValue(), placement.agentId(), placement.host(), now));
        }
        try {
            commit(changed); // the task ids are durable before LAUNCH is sent
        } catch (RuntimeException e) {
            LOG.warn("jobs: cannot record launches ({}); declining the offers", e.getMessage());
            decline(offers.stream().map(Offer::getId).toList(), config.busyRefuse());
            return;
        }
        Map<OfferID, Offer> offersById = new HashMap<>();
        offers.forEach(offer -> offersById.put(offer.getId(), offer));
        plan.placements().forEach(p -> SandboxLookup.agentBase(offersById.get(p.offerId()))
                .ifPresent(agent -> agentOfTask.put(p.task().getTaskId().getValue(), agent)));
        plan.launches().forEach((offerId, placements) -> {
            List<TaskInfo> tasks = placements.stream().map(Placement::task).toList();
            placements.forEach(p -> LOG.info("jobs: launching run {} of {} as task {} on {}", p.runNumber(),
                    p.jobId(), p.task().getTaskId().getValue(), p.host()));
            inOrder(c -> c.launch(List.of(offerId), tasks)).exceptionally(failure -> {
                LOG.warn("jobs: LAUNCH of {} task(s) failed ({}); reconciling them", tasks.size(),
                        failure.getMessage());
                loop.execute(() -> reconcile(tasks));
                return null;
            });
        });
        boolean allPlaced = plan.placements().size() == candidates.size();
        decline(plan.unused(), allPlaced ? config.idleRefuse() : config.busyRefuse());
        if (allPlaced && !hasLaunchable(now)) {
            suppress();
        }
        afterChange();
    }

    /** {@code <job>.<run>.<attempt>-<8 random hex>}: readable, and unique across re-launches and re-created jobs. */
    private String taskId(JobDefinition job, Run run) {
        return job.id() + "." + run.number() + "." + run.attempt() + "-" + uniqueSuffix.get();
    }

    private void reconcile(List<TaskInfo> tasks) {
        if (client == null || ended) {
            return;
        }
        List<TaskStatus> statuses = tasks.stream().map(task -> TaskStatus.newBuilder().setTaskId(task.getTaskId())
                .setAgentId(task.getAgentId()).setState(TaskState.TASK_STAGING).build()).toList();
        inOrder(c -> c.reconcile(statuses)).exceptionally(failure -> logged("RECONCILE", failure));
    }

    private void decline(List<OfferID> offerIds, Duration refuse) {
        if (!offerIds.isEmpty()) {
            inOrder(c -> c.decline(offerIds, refuse.toMillis() / 1000.0)).exceptionally(failure -> logged("DECLINE", failure));
        }
    }

    private void suppress() {
        if (!suppressed && subscribed) {
            suppressed = true;
            inOrder(SchedulerClient::suppress).exceptionally(failure -> {
                loop.execute(() -> suppressed = false);
                return logged("SUPPRESS", failure);
            });
        }
    }

    // ------------------------------------------------------------------------------------ loop: status updates

    private void updated(TaskStatus status) {
        if (ended) {
            return;
        }
        TaskUpdate update = TaskUpdate.of(status);
        Optional<JobState> owner = jobs.values().stream()
                .filter(state -> state.runOfTask(update.taskId()).isPresent()).findFirst();
        if (owner.isEmpty()) {
            if (ALIVE.contains(status.getState())) {
                // a task of no active run: an attempt given up on while its agent was unreachable, a run of a
                // removed job, a launch a crashed leader made: never let it run twice
                LOG.info("jobs: killing task {} ({}): it belongs to no active run", update.taskId(),
                        status.getState());
                inOrder(c -> c.kill(status.getTaskId(), status.hasAgentId() ? status.getAgentId() : null))
                        .exceptionally(failure -> logged("KILL", failure));
            }
            acknowledge(status);
            return;
        }
        JobState state = owner.get();
        JobState next = state.update(update, now());
        if (!next.equals(state)) {
            try {
                commit(Map.of(state.id(), next));
            } catch (RuntimeException e) {
                LOG.warn("jobs: cannot record {} of task {} ({}); the master will send it again",
                        status.getState(), update.taskId(), e.getMessage());
                return; // not acknowledged
            }
            Run before = state.runOfTask(update.taskId()).orElseThrow();
            Run after = jobs.get(state.id()).run(before.number()).orElseThrow();
            if (after.state() != before.state() || after.attempt() != before.attempt()) {
                LOG.info("jobs: run {} of {}: {} -> {} (attempt {}){}", after.number(), state.id(), before.state(),
                        after.state(), after.attempt(), after.message() != null ? ": " + after.message() : "");
            }
        }
        acknowledge(status);
        if (status.getState() == TaskState.TASK_RUNNING || !ALIVE.contains(status.getState())) {
            lookUpSandbox(update.taskId()); // once per task: at TASK_RUNNING, or at its end if it skipped that
        }
        afterChange();
    }

    /** Asks the task's agent where its sandbox is, then records it in its run (best effort, not retried). */
    private void lookUpSandbox(String taskId) {
        URI agent = agentOfTask.remove(taskId);
        if (agent == null) {
            return;
        }
        sandboxes.directory(agent, taskId).thenAccept(directory -> directory.ifPresent(path -> loop.execute(() -> {
            if (ended) {
                return;
            }
            jobs.values().stream().filter(state -> state.runs().stream().anyMatch(r -> taskId.equals(r.taskId())))
                    .findFirst().ifPresent(state -> {
                        try {
                            commit(Map.of(state.id(), state.withSandbox(taskId, path)));
                        } catch (RuntimeException e) {
                            LOG.debug("jobs: cannot record the sandbox of {}: {}", taskId, e.getMessage());
                        }
                    });
        })));
    }

    private void acknowledge(TaskStatus status) {
        inOrder(c -> c.acknowledge(status)).exceptionally(failure -> logged("ACKNOWLEDGE", failure));
    }

    private void kill(Run run) {
        if (client == null || !subscribed || run.taskId() == null) {
            return; // sent again after the next subscription
        }
        TaskID taskId = TaskID.newBuilder().setValue(run.taskId()).build();
        AgentID agentId = run.agentId() == null ? null : AgentID.newBuilder().setValue(run.agentId()).build();
        inOrder(c -> c.kill(taskId, agentId)).exceptionally(failure -> logged("KILL", failure));
    }

    // ------------------------------------------------------------------------------------ loop: storage

    /**
     * Writes the changed jobs (history trimmed) in one fenced transaction, then adopts them. Throws, having changed
     * nothing, when the write fails; a fenced write also ends the term.
     */
    private void commit(Map<String, JobState> changed) {
        if (changed.isEmpty()) {
            return;
        }
        Map<String, JobState> trimmed = new LinkedHashMap<>();
        List<FrameworkStore.Change> changes = new ArrayList<>();
        changed.forEach((id, state) -> {
            JobState kept = state.pruned(config.historyLimit());
            trimmed.put(id, kept);
            ObjectNode document = JobStateJson.write(kept);
            changes.add(new FrameworkStore.Put(JOBS + "/" + id, document));
        });
        try {
            store.commit(leadership, changes);
        } catch (FencedException e) {
            deposed(e);
            throw e;
        }
        storeRetryAt = null;
        jobs.putAll(trimmed);
    }

    /** A write was fenced: another process leads. Stop deciding at once; the runner ends the term. */
    private void deposed(FencedException e) {
        ended = true;
        runner.stepDown(leadership, e.getMessage());
    }

    private Instant now() {
        return Instant.ofEpochMilli(timers.nowMillis());
    }

    /**
     * Sends a call to the master after the calls made before it were answered: sent concurrently, a REVIVE could
     * overtake the DECLINE (refuse 60 s) or SUPPRESS made just before it, and offers would stop for a minute.
     */
    private CompletableFuture<Void> inOrder(Function<SchedulerClient, CompletableFuture<Void>> call) {
        SchedulerClient target = client;
        return calls.send(() -> call.apply(target));
    }

    private static Void logged(String call, Throwable failure) {
        LOG.warn("jobs: {} failed: {}", call, failure.getMessage());
        return null;
    }
}
