package io.corral.protocol.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;

/**
 * Netty's request aggregator, but a too-large request gets a 413 that says what the limit is (Netty's own 413 has
 * no body). The 413 travels up the pipeline as a rejected {@link ReceivedRequest}, so that it is answered in order
 * with the other requests of its connection. One instance per connection (Netty aggregators keep state).
 */
final class RequestAggregator extends HttpObjectAggregator {
    private final int maxRequestBytes;

    RequestAggregator(int maxRequestBytes) {
        super(maxRequestBytes);
        this.maxRequestBytes = maxRequestBytes;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        if (!(oversized instanceof HttpRequest request)) {
            ctx.close();
            return;
        }
        // A FullHttpMessage here means part of the body was already aggregated: the rest of it cannot be skipped
        // reliably, so the connection closes after the answer. Otherwise Netty discards the body as it arrives.
        boolean keepAlive = !(oversized instanceof FullHttpMessage) && HttpUtil.isKeepAlive(oversized);
        ctx.fireChannelRead(ReceivedRequest.rejected(request, tooLarge(), keepAlive));
    }

    /** Answers {@code Expect: 100-continue} for a too-large body with our 413 instead of Netty's empty one. */
    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        Object response = super.newContinueResponse(start, maxContentLength, pipeline);
        if (response instanceof HttpResponse netty
                && netty.status().code() == HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE.code()) {
            ReferenceCountUtil.release(response);
            byte[] body = tooLarge().getMessage().getBytes(StandardCharsets.UTF_8);
            DefaultFullHttpResponse ours = new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, Unpooled.wrappedBuffer(body));
            ours.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpExchange.TEXT_PLAIN);
            ours.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
            return ours;
        }
        return response;
    }

    private HttpError tooLarge() {
        return new HttpError(413, "Request body is larger than the limit of " + maxRequestBytes + " bytes");
    }
}
