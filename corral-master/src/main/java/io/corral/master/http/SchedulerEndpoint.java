package io.corral.master.http;

import com.google.protobuf.InvalidProtocolBufferException;
import io.corral.master.Master;
import io.corral.master.Frameworks;
import io.corral.master.state.Framework;
import io.corral.protocol.http.HttpError;
import io.corral.protocol.http.HttpExchange;
import io.corral.protocol.http.HttpStream;
import io.corral.protocol.http.Encoding;
import io.corral.protocol.http.MediaTypes;
import io.corral.protocol.json.MesosJson;
import io.corral.protocol.json.MesosJsonException;
import io.corral.protocol.security.Acls;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.scheduler.Protos.Call;

/**
 * {@code POST /api/v1/scheduler}: the Mesos v1 scheduler API ({@code docs/mesos-compatibility.md}, "Scheduler API:
 * calls and streams" and "Status codes and errors"). Checks the request in Mesos's order (method, content type,
 * accepted type, body), then hands the call to the master's loop and answers from its result: 200 with a RecordIO
 * stream for SUBSCRIBE, 202 for every other call.
 *
 * <p>Threading: called on HTTP I/O threads; holds no state.
 */
final class SchedulerEndpoint {
    static final String STREAM_ID_HEADER = "Mesos-Stream-Id";
    private final Acls acls;

    SchedulerEndpoint(Acls acls) {
        this.acls = acls;
    }

    void handle(Master master, HttpExchange exchange) {
        try {
            Responses.requirePost(exchange);
            Encoding requestEncoding = MediaTypes.requestEncoding(exchange);
            Encoding responseEncoding = MediaTypes.responseEncoding(exchange);
            Call call = parse(exchange.body(), requestEncoding);
            requireBody(call);
            if (call.getType() == Call.Type.SUBSCRIBE) {
                authorizeRoles(exchange, call);
                subscribe(master, exchange, call, responseEncoding);
            } else {
                String streamId = exchange.header(STREAM_ID_HEADER);
                CompletableFuture<Void> done = master.submit(() -> dispatch(master, call, streamId,
                        exchange.principal())).thenCompose(f -> f);
                // The loop has the call, in the order the framework sent it: a call pipelined behind it on the same
                // connection may begin now (a burst of acknowledgements is read and answered in batches).
                exchange.handedOff();
                // A call that changes the registry (TEARDOWN) is answered once ZooKeeper confirmed it.
                // Mesos answers UPDATE_FRAMEWORK 200, every other call 202.
                Responses.answeredOrFailed(exchange, call.getType() == Call.Type.UPDATE_FRAMEWORK ? 200 : 202, done);
            }
        } catch (HttpError error) {
            exchange.respondText(error.status(), error.getMessage());
        }
    }

    static Call parse(byte[] body, Encoding encoding) {
        try {
            Call call = encoding == Encoding.JSON
                    ? MesosJson.parse(body, Call.getDefaultInstance())
                    : Call.parseFrom(body);
            if (!call.hasType()) {
                throw new HttpError(400, "Failed to validate scheduler::Call: Expecting 'type' to be present"
                        + " (a known call type)");
            }
            return call;
        } catch (MesosJsonException | InvalidProtocolBufferException e) {
            throw new HttpError(400, "Failed to parse body into Call protobuf: " + e.getMessage());
        }
    }

    /** ACL register_frameworks: the principal may subscribe in each role its FrameworkInfo names (Mesos: 403). */
    private void authorizeRoles(HttpExchange exchange, Call call) {
        if (!call.hasSubscribe()) {
            return; // refused as malformed next
        }
        FrameworkInfo info = call.getSubscribe().getFrameworkInfo();
        List<String> roles = info.getRolesCount() > 0 ? info.getRolesList() : List.of(info.getRole());
        String principal = exchange.principal().orElse(null);
        for (String role : roles) {
            if (!acls.permits("register_frameworks", principal, role)) {
                throw new HttpError(403, "Not authorized to subscribe in role '" + role + "' as principal '"
                        + (principal == null ? "" : principal) + "' (ACL register_frameworks)");
            }
        }
    }

    /** Each call type needs its body message, as Mesos's validation demands. */
    private static void requireBody(Call call) {
        boolean present = switch (call.getType()) {
            case SUBSCRIBE -> call.hasSubscribe();
            case ACCEPT -> call.hasAccept();
            case DECLINE -> call.hasDecline();
            case KILL -> call.hasKill();
            case ACKNOWLEDGE -> call.hasAcknowledge();
            case RECONCILE -> call.hasReconcile();
            case SHUTDOWN -> call.hasShutdown();
            case MESSAGE -> call.hasMessage();
            case REQUEST -> call.hasRequest();
            case UPDATE_FRAMEWORK -> call.hasUpdateFramework();
            case ACKNOWLEDGE_OPERATION_STATUS -> call.hasAcknowledgeOperationStatus();
            case RECONCILE_OPERATIONS -> call.hasReconcileOperations();
            case ACCEPT_INVERSE_OFFERS -> call.hasAcceptInverseOffers();
            case DECLINE_INVERSE_OFFERS -> call.hasDeclineInverseOffers();
            default -> true;
        };
        if (!present) {
            String field = call.getType().name().toLowerCase();
            throw new HttpError(400, "Failed to validate scheduler::Call: Expecting '" + field + "' to be present");
        }
    }

    private static void subscribe(Master master, HttpExchange exchange, Call call, Encoding encoding) {
        if (exchange.header(STREAM_ID_HEADER) != null) {
            throw new HttpError(400, "Expecting 'Mesos-Stream-Id' to be not present in a SUBSCRIBE request");
        }
        if (!exchange.reserveStream()) {
            return; // the client has its most event streams open: answered 429, nothing subscribed
        }
        master.submit(() -> master.frameworks().subscribe(call, exchange.principal(), frameworkId -> {
            String streamId = UUID.randomUUID().toString();
            HttpStream stream = exchange.startStream(200, encoding.mediaType(), Map.of(STREAM_ID_HEADER, streamId));
            StreamLinks.Framework link = new StreamLinks.Framework(streamId, stream, encoding);
            stream.onClose(() -> master.execute(() -> master.frameworks().streamClosed(frameworkId, link)));
            return link;
        })).thenCompose(subscribed -> subscribed).exceptionally(failure -> {
            Responses.fail(exchange, failure);
            return null;
        });
    }

    /**
     * Runs the call on the loop, handing it to the domain it concerns; the future completes when its effect is final
     * (at once, but for TEARDOWN and UPDATE_FRAMEWORK, which wait for the registry).
     */
    private static CompletableFuture<Void> dispatch(Master master, Call call, String streamId,
                                                    Optional<String> principal) {
        Frameworks frameworks = master.frameworks();
        Framework framework = frameworks.authorize(call, streamId, principal);
        switch (call.getType()) {
            case TEARDOWN -> {
                return frameworks.teardown(framework);
            }
            case UPDATE_FRAMEWORK -> {
                return frameworks.updateFramework(framework, call.getUpdateFramework());
            }
            case SUPPRESS -> frameworks.suppress(framework, call.getSuppress());
            case REVIVE -> frameworks.revive(framework, call.getRevive());
            case ACCEPT -> master.offers().accept(framework, call.getAccept());
            case DECLINE -> master.offers().decline(framework, call.getDecline().getOfferIdsList(),
                    call.getDecline().getFilters());
            case KILL -> master.tasks().kill(framework, call.getKill());
            case ACKNOWLEDGE -> master.tasks().acknowledge(framework, call.getAcknowledge());
            case RECONCILE -> master.tasks().reconcile(framework, call.getReconcile());
            case SHUTDOWN -> master.executors().shutdown(framework, call.getShutdown());
            case MESSAGE -> master.executors().message(framework, call.getMessage());
            case REQUEST -> { } // Mesos's allocator ignores resource requests too
            case ACKNOWLEDGE_OPERATION_STATUS -> master.operationCalls().acknowledge(framework,
                    call.getAcknowledgeOperationStatus());
            case RECONCILE_OPERATIONS -> master.operationCalls().reconcile(framework, call.getReconcileOperations());
            case ACCEPT_INVERSE_OFFERS -> master.inverseOffers().answer(framework,
                    call.getAcceptInverseOffers().getInverseOfferIdsList(), true);
            case DECLINE_INVERSE_OFFERS -> master.inverseOffers().answer(framework,
                    call.getDeclineInverseOffers().getInverseOfferIdsList(), false);
            default -> throw new HttpError(400, "Call type " + call.getType() + " is not supported by Corral yet");
        }
        return CompletableFuture.completedFuture(null);
    }
}
