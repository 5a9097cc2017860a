package io.corral.frameworks.common;

import io.corral.protocol.concurrent.EventLoop;
import io.corral.scheduler.MasterLocator;
import io.corral.scheduler.SchedulerClient;
import io.corral.scheduler.SchedulerListener;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The glue between leadership and scheduling. On gaining the lead it asks the {@link Framework} to load its state
 * ({@link Framework#lead}), then subscribes with the SDK's {@link SchedulerClient} under the stored framework id (so
 * the master hands the same framework, and its tasks, to the new leader); after every (re)subscription it records a
 * new framework id (fenced) and reconciles: explicitly the tasks the framework knows, then implicitly all others. On
 * losing the lead it closes the client and ends the term, which stops deciding; the process keeps contending.
 *
 * <p>A fenced write, or an ERROR from the master, ends the term too: {@link #stepDown} leaves the election and joins
 * it again with a fresh latch znode, so the state in memory is thrown away and reloaded by whoever leads next. When
 * the master says the framework was removed (its failover timeout passed, or it was torn down), the stored id is
 * forgotten so the next term subscribes as a new framework.
 *
 * <p>Threading: one control thread ({@code <name>-control}) receives leadership changes and starts and ends terms;
 * scheduler events reach the term on the SDK's event thread. {@link #stepDown}, {@link #isLeader()} and
 * {@link #close()} may be called from any thread.
 */
public final class FrameworkRunner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FrameworkRunner.class);
    /** Mesos's framework failover timeout for the built-in frameworks: tasks outlive a week-long outage of them. */
    public static final Duration FAILOVER_TIMEOUT = Duration.ofDays(7);
    private static final int RECONCILE_ATTEMPTS = 30;

    /** A framework that can lead: loads its state when elected and returns the term that decides. */
    @FunctionalInterface
    public interface Framework {
        /**
         * This process leads: load the state from {@link FrameworkRunner#store()} (blocking is fine: this runs on the
         * control thread, before any scheduler event) and return the term. Throwing steps down.
         */
        Term lead(Leadership leadership, FrameworkRunner runner) throws Exception;
    }

    /** One term of leadership: hears the scheduler's events until {@link #ended()}. */
    public interface Term extends SchedulerListener {
        /** The client of this term, before it starts subscribing: keep it to launch, kill, decline... */
        void attached(SchedulerClient client);

        /** Tasks to reconcile explicitly after each (re)subscription (the implicit reconciliation follows). */
        default List<TaskStatus> knownTasks() {
            return List.of();
        }

        /** The term is over (lead lost, stepped down, process stopping); the client is closed. Stop deciding. */
        void ended();
    }

    /**
     * What the runner subscribes with.
     *
     * @param frameworkInfo  without id (the stored one is added): see {@link #frameworkInfo}
     * @param locator        finds the leading master; kept for the process's life, closed by the caller
     * @param clientOptions  applied to each term's client builder: credential, TLS, timers...
     */
    public record Config(FrameworkInfo frameworkInfo, MasterLocator locator,
                         Consumer<SchedulerClient.Builder> clientOptions) {
        public Config {
            Objects.requireNonNull(frameworkInfo, "frameworkInfo");
            Objects.requireNonNull(locator, "locator");
            Objects.requireNonNull(clientOptions, "clientOptions");
        }
    }

    private final String name;
    private final FrameworkStore store;
    private final Config config;
    private final Framework framework;
    private final EventLoop control;
    private final LeaderElection election;
    private volatile boolean closed;
    /** Confined to the control thread. */
    private RunningTerm running;

    private record RunningTerm(Leadership leadership, Term term, SchedulerClient client) {}

    /**
     * @param participantUrl this process's REST base URL, its id in the leader latch
     */
    public FrameworkRunner(CuratorFramework curator, FrameworkPaths paths, String participantUrl, Config config,
                           Framework framework) {
        this.name = paths.root().substring(paths.root().lastIndexOf('/') + 1);
        this.store = new FrameworkStore(curator, paths);
        this.config = config;
        this.framework = framework;
        this.control = new EventLoop(name + "-control");
        this.election = new LeaderElection(curator, paths, participantUrl, new LeaderElection.Listener() {
            @Override
            public void elected(Leadership leadership) {
                beginTerm(leadership);
            }

            @Override
            public void deposed(Leadership leadership) {
                endTerm(leadership, "lost the lead");
            }
        }, control::execute);
    }

    /**
     * The FrameworkInfo of a built-in framework: {@code failover_timeout} one week, capabilities PARTITION_AWARE
     * (TASK_UNREACHABLE rather than TASK_LOST, so replacements start at once and the originals come back),
     * TASK_KILLING_STATE and MULTI_ROLE with the one role given.
     *
     * @param webuiUrl this process's REST URL, shown by masters' state
     */
    public static FrameworkInfo frameworkInfo(String name, String user, Optional<String> principal, String role,
                                              String hostname, String webuiUrl) {
        FrameworkInfo.Builder info = FrameworkInfo.newBuilder()
                .setName(name)
                .setUser(user)
                .addRoles(role)
                .setFailoverTimeout(FAILOVER_TIMEOUT.toSeconds())
                .setCheckpoint(true)
                .setHostname(hostname)
                .setWebuiUrl(webuiUrl)
                .addCapabilities(capability(FrameworkInfo.Capability.Type.PARTITION_AWARE))
                .addCapabilities(capability(FrameworkInfo.Capability.Type.TASK_KILLING_STATE))
                .addCapabilities(capability(FrameworkInfo.Capability.Type.MULTI_ROLE));
        principal.ifPresent(info::setPrincipal);
        return info.build();
    }

    private static FrameworkInfo.Capability capability(FrameworkInfo.Capability.Type type) {
        return FrameworkInfo.Capability.newBuilder().setType(type).build();
    }

    /** Joins the leader election. */
    public void start() {
        election.start();
    }

    public FrameworkStore store() {
        return store;
    }

    public LeaderElection election() {
        return election;
    }

    public boolean isLeader() {
        return election.isLeader();
    }

    /**
     * Ends this process's term (if it still leads {@code leadership}) and contends again: after a fenced write, or
     * when the term cannot go on. Any thread.
     */
    public void stepDown(Leadership leadership, String reason) {
        control.execute(() -> {
            if (running != null && running.leadership().equals(leadership) && !closed) {
                LOG.warn("{}: stepping down (term {}): {}", name, leadership.term(), reason);
                election.restart();
            }
        });
    }

    /** Leaves the election, ending a term; does not tear the framework down (the next leader carries on). */
    @Override
    public void close() {
        closed = true;
        election.close();
        control.submit(() -> {
            if (running != null) {
                endTerm(running.leadership(), "stopping");
            }
            return null;
        }).join();
        control.close();
    }

    // -------------------------------------------------------------------------------------------- control thread

    private void beginTerm(Leadership leadership) {
        if (closed) {
            return;
        }
        if (running != null) {
            endTerm(running.leadership(), "a new term began");
        }
        Term term;
        Optional<String> storedId;
        try {
            storedId = store.frameworkId();
            term = framework.lead(leadership, this);
        } catch (Exception e) {
            LOG.error("{}: cannot take the lead (term {}): {}", name, leadership.term(), e.toString(), e);
            stepDown(leadership, "loading the state failed: " + e.getMessage());
            running = new RunningTerm(leadership, null, null);
            return;
        }
        FrameworkInfo.Builder info = config.frameworkInfo().toBuilder();
        storedId.ifPresent(id -> info.setId(FrameworkID.newBuilder().setValue(id)));
        SchedulerClient.Builder builder = SchedulerClient.builder(config.locator(), info.build(),
                new TermListener(leadership, term, storedId));
        config.clientOptions().accept(builder);
        SchedulerClient client = builder.build();
        running = new RunningTerm(leadership, term, client);
        term.attached(client);
        LOG.info("{}: term {} begins; subscribing {}", name, leadership.term(),
                storedId.map(id -> "as framework " + id).orElse("as a new framework"));
        client.start();
    }

    private void endTerm(Leadership leadership, String why) {
        RunningTerm ending = running;
        if (ending == null || !ending.leadership().equals(leadership)) {
            return;
        }
        running = null;
        LOG.info("{}: term {} ends: {}", name, leadership.term(), why);
        if (ending.client() != null) {
            ending.client().close();
        }
        if (ending.term() != null) {
            try {
                ending.term().ended();
            } catch (RuntimeException e) {
                LOG.warn("{}: ending term {}: {}", name, leadership.term(), e.toString(), e);
            }
        }
    }

    /** Adds the runner's duties to the term's callbacks; runs on the SDK's event thread. */
    private final class TermListener implements SchedulerListener {
        private final Leadership leadership;
        private final Term term;
        private volatile Optional<String> recordedId;

        TermListener(Leadership leadership, Term term, Optional<String> recordedId) {
            this.leadership = leadership;
            this.term = term;
            this.recordedId = recordedId;
        }

        @Override
        public void subscribed(FrameworkID frameworkId, MasterInfo master) {
            if (!recordedId.equals(Optional.of(frameworkId.getValue()))) {
                try {
                    store.saveFrameworkId(leadership, frameworkId.getValue());
                    recordedId = Optional.of(frameworkId.getValue());
                } catch (RuntimeException e) {
                    stepDown(leadership, "cannot record the framework id " + frameworkId.getValue() + ": "
                            + e.getMessage());
                    return;
                }
            }
            LOG.info("{}: subscribed as {} to master {}:{}", name, frameworkId.getValue(), master.getHostname(),
                    master.getPort());
            term.subscribed(frameworkId, master);
            SchedulerClient client = currentClient();
            if (client == null) {
                return;
            }
            List<TaskStatus> known = term.knownTasks();
            if (!known.isEmpty()) {
                reconcile(client, known, 1);
            }
            reconcile(client, List.of(), 1);
        }

        /**
         * RECONCILE, retried every second (up to {@link #RECONCILE_ATTEMPTS} times) while this client is current: a
         * framework waits for reconciliation before deciding about tasks it recovered, so one lost call must not
         * leave it waiting until the next subscription.
         */
        private void reconcile(SchedulerClient client, List<TaskStatus> tasks, int attempt) {
            client.reconcile(tasks).exceptionally(failure -> {
                if (attempt >= RECONCILE_ATTEMPTS || currentClient() != client) {
                    LOG.warn("{}: reconciliation failed, giving up: {}", name, failure.getMessage());
                    return null;
                }
                LOG.info("{}: reconciliation failed (attempt {}), retrying: {}", name, attempt, failure.getMessage());
                java.util.concurrent.CompletableFuture.runAsync(() -> reconcile(client, tasks, attempt + 1),
                        java.util.concurrent.CompletableFuture.delayedExecutor(1, java.util.concurrent.TimeUnit.SECONDS));
                return null;
            });
        }

        private SchedulerClient currentClient() {
            RunningTerm now = running;
            return now != null && now.leadership().equals(leadership) ? now.client() : null;
        }

        @Override
        public void error(String message) {
            LOG.error("{}: the master ended the subscription: {}", name, message);
            term.error(message);
            String lower = message.toLowerCase(java.util.Locale.ROOT);
            if (lower.contains("removed") || lower.contains("completed") || lower.contains("torn down")
                    || lower.contains("teardown")) {
                try {
                    store.forgetFrameworkId(leadership);
                } catch (RuntimeException e) {
                    LOG.warn("{}: cannot forget the framework id: {}", name, e.getMessage());
                }
            }
            stepDown(leadership, "the master ended the subscription: " + message);
        }

        @Override
        public void offers(List<org.apache.mesos.v1.Protos.Offer> offers) {
            term.offers(offers);
        }

        @Override
        public void rescind(org.apache.mesos.v1.Protos.OfferID offerId) {
            term.rescind(offerId);
        }

        @Override
        public void inverseOffers(List<org.apache.mesos.v1.Protos.InverseOffer> inverseOffers) {
            term.inverseOffers(inverseOffers);
        }

        @Override
        public void rescindInverseOffer(org.apache.mesos.v1.Protos.OfferID inverseOfferId) {
            term.rescindInverseOffer(inverseOfferId);
        }

        @Override
        public void update(TaskStatus status) {
            term.update(status);
        }

        @Override
        public void disconnected() {
            term.disconnected();
        }

        @Override
        public void subscribeFailed(String reason, Duration retryIn) {
            LOG.info("{}: subscription failed, retrying in {} ms: {}", name, retryIn.toMillis(), reason);
            term.subscribeFailed(reason, retryIn);
        }

        @Override
        public void heartbeat() {
            term.heartbeat();
        }

        @Override
        public void message(org.apache.mesos.v1.scheduler.Protos.Event.Message message) {
            term.message(message);
        }

        @Override
        public void failure(org.apache.mesos.v1.scheduler.Protos.Event.Failure failure) {
            term.failure(failure);
        }
    }
}
