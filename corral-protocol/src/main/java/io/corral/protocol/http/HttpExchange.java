package io.corral.protocol.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request and its answer. The request side is immutable. It is answered exactly once, by one of
 * {@link #respond}, {@link #respondText}, {@link #redirect}, {@link #respondError} or {@link #startStream}; a second
 * answer throws {@link IllegalStateException} (except {@link #respondError}, which is a no-op then).
 *
 * <p>Threading: every method may be called from any thread, at any time (answering later, e.g. from a
 * CompletableFuture, is normal). Answers of one connection reach the wire in the order of its requests.
 *
 * <p>Headers are written exactly as given: Content-Type in particular gets no {@code charset} appended, because
 * Mesos clients compare it as a string. Byte arrays passed in are not copied: don't modify them afterwards.
 */
public final class HttpExchange {
    private static final Logger log = LoggerFactory.getLogger(HttpExchange.class);
    static final String TEXT_PLAIN = "text/plain; charset=utf-8";

    private final ReceivedRequest request;
    private final ServerConnection connection;
    private final QueryStringDecoder query;
    private final AtomicBoolean answered = new AtomicBoolean();
    private final AtomicBoolean handedOff = new AtomicBoolean();
    private volatile HttpStream stream;
    /** Who sent the request, once {@link Authentication} checked it; null on open routes and insecure servers. */
    private volatile String principal;
    private volatile boolean byToken;
    /** The stream slot {@link #reserveStream()} took; released by a plain answer or when the connection ends. */
    private volatile ClientQuotas.Lease streamSlot;
    /** Set when the answer must end the connection (a client over its connection limit). */
    private volatile boolean closeAfterAnswer;

    HttpExchange(ReceivedRequest request, ServerConnection connection) {
        this.request = request;
        this.connection = connection;
        this.query = new QueryStringDecoder(request.uri());
    }

    /** The method, upper case as sent ({@code GET}, {@code POST}...). */
    public String method() {
        return request.method();
    }

    /** The request target as sent: path and query, still percent-encoded. */
    public String uri() {
        return request.uri();
    }

    /** The authenticated principal; empty on an open route or a server started with {@code --insecure}. */
    public java.util.Optional<String> principal() {
        return java.util.Optional.ofNullable(principal);
    }

    /** Whether the principal was proven by a bearer token rather than by its secret. */
    public boolean authenticatedByToken() {
        return byToken;
    }

    void authenticatedAs(String principal, boolean byToken) {
        this.principal = principal;
        this.byToken = byToken;
    }

    /**
     * Null when the request target decodes (path and query), else why not: a bad percent-escape such as {@code %zz}
     * or a lone {@code %}, which {@link #path()} and {@link #queryParam} would otherwise throw in a handler as a 500.
     */
    String targetProblem() {
        try {
            query.path();
            query.parameters();
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /** The decoded path, without the query. */
    public String path() {
        return query.path();
    }

    /** The first value of a query parameter, or null when absent. */
    public String queryParam(String name) {
        List<String> values = query.parameters().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** The first value of a header (name case-insensitive), or null when absent. */
    public String header(String name) {
        return request.headers().get(name);
    }

    /** Every value of a header, one per header line, in order; empty when absent. */
    public List<String> headers(String name) {
        return request.headers().getAll(name);
    }

    /** The request body; empty when there is none. */
    public byte[] body() {
        return request.body();
    }

    public InetSocketAddress remoteAddress() {
        return (InetSocketAddress) connection.channel().remoteAddress();
    }

    /** True once an answer was given (or a stream started). */
    public boolean isAnswered() {
        return answered.get();
    }

    /**
     * Whether the client takes gzip ({@code Accept-Encoding}): a complete answer of 1 KiB or more goes out compressed
     * to it. A renderer of a large answer asks, to write it compressed as it goes ({@link ResponseBody#written}).
     */
    public boolean takesGzip() {
        return GzipEncoding.accepted(headers(HttpHeaderNames.ACCEPT_ENCODING.toString()));
    }

    /** Answers with a complete body; {@code contentType} null means no Content-Type header. */
    public void respond(int status, String contentType, byte[] body) {
        respond(status, contentType, body, Map.of());
    }

    /** Answers with a complete body and extra headers (e.g. {@code Mesos-Stream-Id}, {@code Location}). */
    public void respond(int status, String contentType, byte[] body, Map<String, String> extraHeaders) {
        respond(status, contentType, ResponseBody.of(body), extraHeaders);
    }

    /** Answers with a body whose gzip form other answers may share ({@link ResponseBody}). */
    public void respond(int status, String contentType, ResponseBody body) {
        respond(status, contentType, body, Map.of());
    }

    /**
     * The one way a complete answer goes out: gzip-compressed when it is large enough and the client takes gzip
     * ({@link GzipEncoding}), as Mesos answers.
     */
    public void respond(int status, String contentType, ResponseBody body, Map<String, String> extraHeaders) {
        boolean compressible = body.length() >= GzipEncoding.MINIMUM_LENGTH;
        boolean gzip = compressible && takesGzip();
        ByteBuf wire = body.content(gzip);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status(status), wire);
        addHeaders(response.headers(), contentType, extraHeaders); // throws on bad headers, before claiming
        if (compressible) {
            response.headers().set(HttpHeaderNames.VARY, "Accept-Encoding");
        }
        if (gzip) {
            response.headers().set(HttpHeaderNames.CONTENT_ENCODING, HttpHeaderValues.GZIP);
        }
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, wire.readableBytes());
        setConnectionHeader(response.headers());
        claimAnswer();
        ClientQuotas.Lease slot = streamSlot;
        if (slot != null) {
            slot.release(); // reserved for a stream that did not start (a refused SUBSCRIBE, say)
        }
        connection.sendResponse(this, response, keepAlive());
    }

    /** Answers with a plain-text message ({@code text/plain; charset=utf-8}), as Mesos does for errors. */
    public void respondText(int status, String message) {
        respond(status, TEXT_PLAIN, message.getBytes(StandardCharsets.UTF_8));
    }

    /** Answers with an empty body and a {@code Location} header, e.g. 307 to the leading master. */
    public void redirect(int status, String location) {
        respond(status, null, new byte[0], Map.of(HttpHeaderNames.LOCATION.toString(), location));
    }

    /**
     * Answers with a failure if nothing was answered yet: an {@link HttpError} gives its status and message, anything
     * else a 500 with its message. If a stream was started, it is closed instead (its status is already sent).
     */
    public void respondError(Throwable error) {
        HttpStream started = stream;
        if (started != null) {
            log.warn("Closing the stream of {} {} after an error: {}", method(), uri(), error.toString());
            started.close();
            return;
        }
        int status = error instanceof HttpError httpError ? httpError.status() : 500;
        String message = error.getMessage() != null ? error.getMessage() : error.getClass().getName();
        try {
            respondText(status, message);
        } catch (IllegalStateException alreadyAnswered) {
            log.warn("Cannot report an error on {} {}, already answered: {}", method(), uri(), error.toString());
        }
    }

    /**
     * Starts a chunked response: its status line and headers are sent now, before any data. The connection belongs
     * to the stream until {@link HttpStream#close()}, which closes it.
     *
     * @param contentType written exactly as given, e.g. {@code application/json} for a RecordIO event stream
     */
    public HttpStream startStream(int status, String contentType, Map<String, String> extraHeaders) {
        Objects.requireNonNull(contentType, "contentType");
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status(status));
        addHeaders(head.headers(), contentType, extraHeaders);
        head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        if (handedOff.get()) {
            throw new IllegalStateException(method() + " " + uri() + " was handed off: it cannot become a stream");
        }
        claimAnswer();
        ClientQuotas.Client client = connection.client();
        if (streamSlot == null && client != null) {
            // Not reserved by the handler: counted all the same, so the count stays true.
            holdUntilConnectionEnds(connection.quotas().countStream(client));
        }
        HttpStream started = new HttpStream(connection.channel(), connection.maxPendingStreamBytes());
        stream = started;
        connection.sendStreamHead(this, head, started);
        return started;
    }

    /**
     * Says that the handler has passed this request on to what orders it (the master's event loop, which sees the
     * requests of a connection in the order they were handed over) and will only answer it: the connection may begin
     * its next pipelined request now instead of after this answer. Answers are still written in the order of the
     * requests. Call it only for an answer that is not a stream; without it a request holds its connection until it
     * is answered.
     */
    public void handedOff() {
        if (!handedOff.compareAndSet(false, true)) {
            return;
        }
        connection.handedOff(this);
    }

    /**
     * Takes one of the client's event-stream slots for the stream this request is about to open; call it before
     * doing the work a stream follows (a subscription), and don't start the stream when it answers false: the
     * client already has its most streams open, and this exchange has been answered 429. The slot is the stream's
     * until its connection ends (a stream owns its connection), or is given back if the answer is not a stream.
     * Always true on a server without quotas.
     */
    public boolean reserveStream() {
        ClientQuotas quotas = connection.quotas();
        ClientQuotas.Client client = connection.client();
        if (quotas == null || client == null || streamSlot != null) {
            return true;
        }
        java.util.Optional<ClientQuotas.Lease> slot = quotas.openStream(client);
        if (slot.isEmpty()) {
            respond(429, TEXT_PLAIN, ("Too many event streams: " + client + " already has "
                    + quotas.streams(client) + " open (the limit is " + quotas.maxStreams(client)
                    + "); close one first").getBytes(StandardCharsets.UTF_8), Map.of("Retry-After", "5"));
            return false;
        }
        holdUntilConnectionEnds(slot.get());
        return true;
    }

    private void holdUntilConnectionEnds(ClientQuotas.Lease slot) {
        streamSlot = slot;
        connection.channel().closeFuture().addListener(closed -> slot.release());
    }

    /**
     * Counts this request's connection against its principal (or, with none, its address), as
     * {@link ServerConnection#countAgainst}. When that client has its most connections already, answers 429 and
     * closes the connection, and returns false.
     */
    boolean countConnection() {
        if (connection.countAgainst(principal())) {
            return true;
        }
        ClientQuotas.Client client = connection.clientFor(principal());
        closeAfterAnswer = true;
        respond(429, TEXT_PLAIN, ("Too many connections: " + client + " already has "
                + connection.quotas().connections(client) + " open (the limit is "
                + connection.quotas().maxConnections(client) + ")").getBytes(StandardCharsets.UTF_8),
                Map.of("Retry-After", "5"));
        return false;
    }

    /**
     * Runs {@code task} on this connection's I/O thread after {@code delayNanos} (a request waiting for its turn
     * under a rate limit, or for its master to finish recovering). The connection reads nothing more meanwhile, as
     * while any request is being answered. Nothing runs when the server is stopping.
     */
    public void runLater(long delayNanos, Runnable task) {
        try {
            connection.channel().eventLoop().schedule(task, delayNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException serverStopping) {
            log.debug("Not serving {} {}: the server is stopping", method(), uri());
        }
    }

    private boolean keepAlive() {
        return request.keepAlive() && !closeAfterAnswer;
    }

    private void claimAnswer() {
        if (!answered.compareAndSet(false, true)) {
            throw new IllegalStateException(method() + " " + uri() + " was already answered");
        }
    }

    private static HttpResponseStatus status(int code) {
        if (code < 100 || code > 599) {
            throw new IllegalArgumentException("Not an HTTP status code: " + code);
        }
        return HttpResponseStatus.valueOf(code);
    }

    /** Netty validates names and values here, so a header cannot smuggle a CR/LF into the response. */
    private static void addHeaders(HttpHeaders headers, String contentType, Map<String, String> extraHeaders) {
        if (contentType != null) {
            headers.set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        extraHeaders.forEach(headers::set);
    }

    /** HTTP/1.1 keeps connections open unless told otherwise; HTTP/1.0 closes them unless told otherwise. */
    private void setConnectionHeader(HttpHeaders headers) {
        if (!keepAlive()) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (request.version().equals(HttpVersion.HTTP_1_0)) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }
}
