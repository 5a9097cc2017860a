package io.corral.agent;

import io.corral.protocol.agent.AgentCall;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.agent.AgentProtocol;
import io.corral.protocol.concurrent.EventLoop;
import io.corral.protocol.http.Authentication;
import io.corral.protocol.http.Encoding;
import io.corral.protocol.http.InFlightLimit;
import io.corral.protocol.http.KeptAliveClient;
import io.corral.protocol.http.RecordStreamAnswer;
import io.corral.protocol.http.StreamingPost;
import io.corral.protocol.security.Credentials.Credential;
import io.corral.protocol.tls.ClientTls;
import io.corral.protocol.tls.TlsFailures;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.mesos.v1.Protos.AgentID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the agent subscribed to the leading master over the agent protocol ({@code docs/agent-protocol.md}): POST
 * REGISTER to the leader ZooKeeper names, read the event stream, and when it ends (master died, leader changed,
 * nothing heard for three ping intervals) register again, with the agent's id and its tasks, after a random backoff
 * as Mesos agents do (uniform in [0, 1 s * 2^n], at most 1 min), cut short when the leader changes; a master that
 * answers 503 (elected, still recovering) is asked again within a second. It speaks protobuf's wire format, and JSON
 * to a master that refuses it (415: a master older than the agent).
 *
 * <p>A call (UPDATE, PONG, ...) that fails or gets no answer within {@code callTimeout} ends the connection too: the
 * master may no longer hear this agent (it marks an agent it has not heard from for 75 s unreachable), and a fresh
 * registration is how the agent is heard again, with every pending status update resent. Each connection has its own
 * limit of calls in flight, so calls stuck on a broken connection never hold back those of the next one.
 *
 * <p>Threading: one daemon thread ({@code agent-master-link}) registers and waits for each stream's end; the stream's
 * Netty I/O thread ({@code agent-master-stream}) decodes its events and posts them to the agent's {@link EventLoop}.
 * {@link #leaderChanged()} and {@link Connection#send} may be called from any thread; calls are answered on the
 * {@link KeptAliveClient}'s I/O thread.
 */
final class MasterLink implements AutoCloseable {
    /** What the link asks of the agent and tells it; called on the agent's event loop. */
    interface Subscriber {
        /** The REGISTER call to send now: the agent's info and the tasks and executors it has. */
        AgentCall registerCall();

        void connected(MasterChannel connection);

        void disconnected(MasterChannel connection);

        void handle(AgentEvent event, MasterChannel from);
    }

    /** How long a call may wait for the master's answer (the master answers in milliseconds). */
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(MasterLink.class);
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(1);
    private static final Duration BACKOFF_FACTOR = Duration.ofSeconds(1);
    /**
     * After a 503 (the master is elected but still reading the registry, or its ZooKeeper connection is suspended) the
     * agent asks again within this, at random, without growing its backoff: recovery takes a second or a few, and
     * every agent of the cluster is waiting for it to end. A 503 is cheap for the master to answer.
     */
    static final Duration NOT_READY_RETRY = Duration.ofSeconds(1);

    private final Supplier<Optional<String>> leaderAddress;
    private final EventLoop loop;
    private final Subscriber agent;
    private final Duration silenceLimit;
    private final Duration callTimeout;
    /** The {@code Authorization} header every call carries, unless the agent runs {@code --insecure}. */
    private final Optional<String> authorization;
    /** How the masters are spoken to: HTTPS verified against the agent's CA, or plain HTTP. */
    private final Optional<ClientTls> tls;
    /** REGISTER and its event stream ({@link StreamingPost}): the stream's I/O thread decodes the events. */
    private final NioEventLoopGroup streams;
    /** Every other call, on a few kept-alive connections ({@link KeptAliveClient}). */
    private final KeptAliveClient calls;
    private final Random random = new Random();
    private final Object wakeUp = new Object();
    private final java.util.concurrent.ScheduledExecutorService watchdogs =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "agent-master-watchdog");
                t.setDaemon(true);
                return t;
            });
    private final Thread thread;
    private volatile Connection current;
    private volatile boolean closed;
    /** PROTOBUF until a master answers REGISTER 415 (it speaks JSON only); then JSON, which every master speaks. */
    private volatile Encoding encoding = Encoding.PROTOBUF;

    /**
     * @param leaderAddress host:port of the current leader, if known (read from ZooKeeper)
     * @param silenceLimit how long the stream may stay silent before the master is presumed gone
     */
    MasterLink(Supplier<Optional<String>> leaderAddress, EventLoop loop, Subscriber agent, Duration silenceLimit,
               Optional<Credential> credential, Optional<ClientTls> tls) {
        this(leaderAddress, loop, agent, silenceLimit, CALL_TIMEOUT, credential, tls);
    }

    /** @param callTimeout how long a call may wait for its answer before the connection is given up */
    MasterLink(Supplier<Optional<String>> leaderAddress, EventLoop loop, Subscriber agent, Duration silenceLimit,
               Duration callTimeout, Optional<Credential> credential, Optional<ClientTls> tls) {
        this.callTimeout = callTimeout;
        this.authorization = credential.map(Authentication::basicHeader);
        this.tls = tls;
        this.streams = new NioEventLoopGroup(1, new DefaultThreadFactory("agent-master-stream", true));
        // More connections than one connection's calls in flight: an ended connection's calls, waiting for their
        // answers, never hold back those of the next one to the same master.
        this.calls = new KeptAliveClient("agent-master-calls", tls, CONNECT_TIMEOUT, 64);
        this.leaderAddress = leaderAddress;
        this.loop = loop;
        this.agent = agent;
        this.silenceLimit = silenceLimit;
        this.thread = new Thread(this::run, "agent-master-link");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** ZooKeeper named another leader: drop the current stream (if it is to another master) and connect anew. */
    void leaderChanged() {
        Connection connection = current;
        Optional<String> leader = leaderAddress.get();
        if (connection != null && !leader.equals(Optional.of(connection.address))) {
            connection.abort();
        }
        synchronized (wakeUp) {
            wakeUp.notifyAll();
        }
    }

    private void run() {
        int failures = 0;
        String lastTried = null;
        while (!closed) {
            Optional<String> leader = leaderAddress.get();
            if (leader.isEmpty()) {
                pause(Duration.ofSeconds(1));
                continue;
            }
            if (!leader.get().equals(lastTried)) {
                // A new leader starts the backoff over: failures against the dead one (refused connects, its 503s
                // while it stepped down) must not make the agent wait up to a minute before trying the new one
                // while it recovers.
                failures = 0;
                lastTried = leader.get();
            }
            Connection connection = new Connection(leader.get());
            current = connection;
            boolean registered = connection.run();
            loop.execute(() -> agent.disconnected(connection));
            current = null;
            if (connection.masterNotReady) {
                pause(Duration.ofMillis((long) (random.nextDouble() * NOT_READY_RETRY.toMillis())));
                continue;
            }
            failures = registered ? 0 : failures + 1;
            if (!closed) {
                pause(backoff(failures));
            }
        }
    }

    private Duration backoff(int failures) {
        long capMillis = Math.min(MAX_BACKOFF.toMillis(), BACKOFF_FACTOR.toMillis() << Math.min(failures, 10));
        return Duration.ofMillis((long) (random.nextDouble() * capMillis));
    }

    /** Waits up to {@code duration}, or less when the leader changes or the link closes. */
    private void pause(Duration duration) {
        synchronized (wakeUp) {
            try {
                wakeUp.wait(Math.max(1, duration.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                closed = true;
            }
        }
    }

    /**
     * Tells the master that this agent is stopping and leaves its tasks running for its next start (RESTARTING), so
     * that the end of its ZooKeeper presence does not make the master report them lost. Waits at most {@code timeout}
     * for the answer; false when the master was not told (no connection, refused, too slow): the agent stops anyway.
     */
    boolean announceRestart(Duration timeout) {
        Connection connection = current;
        if (connection == null || !connection.isRegistered()) {
            return false;
        }
        try {
            return connection.call(AgentCall.restarting(connection.agentId))
                    .get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS) == 202;
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        closed = true;
        watchdogs.shutdownNow();
        calls.close();
        Connection connection = current;
        if (connection != null) {
            connection.abort(); // before its I/O thread stops, so the close reaches the stream
        }
        streams.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        synchronized (wakeUp) {
            wakeUp.notifyAll();
        }
    }

    /** One subscription to one master: from REGISTER until its stream ends. */
    final class Connection implements MasterChannel {
        final String address;
        private volatile String streamId;
        private volatile AgentID agentId;
        private volatile StreamingPost stream;
        private volatile long lastHeardNanos = System.nanoTime();
        private volatile boolean aborted;
        /** The master answered REGISTER with 503: it leads but is not ready yet ({@link #NOT_READY_RETRY}). */
        private volatile boolean masterNotReady;
        /** Calls to the master sent at once; the rest queue here (see {@link InFlightLimit}). */
        private final InFlightLimit callsInFlight = new InFlightLimit(16);

        Connection(String address) {
            this.address = address;
        }

        /** Registers and reads events until the stream ends; returns whether registration succeeded. */
        boolean run() {
            try {
                AgentCall register = loop.submit(agent::registerCall).get(10, TimeUnit.SECONDS);
                Encoding speaks = encoding;
                RecordStreamAnswer<AgentEvent> answer = new RecordStreamAnswer<>(AgentProtocol.STREAM_ID_HEADER,
                        bytes -> AgentProtocol.decodeEvent(bytes, speaks), this::streamStarts, (id, event) -> {
                            lastHeardNanos = System.nanoTime();
                            loop.execute(() -> agent.handle(event, this));
                        });
                // The head may take as long as the master's registry write: bounded by the silence limit, as the
                // stream is.
                stream = StreamingPost.open(streams.next(), tls, CONNECT_TIMEOUT, uri(), requestHeaders(false, speaks),
                        AgentProtocol.encode(register, speaks), silenceLimit, answer);
                if (aborted) {
                    // Given up while the request was on its way (the leader vanished from ZooKeeper for a moment, the
                    // link closed): abort() found no stream to close, so close it here, or this connection would read
                    // events while every call it sends is dropped as sent on an ended connection.
                    stream.close();
                }
                RecordStreamAnswer.Head head = answer.head().get();
                if (head.status() != 200 || head.streamId() == null) {
                    refused(head, speaks);
                    return false;
                }
                return readEvents(answer);
            } catch (Exception e) {
                Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null
                        ? e.getCause() : e;
                if (!aborted && !closed) {
                    // A refused certificate is a configuration error an operator must see, not a routine reconnect.
                    tls.flatMap(t -> TlsFailures.describe(cause, address, t.trusts())).ifPresentOrElse(
                            why -> LOG.warn("Cannot register with the master: {}", why),
                            () -> LOG.info("Connection to master at {} ended: {}", address, cause.toString()));
                }
                return agentId != null;
            } finally {
                abort();
            }
        }

        /** On the stream's I/O thread, before its first event: the agent hears of the connection first. */
        private void streamStarts(String id) {
            streamId = id;
            loop.execute(() -> agent.connected(this));
        }

        private void refused(RecordStreamAnswer.Head head, Encoding spoken) {
            String reason = new String(head.body(), StandardCharsets.UTF_8);
            if (head.status() == 415 && spoken == Encoding.PROTOBUF) {
                encoding = Encoding.JSON;
                masterNotReady = true; // ask again soon, in JSON
                LOG.info("Master at {} does not take protobuf ({}): speaking JSON to it", address, reason);
            } else if (head.status() == 503) {
                masterNotReady = true;
                LOG.info("Master at {} is not ready ({}); registering again within {}", address, reason,
                        NOT_READY_RETRY);
            } else if (head.status() == 200) {
                LOG.warn("Master at {} answered REGISTER without a {} header", address, AgentProtocol.STREAM_ID_HEADER);
            } else {
                LOG.warn("Master at {} refused registration: {} {}", address, head.status(), reason);
            }
        }

        /**
         * Waits while the stream's I/O thread posts its events to the agent's loop, until it ends; true, as
         * registration succeeded. A broken stream is logged as the end of the connection.
         */
        private boolean readEvents(RecordStreamAnswer<AgentEvent> answer) throws Exception {
            java.util.concurrent.ScheduledFuture<?> watchdog = startWatchdog();
            try {
                Optional<Throwable> failure = answer.ended().get();
                if (failure.isPresent() && !aborted && !closed) {
                    LOG.info("Connection to master at {} ended: {}", address, failure.get().toString());
                }
                return true;
            } finally {
                watchdog.cancel(false);
            }
        }

        /** Aborts the stream when the master has been silent too long (it pings every ping interval). */
        private java.util.concurrent.ScheduledFuture<?> startWatchdog() {
            return watchdogs.scheduleWithFixedDelay(() -> {
                if (System.nanoTime() - lastHeardNanos > silenceLimit.toNanos()) {
                    LOG.warn("Master at {} silent for {}; reconnecting", address, silenceLimit);
                    abort();
                }
            }, 1, 1, TimeUnit.SECONDS);
        }

        @Override
        public void registered(AgentID id) {
            agentId = id;
        }

        @Override
        public boolean isRegistered() {
            return agentId != null && !aborted;
        }

        /** Sends a call on this connection; failures are logged (updates are retried by {@link StatusUpdates}). */
        @Override
        public void send(AgentCall call) {
            call(call);
        }

        /**
         * Sends a call; the answer's status, or 0 when the call never reached the master or its answer never came. A
         * call that fails so, on a connection the master accepted, ends the connection (see the class comment).
         */
        java.util.concurrent.CompletableFuture<Integer> call(AgentCall call) {
            Encoding speaks = encoding;
            return callsInFlight.submit(() -> aborted
                            ? java.util.concurrent.CompletableFuture.<KeptAliveClient.Answer>failedFuture(
                                    new IOException("connection to the master ended"))
                            : calls.post(uri(), requestHeaders(true, speaks), AgentProtocol.encode(call, speaks),
                                    callTimeout))
                    .handle((answer, failure) -> {
                        if (failure != null) {
                            lost(call, failure);
                            return 0;
                        }
                        if (answer.status() != 202) {
                            LOG.warn("{} refused by master at {}: {} {}", call.type(), address, answer.status(),
                                    new String(answer.body(), StandardCharsets.UTF_8));
                        }
                        return answer.status();
                    });
        }

        /** A call failed or went unanswered: unless the connection already ended, register anew. */
        private void lost(AgentCall call, Throwable failure) {
            if (aborted || agentId == null) {
                return;
            }
            Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            LOG.warn("{} to the master at {} got no answer ({}); registering again", call.type(), address,
                    cause.toString());
            abort();
        }

        private URI uri() {
            return URI.create(ClientTls.scheme(tls) + "://" + address + AgentProtocol.PATH);
        }

        /** {@code speaks} both ways, the agent's credential, and (for calls) the stream they belong to. */
        private Map<String, String> requestHeaders(boolean onStream, Encoding speaks) {
            Map<String, String> headers = new HashMap<>();
            headers.put("Content-Type", speaks.mediaType());
            headers.put("Accept", speaks.mediaType());
            String id = streamId;
            if (onStream && id != null) { // a call goes only once the stream started: never null then
                headers.put(AgentProtocol.STREAM_ID_HEADER, id);
            }
            authorization.ifPresent(header -> headers.put("Authorization", header));
            return headers;
        }

        /**
         * Ends the connection from any thread. {@code aborted} is written before {@code stream} is read, and
         * {@link #run} writes {@code stream} before it reads {@code aborted} (both volatile): whichever comes second
         * closes it.
         */
        void abort() {
            aborted = true;
            StreamingPost open = stream;
            if (open != null) {
                open.close();
            }
        }
    }
}
