package io.corral.agent;

import io.corral.protocol.MesosIds;
import io.corral.protocol.http.Encoding;
import io.corral.protocol.http.HttpError;
import io.corral.protocol.http.HttpExchange;
import io.corral.protocol.http.MediaTypes;
import java.util.function.Consumer;
import org.apache.mesos.v1.executor.Protos.Call;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /api/v1/executor}: Mesos's v1 executor API, in JSON and protobuf. This class checks what can be
 * checked without the agent's state (method, media types, the body, the fields each call needs, ids), then hands
 * the call to the {@link Agent} on its loop, whose {@link ExecutorCalls} knows the executors (unknown: 400; not
 * subscribed: 403) and answers (SUBSCRIBE: 200 and a RecordIO event stream; the other calls: 202). As in Mesos there
 * is no stream-id header: an executor is known by its framework and executor ids.
 *
 * <p>Anything malformed gets a 4xx with the reason; nothing an executor sends reaches the agent's state unchecked.
 *
 * <p>Threading: stateless; {@link #handle} runs on the HTTP server's threads and posts to the agent's loop.
 */
final class ExecutorApi {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorApi.class);

    private final Agent agent;
    private final Consumer<Runnable> loop;
    private final ExecutorTokens tokens;

    ExecutorApi(Agent agent, Consumer<Runnable> loop, ExecutorTokens tokens) {
        this.agent = agent;
        this.loop = loop;
        this.tokens = tokens;
    }

    void handle(HttpExchange exchange) {
        try {
            if (!exchange.method().equals("POST")) {
                exchange.respond(405, "text/plain; charset=utf-8",
                        "Expecting a 'POST' request, received '".concat(exchange.method()).concat("'")
                                .getBytes(java.nio.charset.StandardCharsets.UTF_8), java.util.Map.of("Allow", "POST"));
                return;
            }
            Encoding requestEncoding = MediaTypes.requestEncoding(exchange);
            Call call;
            try {
                call = requestEncoding.decode(exchange.body(), Call.getDefaultInstance());
            } catch (IllegalArgumentException e) {
                throw new HttpError(400, "Failed to parse body into Call: " + e.getMessage());
            }
            validate(call);
            if (!tokens.accepts(exchange.header("Authorization"), call.getFrameworkId().getValue(),
                    call.getExecutorId().getValue())) {
                // Checked before the call reaches the loop: a caller without the executor's token learns nothing.
                exchange.respond(401, "text/plain; charset=utf-8", ("Executor API calls need the executor's token:"
                        + " Authorization: Bearer $" + ExecutorTokens.ENVIRONMENT_VARIABLE)
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        java.util.Map.of("WWW-Authenticate", "Bearer realm=\"corral-executor\""));
                return;
            }
            // The answer's encoding matters only for SUBSCRIBE's stream, but Mesos checks Accept on every call.
            Encoding responseEncoding = MediaTypes.responseEncoding(exchange);
            loop.accept(() -> {
                try {
                    agent.executorCall(call, responseEncoding, exchange);
                } catch (HttpError e) {
                    exchange.respondError(e);
                } catch (RuntimeException e) {
                    LOG.error("Executor call {} failed", call.getType(), e);
                    exchange.respondError(e);
                }
            });
        } catch (HttpError e) {
            exchange.respondError(e);
        } catch (RuntimeException e) {
            LOG.warn("Executor call refused: {}", e.toString());
            exchange.respondError(new HttpError(400, String.valueOf(e.getMessage())));
        }
    }

    /** Mesos's {@code validation::executor::call::validate}, plus Corral's id rules (ids become paths). */
    static void validate(Call call) {
        if (!call.hasType() || call.getType() == Call.Type.UNKNOWN) {
            throw new HttpError(400, "Expecting 'type' to be present");
        }
        if (!call.hasFrameworkId()) {
            throw new HttpError(400, "Expecting 'framework_id' to be present");
        }
        if (!call.hasExecutorId()) {
            throw new HttpError(400, "Expecting 'executor_id' to be present");
        }
        String invalid = MesosIds.invalidReason(call.getFrameworkId().getValue());
        if (invalid == null) {
            invalid = MesosIds.invalidReason(call.getExecutorId().getValue());
        }
        if (invalid != null) {
            throw new HttpError(400, "Invalid id: " + invalid);
        }
        switch (call.getType()) {
            case SUBSCRIBE -> {
                if (!call.hasSubscribe()) {
                    throw new HttpError(400, "Expecting 'subscribe' to be present");
                }
            }
            case UPDATE -> {
                if (!call.hasUpdate()) {
                    throw new HttpError(400, "Expecting 'update' to be present");
                }
                var status = call.getUpdate().getStatus();
                if (status.getUuid().size() != 16) {
                    throw new HttpError(400, "Expecting 'uuid' to be present and 16 bytes long");
                }
                if (status.getState() == org.apache.mesos.v1.Protos.TaskState.TASK_STAGING) {
                    throw new HttpError(400, "Received TASK_STAGING from executor");
                }
                if (status.hasExecutorId() && !status.getExecutorId().equals(call.getExecutorId())) {
                    throw new HttpError(400, "ExecutorID in Call: " + call.getExecutorId().getValue()
                            + " does not match ExecutorID in TaskStatus: " + status.getExecutorId().getValue());
                }
                String task = MesosIds.invalidReason(status.getTaskId().getValue());
                if (task != null) {
                    throw new HttpError(400, "Invalid task id: " + task);
                }
            }
            case MESSAGE -> {
                if (!call.hasMessage()) {
                    throw new HttpError(400, "Expecting 'message' to be present");
                }
            }
            case HEARTBEAT -> { }
            default -> throw new HttpError(400, "Unknown call type " + call.getType());
        }
    }
}
