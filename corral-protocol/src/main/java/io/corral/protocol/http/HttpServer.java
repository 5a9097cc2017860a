package io.corral.protocol.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP/1.1 server that masters and agents serve their APIs through (Netty, NIO, keep-alive).
 *
 * <p>Every request is read whole (up to {@link HttpServerOptions#maxRequestBytes()}, else 413) and handed to one
 * {@link HttpHandler}; see {@link HttpExchange} for answering and {@link HttpStream} for event streams. It listens
 * on an IPv4 address, because some Mesos clients bind their side to {@code 0.0.0.0}. Given a
 * {@link HttpServerOptions#tls()}, it speaks HTTPS only ({@link TlsOnly}).
 *
 * <p>Threading: a few Netty I/O threads (2 by default) accept connections and run the handler. {@link #port()} and
 * {@link #close()} may be called from any thread; close() waits for the threads to stop and the port to be released,
 * so don't call it from the handler.
 */
public final class HttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpServer.class);
    private static final int MAX_REQUEST_LINE_BYTES = 8 * 1024;
    private static final int MAX_HEADER_BYTES = 64 * 1024;
    private static final int MAX_CHUNK_BYTES = 64 * 1024;
    /**
     * The handler just below the HTTP codec: {@link HttpStream} writes its chunks, framed already, from there, past
     * the codec's per-message work.
     */
    static final String BELOW_HTTP_CODEC = "flushes";
    /** At most this many flushes are merged into one, so a long burst still reaches the client as it goes. */
    private static final int FLUSHES_MERGED = 64;

    private final EventLoopGroup ioThreads;
    private final Channel listener;
    private final InetSocketAddress address;
    private final AtomicBoolean closed = new AtomicBoolean();

    private final boolean tls;

    private HttpServer(EventLoopGroup ioThreads, Channel listener, boolean tls) {
        this.ioThreads = ioThreads;
        this.listener = listener;
        this.tls = tls;
        this.address = (InetSocketAddress) listener.localAddress();
    }

    /** Starts a server with the default limits; {@code port} 0 picks a free port (see {@link #port()}). */
    public static HttpServer start(String bindHost, int port, HttpHandler handler) {
        return start(bindHost, port, handler, HttpServerOptions.defaults());
    }

    /**
     * Starts a server listening on {@code bindHost} ({@code 0.0.0.0} for all interfaces; a host name is resolved to
     * its IPv4 address) and {@code port} (0 picks a free one).
     *
     * @throws IllegalArgumentException if the host has no IPv4 address or the port is out of range
     * @throws IllegalStateException    if the address cannot be bound (e.g. the port is in use)
     */
    public static HttpServer start(String bindHost, int port, HttpHandler handler, HttpServerOptions options) {
        return start(bindHost, port, handler, options, null);
    }

    /**
     * As {@link #start(String, int, HttpHandler, HttpServerOptions)}, counting each client's connections and event
     * streams against {@code quotas} (null: no limits): a connection over its address's limit is closed at once,
     * one over its principal's limit is refused by {@link Throttle}, a stream over it by
     * {@link HttpExchange#reserveStream()}.
     */
    public static HttpServer start(String bindHost, int port, HttpHandler handler, HttpServerOptions options,
                                   ClientQuotas quotas) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("HTTP port must be within 0..65535, not " + port);
        }
        InetSocketAddress bindAddress = new InetSocketAddress(ipv4AddressOf(bindHost), port);
        EventLoopGroup ioThreads =
                new NioEventLoopGroup(options.ioThreads(), new DefaultThreadFactory("corral-http", true));
        try {
            Channel listener = new ServerBootstrap()
                    .group(ioThreads)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_REUSEADDR, true) // a restarted master gets its port back at once
                    .childOption(ChannelOption.TCP_NODELAY, true) // events must not wait for more data
                    .childHandler(connectionPipeline(handler, options, quotas))
                    .bind(bindAddress)
                    .sync()
                    .channel();
            HttpServer server = new HttpServer(ioThreads, listener, options.tls().isPresent());
            log.info("{} server listening on {}", options.tls().isPresent() ? "HTTPS" : "HTTP", server.address);
            return server;
        } catch (Exception e) {
            ioThreads.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("Cannot listen for HTTP on " + bindAddress + ": " + e.getMessage(), e);
        }
    }

    /** The port the server listens on (the chosen one when started with port 0). */
    public int port() {
        return address.getPort();
    }

    /** {@code https} when the server speaks TLS, else {@code http}. */
    public String scheme() {
        return tls ? "https" : "http";
    }

    /** The address the server listens on. */
    public InetSocketAddress address() {
        return address;
    }

    /** Stops listening, closes every connection (streams see their onClose) and stops the threads. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        listener.close().syncUninterruptibly();
        ioThreads.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        log.info("HTTP server on {} stopped", address);
    }

    private static ChannelInitializer<SocketChannel> connectionPipeline(HttpHandler handler,
            HttpServerOptions options, ClientQuotas quotas) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel channel) {
                addConnectionHandlers(channel.pipeline(), handler, options, quotas);
            }
        };
    }

    /** The handlers of one connection, in order; also what the fuzz test drives without a socket. */
    static void addConnectionHandlers(io.netty.channel.ChannelPipeline pipeline, HttpHandler handler,
            HttpServerOptions options, ClientQuotas quotas) {
        options.tls().ifPresent(tls -> pipeline.addLast("tls", new TlsOnly(tls)));
        // Answers written one by one (pipelined requests, streams' heads) each ask for a flush: flushes asked for
        // while the connection's I/O thread has more queued work are merged into one after it. Event streams batch
        // their chunks themselves, below the codec (HttpStream).
        pipeline.addLast(BELOW_HTTP_CODEC, new FlushConsolidationHandler(FLUSHES_MERGED, true));
        pipeline.addLast("codec", new HttpServerCodec(MAX_REQUEST_LINE_BYTES, MAX_HEADER_BYTES, MAX_CHUNK_BYTES))
                .addLast("aggregator", new RequestAggregator(options.maxRequestBytes()))
                .addLast("connection", new ServerConnection(handler, options.maxPendingStreamBytes(), quotas,
                        options.largeAnswersWait()));
    }

    private static InetAddress ipv4AddressOf(String host) {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("HTTP bind host is empty: give an IPv4 address, a host name or 0.0.0.0");
        }
        try {
            for (InetAddress candidate : InetAddress.getAllByName(host)) {
                if (candidate instanceof Inet4Address) {
                    return candidate;
                }
            }
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("Cannot bind HTTP server to '" + host + "': unknown host", e);
        }
        throw new IllegalArgumentException("Cannot bind HTTP server to '" + host
                + "': it has no IPv4 address; give an IPv4 address or 0.0.0.0");
    }
}
