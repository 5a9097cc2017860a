package io.corral.master.http;

import io.corral.master.LoggingLevels;
import io.corral.master.Master;
import io.corral.master.MasterView;
import io.corral.master.OperatorResponses;
import io.corral.master.ViewApprover;
import io.corral.master.VisibleView;
import io.corral.protocol.http.Encoding;
import io.corral.protocol.http.HttpError;
import io.corral.protocol.http.HttpExchange;
import io.corral.protocol.http.ResponseBody;
import io.corral.protocol.http.HttpStream;
import io.corral.protocol.http.MediaTypes;
import io.corral.protocol.security.Acls;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.mesos.v1.Protos.VersionInfo;
import org.apache.mesos.v1.master.Protos.Call;
import org.apache.mesos.v1.master.Protos.Response;

/**
 * {@code POST /api/v1}: the Mesos v1 operator API ({@code docs/mesos-compatibility.md}, "Operator API"). Checks the
 * request in Mesos's order (method, content type, accepted type, body), then answers a {@code GET_*} call with 200 and
 * one {@link Response} in the requested encoding (not RecordIO), built from the master's published view on a reader
 * thread and cut to what the caller's principal may see ({@link ViewApprover}, {@link VisibleView}: Mesos's view
 * ACLs); TEARDOWN answers 200 with an empty body once the removal is durable.
 *
 * SUBSCRIBE opens the event stream ({@link Master#subscribeOperator}); UPDATE_WEIGHTS and UPDATE_QUOTA answer 200
 * once durable ({@link io.corral.master.RoleCalls}), as do the maintenance calls ({@link io.corral.master.Maintenance})
 * and DRAIN_AGENT, DEACTIVATE_AGENT, REACTIVATE_AGENT and MARK_AGENT_GONE ({@link io.corral.master.AgentModes});
 * RESERVE_RESOURCES, UNRESERVE_RESOURCES, CREATE_VOLUMES, DESTROY_VOLUMES, GROW_VOLUME and SHRINK_VOLUME answer 202
 * once durable ({@link io.corral.master.ReservationCalls}). GET_LOGGING_LEVEL and SET_LOGGING_LEVEL read and set the
 * {@code io.corral} logger's level ({@link LoggingLevels}); SET answers 200 with an empty body, and the level reverts
 * after the call's duration on the master's timers. Calls for what Corral has not built yet answer 400 and say so.
 *
 * <p>Threading: called on HTTP I/O threads; holds no state but {@link SharedReads}' rounds (thread-safe); answers are
 * built on {@code readers}.
 */
final class OperatorEndpoint {
    /** Calls Mesos answers 202 Accepted once applied, rather than 200. */
    private static final java.util.Set<Call.Type> ANSWERED_202 = java.util.EnumSet.of(Call.Type.RESERVE_RESOURCES,
            Call.Type.UNRESERVE_RESOURCES, Call.Type.CREATE_VOLUMES, Call.Type.DESTROY_VOLUMES, Call.Type.GROW_VOLUME,
            Call.Type.SHRINK_VOLUME);
    /**
     * Reads of the whole state or a large part of it, which readers polling at once share ({@link SharedReads}); their
     * calls carry no parameters, so the call type, the encoding and the principal say everything they answer.
     */
    private static final java.util.Set<Call.Type> SHARED_READS = java.util.EnumSet.of(Call.Type.GET_STATE,
            Call.Type.GET_AGENTS, Call.Type.GET_FRAMEWORKS, Call.Type.GET_TASKS, Call.Type.GET_EXECUTORS);
    private final SharedReads<ResponseBody> sharedReads = new SharedReads<>();
    /** The last {@code GET_STATE} answers in JSON, given again while the state they show is the same. */
    private final KeptAnswer states;
    private final Executor readers;
    private final Supplier<Map<String, String>> flags;
    private final VersionInfo version;
    private final Function<Duration, CompletableFuture<Map<String, Number>>> metrics;
    /** Empty when the process does not log through logback: the logging calls then answer 400. */
    private final Optional<LoggingLevels> logging;

    /** Who may change what (ACLs), checked before a call reaches the loop ({@link OperatorAuthorization}). */
    private final Acls acls;

    OperatorEndpoint(Executor readers, Supplier<Map<String, String>> flags, VersionInfo version,
                     Function<Duration, CompletableFuture<Map<String, Number>>> metrics,
                     Optional<LoggingLevels> logging, Acls acls) {
        this.acls = acls;
        this.readers = readers;
        this.states = new KeptAnswer(readers);
        this.flags = flags;
        this.version = version;
        this.metrics = metrics;
        this.logging = logging;
    }

    void handle(Master master, HttpExchange exchange) {
        try {
            Responses.requirePost(exchange);
            Encoding requestEncoding = MediaTypes.requestEncoding(exchange);
            Encoding responseEncoding = MediaTypes.responseEncoding(exchange);
            Call call = parse(exchange.body(), requestEncoding);
            OperatorAuthorization.authorize(acls, exchange.principal(), call);
            ViewApprover approver = ViewApprover.of(acls, exchange.principal());
            if (call.getType() == Call.Type.SUBSCRIBE) {
                subscribe(master, exchange, responseEncoding, approver);
                return;
            }
            if (SHARED_READS.contains(call.getType())) {
                sharedRead(master, call, exchange, approver, responseEncoding);
                return;
            }
            answer(master, call, exchange.principal(), approver).whenComplete((response, failure) -> {
                if (failure != null) {
                    Responses.fail(exchange, failure);
                } else if (response == null) {
                    exchange.respond(ANSWERED_202.contains(call.getType()) ? 202 : 200, null, new byte[0]);
                } else {
                    exchange.respond(200, responseEncoding.mediaType(), responseEncoding.encode(response));
                }
            });
        } catch (HttpError error) {
            exchange.respondText(error.status(), error.getMessage());
        }
    }

    /**
     * SUBSCRIBE: a 200 RecordIO stream in the requested encoding, opened on the loop together with the subscription,
     * so the first record is SUBSCRIBED with the state as of then and every later change follows it; both show only
     * what {@code approver} lets the subscriber see.
     */
    private static void subscribe(Master master, HttpExchange exchange, Encoding encoding, ViewApprover approver) {
        if (!exchange.reserveStream()) {
            return; // the client has its most event streams open: answered 429, nothing subscribed
        }
        master.submit(() -> {
            HttpStream stream = exchange.startStream(200, encoding.mediaType(), Map.of());
            master.subscribeOperator(new StreamLinks.Operator(stream, encoding), approver);
            return null;
        }).exceptionally(failure -> {
            Responses.fail(exchange, failure);
            return null;
        });
    }

    private static Call parse(byte[] body, Encoding encoding) {
        Call call;
        try {
            call = encoding.decode(body, Call.getDefaultInstance());
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, "Failed to parse body into Call protobuf: " + e.getMessage());
        }
        if (!call.hasType() || call.getType() == Call.Type.UNKNOWN) {
            throw new HttpError(400, "Failed to validate master::Call: Expecting 'type' to be present");
        }
        boolean bodyMissing = switch (call.getType()) {
            case TEARDOWN -> !call.hasTeardown();
            case UPDATE_WEIGHTS -> !call.hasUpdateWeights();
            case UPDATE_QUOTA -> !call.hasUpdateQuota();
            case RESERVE_RESOURCES -> !call.hasReserveResources();
            case UNRESERVE_RESOURCES -> !call.hasUnreserveResources();
            case CREATE_VOLUMES -> !call.hasCreateVolumes();
            case DESTROY_VOLUMES -> !call.hasDestroyVolumes();
            case GROW_VOLUME -> !call.hasGrowVolume();
            case SHRINK_VOLUME -> !call.hasShrinkVolume();
            case SET_LOGGING_LEVEL -> !call.hasSetLoggingLevel();
            case UPDATE_MAINTENANCE_SCHEDULE -> !call.hasUpdateMaintenanceSchedule();
            case START_MAINTENANCE -> !call.hasStartMaintenance();
            case STOP_MAINTENANCE -> !call.hasStopMaintenance();
            case DRAIN_AGENT -> !call.hasDrainAgent();
            case DEACTIVATE_AGENT -> !call.hasDeactivateAgent();
            case REACTIVATE_AGENT -> !call.hasReactivateAgent();
            case MARK_AGENT_GONE -> !call.hasMarkAgentGone();
            default -> false;
        };
        if (bodyMissing) {
            throw new HttpError(400, "Failed to validate master::Call: Expecting '"
                    + call.getType().name().toLowerCase(java.util.Locale.ROOT) + "' to be present");
        }
        return call;
    }

    /** The answer to {@code call}: a Response, or null for a call answered with an empty 200. */
    private CompletableFuture<Response> answer(Master master, Call call, Optional<String> principal,
                                               ViewApprover approver) {
        switch (call.getType()) {
            case GET_HEALTH:
                return CompletableFuture.completedFuture(OperatorResponses.health());
            case GET_FLAGS:
                return CompletableFuture.supplyAsync(() -> OperatorResponses.flags(flags.get()), readers);
            case GET_VERSION:
                return CompletableFuture.completedFuture(OperatorResponses.version(version));
            case GET_METRICS:
                return metrics.apply(timeout(call)).thenApply(OperatorResponses::metrics);
            case GET_LOGGING_LEVEL:
                return CompletableFuture.completedFuture(OperatorResponses.loggingLevel(logging(call).verbosity()));
            case SET_LOGGING_LEVEL:
                return setLoggingLevel(master, call);
            case GET_STATE:
                return visible(master, approver, OperatorResponses::state);
            case GET_AGENTS:
                return visible(master, approver, OperatorResponses::agents);
            case GET_FRAMEWORKS:
                return visible(master, approver, OperatorResponses::frameworks);
            case GET_TASKS:
                return visible(master, approver, OperatorResponses::tasks);
            case GET_ROLES:
                return fromView(master, view -> OperatorResponses.roles(view, approver));
            case GET_MASTER:
                return fromView(master, OperatorResponses::master);
            case GET_EXECUTORS:
                return visible(master, approver, OperatorResponses::executors);
            case GET_WEIGHTS:
                return fromView(master, view -> OperatorResponses.weights(view, approver));
            case GET_QUOTA:
                return fromView(master, view -> OperatorResponses.quota(view, approver));
            case UPDATE_WEIGHTS:
                return onLoop(master, () -> master.roleCalls().updateWeights(
                        call.getUpdateWeights().getWeightInfosList()));
            case UPDATE_QUOTA:
                return onLoop(master, () -> master.roleCalls().updateQuota(call.getUpdateQuota().getForce(),
                        call.getUpdateQuota().getQuotaConfigsList()));
            case RESERVE_RESOURCES:
                return onLoop(master, () -> master.reservationCalls().reserve(
                        call.getReserveResources().getAgentId(), call.getReserveResources().getSourceList(),
                        call.getReserveResources().getResourcesList()));
            case UNRESERVE_RESOURCES:
                return onLoop(master, () -> master.reservationCalls().unreserve(
                        call.getUnreserveResources().getAgentId(), call.getUnreserveResources().getResourcesList()));
            case CREATE_VOLUMES:
                return onLoop(master, () -> master.reservationCalls().createVolumes(
                        call.getCreateVolumes().getAgentId(), call.getCreateVolumes().getVolumesList()));
            case DESTROY_VOLUMES:
                return onLoop(master, () -> master.reservationCalls().destroyVolumes(
                        call.getDestroyVolumes().getAgentId(), call.getDestroyVolumes().getVolumesList()));
            case GROW_VOLUME:
                return onLoop(master, () -> master.reservationCalls().growVolume(call.getGrowVolume().getAgentId(),
                        call.getGrowVolume().getVolume(), call.getGrowVolume().getAddition()));
            case SHRINK_VOLUME:
                return onLoop(master, () -> master.reservationCalls().shrinkVolume(
                        call.getShrinkVolume().getAgentId(), call.getShrinkVolume().getVolume(),
                        call.getShrinkVolume().getSubtract().getValue()));
            case GET_MAINTENANCE_STATUS:
                return fromView(master, OperatorResponses::maintenanceStatus);
            case GET_MAINTENANCE_SCHEDULE:
                return fromView(master, OperatorResponses::maintenanceSchedule);
            case UPDATE_MAINTENANCE_SCHEDULE:
                return onLoop(master, () -> master.maintenance().updateSchedule(
                        call.getUpdateMaintenanceSchedule().getSchedule()));
            case START_MAINTENANCE:
                return onLoop(master, () -> master.maintenance().startMaintenance(
                        call.getStartMaintenance().getMachinesList()));
            case STOP_MAINTENANCE:
                return onLoop(master, () -> master.maintenance().stopMaintenance(
                        call.getStopMaintenance().getMachinesList()));
            case DRAIN_AGENT: {
                Call.DrainAgent drain = call.getDrainAgent();
                return onLoop(master, () -> master.agentModes().drain(drain.getAgentId(),
                        drain.hasMaxGracePeriod() ? java.util.Optional.of(drain.getMaxGracePeriod())
                                : java.util.Optional.empty(), drain.getMarkGone()));
            }
            case DEACTIVATE_AGENT:
                return onLoop(master, () -> master.agentModes().deactivate(call.getDeactivateAgent().getAgentId()));
            case REACTIVATE_AGENT:
                return onLoop(master, () -> master.agentModes().reactivate(call.getReactivateAgent().getAgentId()));
            case MARK_AGENT_GONE:
                return onLoop(master, () -> master.agentModes().markGone(call.getMarkAgentGone().getAgentId()));
            case TEARDOWN:
                return onLoop(master, () -> master.frameworks().teardownByOperator(
                        call.getTeardown().getFrameworkId(), principal));
            default:
                throw new HttpError(400, "Operator call " + call.getType() + " is not supported by Corral yet");
        }
    }

    /**
     * SET_LOGGING_LEVEL, checked here (both fields present, a duration from 0 to {@link LoggingLevels#MAX_DURATION})
     * and applied on the loop, whose timers revert it; answered with an empty 200.
     */
    private CompletableFuture<Response> setLoggingLevel(Master master, Call call) {
        LoggingLevels levels = logging(call);
        Call.SetLoggingLevel set = call.getSetLoggingLevel();
        if (!set.hasLevel()) {
            throw new HttpError(400, "Failed to validate master::Call: Expecting 'set_logging_level.level' to be"
                    + " present");
        }
        if (!set.hasDuration() || !set.getDuration().hasNanoseconds()) {
            throw new HttpError(400, "Failed to validate master::Call: Expecting 'set_logging_level.duration' to be"
                    + " present");
        }
        long nanos = set.getDuration().getNanoseconds();
        if (nanos < 0 || nanos > LoggingLevels.MAX_DURATION.toNanos()) {
            throw new HttpError(400, "Failed to validate master::Call: 'set_logging_level.duration' must be between"
                    + " 0 and " + LoggingLevels.MAX_DURATION.toDays() + " days (" + LoggingLevels.MAX_DURATION.toNanos()
                    + " nanoseconds), not " + nanos + " nanoseconds");
        }
        long level = Integer.toUnsignedLong(set.getLevel()); // uint32
        return master.submit(() -> {
            levels.set(level, Duration.ofNanos(nanos), master.timers());
            return null;
        });
    }

    /** A large read: the same read by the same principal in the same encoding shares one answer with others now. */
    private void sharedRead(Master master, Call call, HttpExchange exchange, ViewApprover approver, Encoding encoding) {
        boolean gzip = exchange.takesGzip();
        List<Object> question = List.of(call.getType(), encoding, exchange.principal().orElse(""), gzip);
        sharedReads.read(question, () -> encodedRead(master, call, exchange.principal(), approver, encoding, gzip))
                .whenComplete((body, failure) -> {
                    if (failure != null) {
                        Responses.fail(exchange, failure);
                    } else {
                        exchange.respond(200, encoding.mediaType(), body);
                    }
                });
    }

    /**
     * A shared read's answer, encoded. {@code GET_STATE} and {@code GET_TASKS} in JSON keep each task's rendering
     * between reads ({@link OperatorStateJson}) and are written gzip-compressed as they go for readers who take gzip;
     * the rest are built and encoded whole.
     */
    private CompletableFuture<ResponseBody> encodedRead(Master master, Call call, Optional<String> principal,
                                                        ViewApprover approver, Encoding encoding, boolean gzip) {
        if (encoding == Encoding.JSON && call.getType() == Call.Type.GET_STATE) {
            return master.view().thenApplyAsync(view -> {
                MasterView visible = VisibleView.of(view, approver);
                return states.get(visible, gzip, () -> OperatorStateJson.getState(visible, gzip));
            }, readers);
        }
        if (encoding == Encoding.JSON && call.getType() == Call.Type.GET_TASKS) {
            return master.view().thenApplyAsync(
                    view -> OperatorStateJson.getTasks(VisibleView.of(view, approver), gzip), readers);
        }
        return answer(master, call, principal, approver).thenApply(encoding::encode).thenApply(ResponseBody::of);
    }

    private LoggingLevels logging(Call call) {
        return logging.orElseThrow(() -> new HttpError(400, "Operator call " + call.getType()
                + " is not supported by this master: its logging is not done by logback"));
    }

    /** A change decided on the loop: answered with an empty 200 once it is durable, or with the loop's error. */
    private static CompletableFuture<Response> onLoop(Master master, Supplier<CompletableFuture<Void>> change) {
        return master.submit(change).thenCompose(done -> done).thenApply(done -> null);
    }

    private CompletableFuture<Response> fromView(Master master, Function<MasterView, Response> build) {
        return master.view().thenApplyAsync(build, readers);
    }

    /** An answer built from what the reader may see of the view (Mesos's view ACLs), cut on a reader thread. */
    private CompletableFuture<Response> visible(Master master, ViewApprover approver,
                                                Function<MasterView, Response> build) {
        return fromView(master, view -> build.apply(VisibleView.of(view, approver)));
    }

    /** GET_METRICS's optional timeout; Mesos's default otherwise. */
    private static Duration timeout(Call call) {
        if (!call.hasGetMetrics() || !call.getGetMetrics().hasTimeout()) {
            return MetricsEndpoint.DEFAULT_TIMEOUT;
        }
        long nanos = call.getGetMetrics().getTimeout().getNanoseconds();
        if (nanos <= 0) {
            throw new HttpError(400, "Failed to validate master::Call: 'get_metrics.timeout' must be positive");
        }
        return Duration.ofNanos(Math.min(nanos, Duration.ofMinutes(5).toNanos()));
    }
}
