package io.corral.master.http;

import io.corral.master.Master;
import io.corral.master.state.Agent;
import io.corral.protocol.agent.AgentCall;
import io.corral.protocol.agent.AgentProtocol;
import io.corral.protocol.http.HttpError;
import io.corral.protocol.http.HttpExchange;
import io.corral.protocol.security.Acls;
import io.corral.protocol.http.HttpStream;
import io.corral.protocol.http.Encoding;
import io.corral.protocol.http.MediaTypes;
import java.util.Map;
import java.util.UUID;

/**
 * {@code POST /api/v1/corral/agent}: the agent protocol ({@code docs/architecture.md}, "Protocols";
 * {@code docs/agent-protocol.md}). REGISTER opens the agent's event stream; the other calls are answered 202. Calls
 * come in JSON or protobuf ({@code Content-Type}); the stream's events go in what REGISTER's {@code Accept} asked.
 *
 * <p>Threading: called on HTTP I/O threads; holds no state.
 */
final class AgentEndpoint {
    private final Acls acls;

    AgentEndpoint(Acls acls) {
        this.acls = acls;
    }

    void handle(Master master, HttpExchange exchange) {
        try {
            Responses.requirePost(exchange);
            // Only principals the ACLs let register agents speak for agents: anyone else could report a real
            // agent's tasks lost, or take its place.
            if (!acls.permits("register_agents", exchange.principal().orElse(null), null)) {
                throw new HttpError(403, "Principal '" + exchange.principal().orElse("") + "' is not authorized"
                        + " to register agents (ACL register_agents)");
            }
            AgentCall call = parse(exchange.body(), MediaTypes.requestEncoding(exchange));
            if (call.type() == AgentCall.Type.REGISTER) {
                register(master, exchange, call, MediaTypes.responseEncoding(exchange));
                return;
            }
            String streamId = exchange.header(AgentProtocol.STREAM_ID_HEADER);
            java.util.concurrent.CompletableFuture<Void> done = master.submit(() -> {
                Agent agent = master.agents().authorize(call.agentId(), streamId);
                master.agents().heard(agent);
                switch (call.type()) {
                    case UPDATE -> master.agents().update(agent, call.update());
                    case UPDATES -> master.agents().updates(agent, call.updates());
                    case EXECUTOR_EXITED -> master.executors().exited(agent, call.executorExited());
                    case MESSAGE -> master.executors().fromExecutor(agent, call.message());
                    case RESTARTING -> master.agents().restarting(agent);
                    default -> { } // PONG: heard
                }
                return null;
            });
            exchange.handedOff(); // the loop has the call in order: the next one pipelined may begin
            Responses.acceptedOrFailed(exchange, done);
        } catch (HttpError error) {
            exchange.respondText(error.status(), error.getMessage());
        }
    }

    private static AgentCall parse(byte[] body, Encoding encoding) {
        try {
            AgentCall call = AgentProtocol.decodeCall(body, encoding);
            if (call.type() == null) {
                throw new HttpError(400, "Expecting 'type' to be present (REGISTER, UPDATE, UPDATES, PONG, EXECUTOR_EXITED, MESSAGE or RESTARTING)");
            }
            return call;
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, "Failed to parse agent call: " + e.getMessage());
        }
    }

    /** Opens the agent's event stream, its events in {@code events} (what its {@code Accept} asked for). */
    private static void register(Master master, HttpExchange exchange, AgentCall call, Encoding events) {
        if (!exchange.reserveStream()) {
            return; // the client has its most event streams open: answered 429, nothing subscribed
        }
        master.submit(() -> master.agents().register(call.register(), agentId -> {
            String streamId = UUID.randomUUID().toString();
            HttpStream stream = exchange.startStream(200, events.mediaType(),
                    Map.of(AgentProtocol.STREAM_ID_HEADER, streamId));
            StreamLinks.Agent link = new StreamLinks.Agent(streamId, stream, events);
            stream.onClose(() -> master.execute(() -> master.agents().streamClosed(agentId, link)));
            return link;
        })).thenCompose(registered -> registered).exceptionally(failure -> {
            Responses.fail(exchange, failure);
            return null;
        });
    }
}
