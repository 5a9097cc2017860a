package io.corral.scheduler;

import io.corral.protocol.tls.ClientTls;
import io.corral.protocol.tls.TlsFailures;

import io.corral.protocol.concurrent.EventLoop;
import io.corral.protocol.concurrent.SystemTimers;
import io.corral.protocol.concurrent.Timers;
import io.corral.protocol.http.ClientAuthorization;
import io.corral.protocol.concurrent.DaemonPool;
import io.corral.protocol.http.Encoding;
import io.corral.protocol.http.KeptAliveClient;
import io.corral.protocol.http.RecordStreamAnswer;
import io.corral.protocol.http.StreamingPost;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.corral.protocol.security.Credentials.Credential;
import java.net.URI;
import javax.net.ssl.SSLContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.OfferID;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Mesos v1 scheduler connection: subscribes a framework to the leading master over {@code POST /api/v1/scheduler},
 * delivers the event stream to a {@link SchedulerListener}, sends calls, and keeps the subscription alive across
 * dropped connections and master failover.
 *
 * <p>Life cycle: {@link #start()} subscribes in the background and returns at once; the listener hears
 * {@code subscribed} when the master accepts. When the stream ends, fails, or stays silent for five heartbeat
 * intervals, the listener hears {@code disconnected}, and the client asks the {@link MasterLocator} for the (possibly
 * new) leader and resubscribes with the same framework id, backing off exponentially with jitter between attempts
 * (the wait is cut short when the locator names a leader, and a master's 503 is asked again after the first delay). An
 * ERROR event, a refused SUBSCRIBE (4xx), {@link #teardown()} or {@link #close()} end the subscription for good.
 * {@link #close()} does not tear the framework down: the master keeps its tasks for {@code failover_timeout}. The
 * client does not close the locator it was given.
 *
 * <p>Threading contract:
 * <ul>
 *   <li>One <b>reader</b> thread makes the SUBSCRIBE request and reads the event stream; it alone changes the
 *       subscription ({@link #session}, {@link #frameworkId}, the backoff).</li>
 *   <li>One <b>event</b> thread runs every listener callback, in event order (see {@link SchedulerListener}).</li>
 *   <li>Timers (heartbeat timeout, resubscription delay) fire on the injected {@link Timers}; they only close the
 *       stream or hand work to the reader thread.</li>
 *   <li>All public methods are thread-safe. The futures returned by {@link #send} complete on one thread of their
 *       own ({@code corral-scheduler-answers}), not on the event thread; the calls themselves go over at most
 *       {@link #CALL_CONNECTIONS} kept-alive connections, {@link #CALLS_PER_CONNECTION} pipelined on each
 *       ({@link KeptAliveClient}).</li>
 * </ul>
 */
public final class SchedulerClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SchedulerClient.class);
    static final String SCHEDULER_PATH = "/api/v1/scheduler";
    static final String STREAM_ID_HEADER = "Mesos-Stream-Id";
    private static final int MAX_REDIRECTS = 3;
    /**
     * Calls sent at once are at most {@code CALL_CONNECTIONS * CALLS_PER_CONNECTION}; more wait in the client, so that
     * a burst of acknowledgements cannot flood the master. Pipelined, a burst goes out in a few writes and is answered
     * in a few reads (the master begins a connection's next call once its loop has the one before).
     */
    static final int CALL_CONNECTIONS = 4;
    static final int CALLS_PER_CONNECTION = 16;

    /**
     * The stream this client is subscribed on: calls go to this master's {@code calls} address with this stream id
     * (resolved once here: parsing it again for every call took a tenth of the thread acknowledging updates).
     */
    private record Session(URI master, URI calls, String streamId, FrameworkID frameworkId) {
        Session(URI master, String streamId, FrameworkID frameworkId) {
            this(master, MasterAddresses.resolve(master, SCHEDULER_PATH), streamId, frameworkId);
        }
    }

    private final MasterLocator locator;
    private final FrameworkInfo frameworkInfo;
    private final Encoding encoding;
    /** The calls' connections to the master: at most {@link #CALL_CONNECTIONS}; more calls wait in order. */
    private final KeptAliveClient calls;
    /**
     * Where the calls' answers complete, off the client's I/O thread: a caller's own completions may block (a
     * framework waiting for another call's answer) without stopping every other answer.
     */
    private final ExecutorService completions = DaemonPool.of("corral-scheduler-answers", 1);
    private final SchedulerListener listener;
    private final boolean autoAcknowledge;
    private final Duration locateTimeout;
    private final Duration requestTimeout;
    private final Duration connectTimeout;
    /** The event stream's I/O thread: it reads and decodes the events ({@link StreamingPost}). */
    private final NioEventLoopGroup stream;
    /** When present, every master is spoken to over HTTPS and its certificate checked this way. */
    private final Optional<ClientTls> tls;
    /** HTTP Basic for every request, when the framework authenticates (masters not started --insecure). */
    private final Optional<String> authorization;
    private final Timers timers;
    private final AutoCloseable ownedTimers;
    private final Backoff backoff;
    /** The next subscription attempt while it waits out its backoff; only the reader thread uses it. */
    private Timers.Cancellable pendingAttempt;
    /** Stops the locator's news of leaders ({@link MasterLocator#onLeader}), on close. */
    private volatile Runnable stopWatchingLeaders = () -> { };
    private final EventLoop events;
    private final ExecutorService reader;
    private final HeartbeatWatchdog watchdog;

    private final AtomicBoolean started = new AtomicBoolean();
    private volatile boolean stopped;
    private volatile boolean tearingDown;
    private volatile Session session;
    private volatile FrameworkID frameworkId;
    private volatile StreamingPost currentStream;

    private SchedulerClient(Builder b) {
        this.locator = b.locator;
        this.frameworkInfo = b.authorization == null || b.frameworkInfo.hasPrincipal() ? b.frameworkInfo
                : b.frameworkInfo.toBuilder().setPrincipal(b.authorization.principal()).build();
        this.authorization = Optional.ofNullable(b.authorization).map(ClientAuthorization::header);
        this.encoding = b.encoding;
        this.listener = b.listener;
        this.autoAcknowledge = b.autoAcknowledge;
        this.locateTimeout = b.locateTimeout;
        this.requestTimeout = b.requestTimeout;
        this.frameworkId = b.frameworkInfo.hasId() ? b.frameworkInfo.getId() : null;
        this.tls = Optional.ofNullable(b.tls);
        this.connectTimeout = b.connectTimeout;
        this.stream = new NioEventLoopGroup(1, new DefaultThreadFactory("corral-scheduler-stream", true));
        this.calls = new KeptAliveClient("corral-scheduler-calls", tls, b.connectTimeout, CALL_CONNECTIONS,
                CALLS_PER_CONNECTION);
        this.events = new EventLoop("corral-scheduler-events");
        this.reader = Executors.newSingleThreadExecutor(runnable -> {
            Thread t = new Thread(runnable, "corral-scheduler-reader");
            t.setDaemon(true);
            return t;
        });
        if (b.timers != null) {
            this.timers = b.timers;
            this.ownedTimers = null;
        } else {
            SystemTimers system = new SystemTimers(events, "corral-scheduler");
            this.timers = system;
            this.ownedTimers = system;
        }
        this.backoff = new Backoff(b.backoffInitial, b.backoffCap, b.random);
        this.watchdog = new HeartbeatWatchdog(timers, this::dropSilentStream);
    }

    public static Builder builder(MasterLocator locator, FrameworkInfo frameworkInfo, SchedulerListener listener) {
        return new Builder(locator, frameworkInfo, listener);
    }

    /** Starts subscribing in the background. Call once. */
    public void start() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("SchedulerClient.start() was already called");
        }
        stopWatchingLeaders = locator.onLeader(this::leaderNamed);
        runOnReader(this::subscribe);
    }

    /** The framework id, once a master has assigned it (or the one the FrameworkInfo carried). */
    public Optional<FrameworkID> frameworkId() {
        return Optional.ofNullable(frameworkId);
    }

    /** True while a subscription is live (SUBSCRIBED received and the stream still open). */
    public boolean isSubscribed() {
        return session != null;
    }

    /** The master of the live subscription, if any. */
    public Optional<URI> master() {
        Session s = session;
        return s == null ? Optional.empty() : Optional.of(s.master());
    }

    // ---------------------------------------------------------------------------------------------------- calls

    /**
     * Sends a call on the live subscription, filling in {@code framework_id}. Completes when the master answers 202;
     * completes exceptionally with a {@link SchedulerCallException} (carrying the status and the master's message)
     * on any other answer, or when there is no live subscription.
     */
    public CompletableFuture<Void> send(Call call) {
        return send(call, completions);
    }

    /** As {@link #send(Call)}, the answer judged and the future completed on {@code completeOn}. */
    private CompletableFuture<Void> send(Call call, Executor completeOn) {
        Session s = session;
        String type = call.getType().name();
        if (s == null) {
            return CompletableFuture.failedFuture(
                    new SchedulerCallException(type, 0, "not subscribed to a master (the client is (re)subscribing)"));
        }
        Call filled = call.hasFrameworkId() ? call : call.toBuilder().setFrameworkId(s.frameworkId()).build();
        Map<String, String> headers = new HashMap<>();
        headers.put("Content-Type", encoding.mediaType());
        headers.put("Accept", encoding.mediaType());
        headers.put(STREAM_ID_HEADER, s.streamId());
        authorization.ifPresent(value -> headers.put("Authorization", value));
        URI uri = s.calls();
        byte[] body = encoding.encode(filled);
        // Acknowledgements go ahead of other waiting calls: each lets the agent send its task's next update, and
        // one held behind a burst of ACCEPTs (a framework launching thousands of tasks) makes the agent resend.
        CompletableFuture<KeptAliveClient.Answer> answered = call.getType() == Call.Type.ACKNOWLEDGE
                ? calls.postAhead(uri, headers, body, requestTimeout)
                : calls.post(uri, headers, body, requestTimeout);
        return answered
                .handleAsync((answer, failure) -> {
                    if (failure != null) {
                        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                                ? failure.getCause() : failure;
                        throw new SchedulerCallException(type, "cannot reach the master at " + s.master() + ": "
                                + describe(cause), cause);
                    }
                    if (answer.status() != 202) {
                        throw new SchedulerCallException(type, answer.status(), bodyText(answer.body()));
                    }
                    return null;
                }, completeOn);
    }

    /** ACCEPT the offers (all on one agent) with one LAUNCH of {@code tasks}. */
    public CompletableFuture<Void> launch(List<OfferID> offerIds, List<TaskInfo> tasks) {
        return send(Calls.launch(offerIds, tasks));
    }

    public CompletableFuture<Void> decline(List<OfferID> offerIds, double refuseSeconds) {
        return send(Calls.decline(offerIds, refuseSeconds));
    }

    /** KILL; {@code agentId} may be null. */
    public CompletableFuture<Void> kill(TaskID taskId, AgentID agentId) {
        return send(Calls.kill(taskId, agentId));
    }

    /**
     * ACKNOWLEDGE an update. Updates without a uuid (generated by the master, e.g. for a lost agent) are not retried
     * and must not be acknowledged, so for them this does nothing and completes at once.
     */
    public CompletableFuture<Void> acknowledge(TaskStatus status) {
        if (!status.hasUuid() || !status.hasAgentId()) {
            return CompletableFuture.completedFuture(null);
        }
        return send(Calls.acknowledge(status));
    }

    /** RECONCILE the given tasks, or all of them (implicit reconciliation) when the list is empty. */
    public CompletableFuture<Void> reconcile(List<TaskStatus> tasks) {
        return send(Calls.reconcile(tasks));
    }

    public CompletableFuture<Void> suppress() {
        return send(Calls.suppress());
    }

    public CompletableFuture<Void> revive() {
        return send(Calls.revive());
    }

    /**
     * TEARDOWN: the master kills every task of the framework and forgets it. The client stops resubscribing once the
     * master has accepted this; call {@link #close()} afterwards.
     */
    public CompletableFuture<Void> teardown() {
        tearingDown = true;
        return send(Calls.teardown()).whenComplete((ok, failure) -> {
            if (failure != null) {
                tearingDown = false;
            } else {
                stopped = true;
                closeQuietly(currentStream);
            }
        });
    }

    /** Stops reading and calling back. Does not tear the framework down. Idempotent. */
    @Override
    public void close() {
        stopped = true;
        stopWatchingLeaders.run();
        session = null;
        watchdog.disarm();
        closeQuietly(currentStream);
        reader.shutdownNow();
        calls.close(); // fails the calls in flight; their answers still complete on `completions`, whose idle thread ends
        events.close();
        stream.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
        if (ownedTimers != null) {
            try {
                ownedTimers.close();
            } catch (Exception e) {
                LOG.debug("closing timers", e);
            }
        }
    }

    // ------------------------------------------------------------------------------------ subscription (reader)

    /** One subscription attempt, run on the reader thread: find the leader, SUBSCRIBE, read until the stream ends. */
    private void subscribe() {
        if (stopped) {
            return;
        }
        URI master;
        try {
            // Locators know hosts and ports (ZooKeeper's MasterInfo has no scheme); TLS is this client's choice.
            master = locator.master(locateTimeout);
            if (tls.isPresent()) {
                master = MasterAddresses.withScheme(master, ClientTls.SCHEME);
            }
        } catch (MasterLocator.MasterNotFoundException e) {
            retryLater(e.getMessage());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        for (int hop = 0; hop <= MAX_REDIRECTS && !stopped; hop++) {
            URI asked = master;
            AtomicBoolean subscribed = new AtomicBoolean();
            RecordStreamAnswer<Event> answer = new RecordStreamAnswer<>(STREAM_ID_HEADER,
                    record -> encoding.decode(record, Event.getDefaultInstance()), streamId -> { },
                    (streamId, event) -> {
                        if (event.getType() == Event.Type.SUBSCRIBED) {
                            subscribed.set(true);
                        }
                        onEvent(asked, streamId, event);
                    });
            StreamingPost post = StreamingPost.open(stream.next(), tls, connectTimeout,
                    MasterAddresses.resolve(master, SCHEDULER_PATH), subscribeHeaders(), subscribeBody(),
                    requestTimeout, answer);
            RecordStreamAnswer.Head head;
            try {
                head = answer.head().get();
            } catch (ExecutionException e) {
                locator.unreachable(master);
                Throwable cause = e.getCause();
                retryLater(tls.flatMap(t -> TlsFailures.describe(cause, asked.getAuthority(), t.trusts()))
                        .orElseGet(() -> "cannot reach the master at " + asked + ": " + describe(cause)));
                return;
            } catch (InterruptedException e) {
                post.close();
                Thread.currentThread().interrupt();
                return;
            }
            int status = head.status();
            if (status == 307) {
                post.close();
                try {
                    URI leader = MasterAddresses.redirectTarget(head.location(), master);
                    locator.redirected(master, leader);
                    LOG.debug("master {} redirected to leader {}", master, leader);
                    master = leader;
                    continue;
                } catch (IllegalArgumentException e) {
                    retryLater("master at " + master + " sent an unusable redirect: " + e.getMessage());
                    return;
                }
            }
            if (status != 200) {
                String body = bodyText(head.body());
                if (status == 503) { // elected and recovering, or its ZooKeeper connection suspended: soon ready
                    retry("master at " + master + " is not ready: " + status + " " + body, backoff.initialDelay());
                } else if (status >= 500) {
                    retryLater("master at " + master + " failed: " + status + " " + body);
                } else {
                    giveUp("SUBSCRIBE refused by the master at " + master + ": " + status + " " + body);
                }
                return;
            }
            if (head.streamId() == null) {
                post.close();
                retryLater("master at " + master + " answered SUBSCRIBE without a " + STREAM_ID_HEADER + " header");
                return;
            }
            readStream(master, post, answer, subscribed);
            return;
        }
        if (!stopped) {
            retryLater("more than " + MAX_REDIRECTS + " redirects; masters disagree about the leader");
        }
    }

    private Map<String, String> subscribeHeaders() {
        Map<String, String> headers = new HashMap<>();
        headers.put("Content-Type", encoding.mediaType());
        headers.put("Accept", encoding.mediaType());
        authorization.ifPresent(value -> headers.put("Authorization", value));
        return headers;
    }

    private byte[] subscribeBody() {
        return encoding.encode(Calls.subscribe(frameworkInfo, frameworkId));
    }

    /** Waits on the reader thread while the stream's events are handled on its I/O thread, until it ends. */
    private void readStream(URI master, StreamingPost post, RecordStreamAnswer<Event> answer,
                            AtomicBoolean subscribed) {
        currentStream = post;
        if (stopped) {
            post.close(); // close() ran before the stream was published
        }
        String reason = "the master closed the event stream";
        try {
            Optional<Throwable> failure = answer.ended().get();
            if (failure.isPresent()) {
                reason = "event stream from " + master + " failed: " + describe(failure.get());
            }
        } catch (InterruptedException e) {
            post.close();
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            reason = "event stream from " + master + " failed: " + describe(e.getCause());
        } finally {
            currentStream = null;
            session = null;
            watchdog.disarm();
        }
        if (stopped || tearingDown) {
            stopped = true;
            return;
        }
        LOG.info("Disconnected from {}: {}", master, reason);
        if (subscribed.get()) {
            // Scheduled before the listener hears of it (tests rely on this); it still hears disconnected() before
            // the next subscribed(), since this thread posts both.
            scheduleResubscribe(reason, backoff.next());
            events.execute(listener::disconnected);
        } else {
            retryLater(reason); // the stream ended before SUBSCRIBED: this attempt failed
        }
    }

    /**
     * Runs for each event before the listener sees it, on the stream's I/O thread while the reader thread waits for
     * the stream to end (so on the reader's behalf: the subscription's state changes here too).
     */
    private void onEvent(URI master, String streamId, Event event) {
        watchdog.eventSeen();
        switch (event.getType()) {
            case SUBSCRIBED -> {
                Event.Subscribed subscribed = event.getSubscribed();
                frameworkId = subscribed.getFrameworkId();
                session = new Session(master, streamId, subscribed.getFrameworkId());
                backoff.reset();
                watchdog.arm(Duration.ofMillis((long) (subscribed.getHeartbeatIntervalSeconds() * 1000)));
                events.execute(() -> listener.subscribed(subscribed.getFrameworkId(), subscribed.getMasterInfo()));
            }
            case OFFERS -> events.execute(() -> listener.offers(event.getOffers().getOffersList()));
            case RESCIND -> events.execute(() -> listener.rescind(event.getRescind().getOfferId()));
            case INVERSE_OFFERS -> events.execute(() -> listener.inverseOffers(
                    event.getInverseOffers().getInverseOffersList()));
            case RESCIND_INVERSE_OFFER -> events.execute(() -> listener.rescindInverseOffer(
                    event.getRescindInverseOffer().getInverseOfferId()));
            case UPDATE -> events.execute(() -> deliverUpdate(event.getUpdate().getStatus()));
            case HEARTBEAT -> events.execute(listener::heartbeat);
            case MESSAGE -> events.execute(() -> listener.message(event.getMessage()));
            case FAILURE -> events.execute(() -> listener.failure(event.getFailure()));
            case ERROR -> giveUp(event.getError().getMessage());
            default -> LOG.debug("ignoring {} event", event.getType());
        }
    }

    private void deliverUpdate(TaskStatus status) {
        listener.update(status);
        if (autoAcknowledge && status.hasUuid() && status.hasAgentId()) {
            // Judged on the calls' I/O thread: nobody else waits on this answer, and only a failure is logged, so
            // waking the answers thread for each of a task's three acknowledgements would be wasted.
            send(Calls.acknowledge(status), Runnable::run).exceptionally(failure -> {
                if (!stopped) { // after close() every call fails: nothing to report
                    LOG.warn("Could not acknowledge {} of task {}: {}", status.getState(),
                            status.getTaskId().getValue(), failure.getMessage());
                }
                return null;
            });
        }
    }

    /** Ends the subscription for good and tells the listener why. */
    private void giveUp(String message) {
        LOG.info("Subscription ended: {}", message);
        stopped = true;
        session = null;
        watchdog.disarm();
        closeQuietly(currentStream);
        events.execute(() -> listener.error(message));
    }

    /** A subscription attempt failed: tell the listener, and try again after the next backoff delay. */
    private void retryLater(String reason) {
        if (!stopped) {
            retry(reason, backoff.next());
        }
    }

    /** Tells the listener of a failed attempt and schedules the next one after {@code delay}, unless stopped. */
    private void retry(String reason, Duration delay) {
        if (scheduleResubscribe(reason, delay)) {
            events.execute(() -> listener.subscribeFailed(reason, delay));
        }
    }

    /** Schedules the next subscription attempt after {@code delay}; false when the client has stopped. */
    private boolean scheduleResubscribe(String reason, Duration delay) {
        if (stopped) {
            return false;
        }
        LOG.debug("Resubscribing in {} ms: {}", delay.toMillis(), reason);
        pendingAttempt = timers.schedule(delay, () -> runOnReader(this::attemptDue));
        return true;
    }

    /** The scheduled attempt is due (reader thread): make it, unless a new leader made it go earlier. */
    private void attemptDue() {
        if (pendingAttempt != null) {
            pendingAttempt = null;
            subscribe();
        }
    }

    /**
     * The locator learned that a master leads (a locator thread). An attempt waiting out its backoff goes now, the
     * backoff started over: after a failover the attempts against the dead master have grown it to seconds, and the
     * new leader is worth asking at once.
     */
    private void leaderNamed() {
        runOnReader(() -> {
            Timers.Cancellable pending = pendingAttempt;
            if (pending == null || stopped) {
                return;
            }
            pending.cancel();
            pendingAttempt = null;
            backoff.reset();
            LOG.info("A leading master is named; subscribing now instead of after the backoff");
            subscribe();
        });
    }

    /** Heartbeat timeout: closing the stream makes the reader's blocked read fail, which leads to a resubscription. */
    private void dropSilentStream() {
        LOG.info("No event for {} heartbeat intervals; dropping the connection", HeartbeatWatchdog.MISSED_HEARTBEATS);
        closeQuietly(currentStream);
    }

    private void runOnReader(Runnable task) {
        try {
            reader.execute(task);
        } catch (RejectedExecutionException closed) {
            LOG.debug("client closed; not resubscribing");
        }
    }

    // ------------------------------------------------------------------------------------------------- helpers

    private static String bodyText(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8).strip();
        if (text.isEmpty()) {
            return "(no message)";
        }
        return text.length() > 500 ? text.substring(0, 500) + "..." : text;
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    private static void closeQuietly(StreamingPost stream) {
        if (stream != null) {
            stream.close();
        }
    }

    /** Options for a {@link SchedulerClient}; only the locator, framework info and listener are required. */
    public static final class Builder {
        private final MasterLocator locator;
        private final FrameworkInfo frameworkInfo;
        private final SchedulerListener listener;
        private Encoding encoding = Encoding.PROTOBUF;
        private boolean autoAcknowledge;
        private Duration locateTimeout = Duration.ofSeconds(10);
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration requestTimeout = Duration.ofSeconds(15);
        private Duration backoffInitial = Backoff.DEFAULT_INITIAL;
        private Duration backoffCap = Backoff.DEFAULT_CAP;
        private Timers timers;
        private Random random = new Random();
        private ClientAuthorization authorization;
        private ClientTls tls;

        private Builder(MasterLocator locator, FrameworkInfo frameworkInfo, SchedulerListener listener) {
            this.locator = Objects.requireNonNull(locator, "locator");
            this.frameworkInfo = Objects.requireNonNull(frameworkInfo, "frameworkInfo");
            this.listener = Objects.requireNonNull(listener, "listener");
            if (!frameworkInfo.hasUser() || !frameworkInfo.hasName()) {
                throw new IllegalArgumentException("FrameworkInfo needs both 'user' and 'name' (Mesos requires them)");
            }
        }

        /** Wire encoding of calls and events; default PROTOBUF. */
        public Builder encoding(Encoding encoding) {
            this.encoding = Objects.requireNonNull(encoding);
            return this;
        }

        /** Acknowledge every update that carries a uuid right after {@code listener.update} returns. Default off. */
        public Builder autoAcknowledge(boolean autoAcknowledge) {
            this.autoAcknowledge = autoAcknowledge;
            return this;
        }

        /** How long one attempt waits for the locator to name a master (ZooKeeper with no leader yet). */
        public Builder locateTimeout(Duration timeout) {
            this.locateTimeout = timeout;
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /** Bound on a call's answer, and on the wait for SUBSCRIBE's response headers. Default 15 s. */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = timeout;
            return this;
        }

        public Builder backoff(Duration initial, Duration cap) {
            this.backoffInitial = initial;
            this.backoffCap = cap;
            return this;
        }

        /** Timers for the heartbeat timeout and resubscription delays; default: the wall clock. */
        public Builder timers(Timers timers) {
            this.timers = timers;
            return this;
        }

        /**
         * Authenticate as this principal (HTTP Basic on every call), as masters demand unless started
         * {@code --insecure}. The FrameworkInfo's principal defaults to it; one naming another principal is refused.
         */
        public Builder credential(Credential credential) {
            return authorization(ClientAuthorization.basic(Objects.requireNonNull(credential, "credential")));
        }

        /**
         * Authenticate with a bearer token a master issued ({@code corral token create}), as the principal it names;
         * or with either kind, as {@link ClientAuthorization} carries them. As for {@link #credential}, the
         * FrameworkInfo's principal defaults to it and one naming another principal is refused.
         */
        public Builder authorization(ClientAuthorization authorization) {
            this.authorization = Objects.requireNonNull(authorization, "authorization");
            if (frameworkInfo.hasPrincipal() && !frameworkInfo.getPrincipal().equals(authorization.principal())) {
                throw new IllegalArgumentException("FrameworkInfo.principal '" + frameworkInfo.getPrincipal()
                        + "' differs from the credential's principal '" + authorization.principal() + "'");
            }
            return this;
        }

        /**
         * Speak HTTPS to every master, checking its certificate (and that it names the host) against {@code tls}:
         * {@link ClientTls#trusting(java.nio.file.Path)} with the cluster's CA bundle, or
         * {@link ClientTls#systemTrust()}. A master address without a scheme, or found in ZooKeeper, becomes
         * {@code https://host:port}.
         */
        public Builder tls(ClientTls tls) {
            this.tls = Objects.requireNonNull(tls, "tls");
            return this;
        }

        /** As {@link #tls(ClientTls)} with an {@link SSLContext} of the caller's own (its trust decides). */
        public Builder tls(SSLContext context) {
            return tls(ClientTls.of(context, "the given SSLContext"));
        }

        /** Source of the backoff jitter. */
        public Builder random(Random random) {
            this.random = random;
            return this;
        }

        public SchedulerClient build() {
            return new SchedulerClient(this);
        }
    }
}
