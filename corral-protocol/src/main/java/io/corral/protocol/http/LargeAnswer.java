package io.corral.protocol.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Writes a large answer (a whole state of 100,000 tasks is 8 MB even compressed) in slices, each only once the one
 * before it is in the socket, and waiting before each slice while {@code wait} says so: the master says so while its
 * loop runs an event. Sending an answer costs the kernel a copy per byte; twenty dashboards reading an 8 MB state in
 * a loop kept both cores of a small master busy copying while its allocation cycle ran. Slices let the loop decide
 * without the master's own copies beside it, and the connections of several readers take turns slice by slice.
 *
 * <p>A slice waits at most {@link #MOST_WAIT_NANOS} for the loop, so readers are slowed, never starved, by a loop that
 * is always busy.
 *
 * <p>Threading: confined to the connection's I/O thread, from {@link #send} on.
 */
final class LargeAnswer {
    /** Answers from this size on are written in slices; smaller ones go out whole. */
    static final int MIN_BYTES = 1024 * 1024;
    /** About 60 microseconds of copying on a small machine: how long the loop may have to share the cores. */
    static final int SLICE_BYTES = 256 * 1024;
    /** How often a waiting slice looks again whether the loop is done. */
    static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** The longest one slice waits for the loop. */
    static final long MOST_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(25);

    private final ChannelHandlerContext ctx;
    private final ByteBuf body;
    private final BooleanSupplier wait;
    private final ChannelFutureListener afterLast;
    private long waitingSinceNanos;

    private LargeAnswer(ChannelHandlerContext ctx, ByteBuf body, BooleanSupplier wait,
                        ChannelFutureListener afterLast) {
        this.ctx = ctx;
        this.body = body;
        this.wait = wait;
        this.afterLast = afterLast;
    }

    /**
     * Writes {@code response} on {@code ctx}'s channel: its status line and headers now, its body in slices. The
     * response's body is released once written (or once the connection fails); {@code afterLast} listens to the last
     * slice's write. The caller writes nothing else on the channel until {@code afterLast} hears.
     */
    static void send(ChannelHandlerContext ctx, FullHttpResponse response, BooleanSupplier wait,
                     ChannelFutureListener afterLast) {
        ctx.write(new DefaultHttpResponse(response.protocolVersion(), response.status(), response.headers()));
        new LargeAnswer(ctx, response.content(), wait, afterLast).next();
    }

    private void next() {
        if (!ctx.channel().isActive()) {
            body.release();
            return;
        }
        long now = System.nanoTime();
        if (waitingSinceNanos == 0) {
            waitingSinceNanos = now;
        }
        if (wait.getAsBoolean() && now - waitingSinceNanos < MOST_WAIT_NANOS) {
            ctx.executor().schedule(this::next, RECHECK_NANOS, TimeUnit.NANOSECONDS);
            return;
        }
        waitingSinceNanos = 0;
        ByteBuf slice = body.readRetainedSlice(Math.min(SLICE_BYTES, body.readableBytes()));
        if (body.isReadable()) {
            ctx.writeAndFlush(new DefaultHttpContent(slice)).addListener((ChannelFuture written) -> {
                if (written.isSuccess()) {
                    next();
                } else { // the connection broke
                    body.release();
                    ctx.close();
                }
            });
        } else {
            body.release();
            ctx.writeAndFlush(new DefaultLastHttpContent(slice)).addListener(afterLast);
        }
    }
}
