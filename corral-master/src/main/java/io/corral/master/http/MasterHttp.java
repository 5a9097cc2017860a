package io.corral.master.http;

import io.corral.master.Master;
import io.corral.master.MasterLifecycle;
import io.corral.master.MasterView;
import io.corral.master.ViewApprover;
import io.corral.master.VisibleView;
import io.corral.protocol.agent.AgentProtocol;
import io.corral.protocol.http.HttpExchange;
import io.corral.protocol.http.ResponseBody;
import io.corral.protocol.http.HttpHandler;
import io.corral.protocol.security.Acls;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.mesos.v1.Protos.VersionInfo;

/**
 * Routes the master's HTTP requests. Every master answers {@code /health}; only the leader serves the APIs and
 * state: a standby answers them with 307 to the leader ({@code Location: //host:port/path?query}, protocol-relative
 * as Mesos sends it) or 503 when no leader is known. As in Mesos, each path also works under {@code /master}. The
 * state endpoints show each reader only what the view ACLs let its principal see ({@link ViewApprover}).
 *
 * <p>Threading: called on HTTP I/O threads; reads {@link Leadership} (thread-safe) and posts to the master's loop.
 */
public final class MasterHttp implements HttpHandler {
    private static final Set<String> LEADER_PATHS = Set.of(
            "/api/v1/scheduler", "/api/v1", AgentProtocol.PATH, TaskKillEndpoint.PATH, "/state", "/state.json", "/state-summary",
            "/frameworks", "/slaves", "/tasks", "/tasks.json", "/roles", "/roles.json", "/quota", "/weights");

    /**
     * Every path this master serves (each also under {@code /master}): the security test walks this list, so a new
     * route is checked for authentication as soon as it is added here.
     */
    public static final Set<String> ROUTES = java.util.stream.Stream.of(LEADER_PATHS, MaintenanceEndpoints.PATHS,
                    Set.of("/health", "/version", "/flags", "/redirect", "/", MetricsEndpoint.SNAPSHOT_PATH,
                            MetricsEndpoint.PROMETHEUS_PATH, "/zookeeper", TokenEndpoint.PATH))
            .flatMap(Set::stream).collect(java.util.stream.Collectors.toUnmodifiableSet());

    private final Leadership leadership;
    private final MetricsEndpoint metrics;
    /** Serializes published views for readers, off the master's loop and off the I/O threads. */
    private final Executor readers;
    /** Readers of the same legacy JSON at the same time share one rendering. */
    private final SharedReads<ResponseBody> sharedReads = new SharedReads<>();
    /** The last {@code /master/state} answers, given again while the state they show is the same. */
    private final KeptAnswer states;
    private final SchedulerEndpoint scheduler;
    private final AgentEndpoint agents;
    private final TaskKillEndpoint kills = new TaskKillEndpoint();

    private final OperatorEndpoint operator;
    /** Who may see what: each read is cut to its reader's {@link ViewApprover}, built from these per request. */
    private final Acls acls;
    private final MaintenanceEndpoints maintenance;
    private final Supplier<Map<String, String>> flags;
    private final VersionInfo version;

    /**
     * @param flags   this master's flags and settings, as GET_FLAGS and {@code /flags} show them (no secrets)
     * @param version what GET_VERSION and {@code /version} report
     * @param logging what GET_LOGGING_LEVEL and SET_LOGGING_LEVEL change (empty without logback)
     */
    public MasterHttp(Leadership leadership, MetricsEndpoint metrics, Executor readers,
                      Supplier<Map<String, String>> flags, VersionInfo version,
                      Optional<io.corral.master.LoggingLevels> logging) {
        this(leadership, metrics, readers, flags, version, logging, Acls.permitAll());
    }

    /** @param acls who may do what (Mesos's --acls); checked here, before a call reaches the master's loop */
    public MasterHttp(Leadership leadership, MetricsEndpoint metrics, Executor readers,
                      Supplier<Map<String, String>> flags, VersionInfo version,
                      Optional<io.corral.master.LoggingLevels> logging, Acls acls) {
        this.acls = acls;
        this.scheduler = new SchedulerEndpoint(acls);
        this.agents = new AgentEndpoint(acls);
        this.leadership = leadership;
        this.metrics = metrics;
        this.readers = readers;
        this.states = new KeptAnswer(readers);
        this.flags = flags;
        this.version = version;
        this.operator = new OperatorEndpoint(readers, flags, version, metrics::snapshot, logging, acls);
        this.maintenance = new MaintenanceEndpoints(readers);
        StreamLinks.load();
    }

    @Override
    public void handle(HttpExchange exchange) {
        if (MetricsEndpoint.serves(exchange.path())) {
            if (!MetricsEndpoint.isZooKeeperPath(exchange.path()) && !mayReadMetrics(exchange)) {
                return;
            }
            metrics.handle(exchange); // every master answers for itself, leader or not
            return;
        }
        String path = exchange.path().startsWith("/master/") ? exchange.path().substring("/master".length())
                : exchange.path();
        switch (path) {
            case "/health" -> exchange.respond(200, null, new byte[0]);
            case "/version" -> exchange.respond(200, "application/json", LegacyJson.version(version));
            case "/flags" -> {
                if (ViewApprover.of(acls, exchange.principal()).flags()) {
                    exchange.respond(200, "application/json", LegacyJson.flags(flags.get()));
                } else {
                    exchange.respondText(403, "Principal '" + exchange.principal().orElse("")
                            + "' is not authorized to view the flags (ACL view_flags)");
                }
            }
            case "/redirect" -> redirect(exchange, "");
            case "/", "" -> home(exchange);
            default -> {
                if (LEADER_PATHS.contains(path) || MaintenanceEndpoints.PATHS.contains(path)) {
                    leaderOnly(exchange, path, true);
                } else {
                    exchange.respondText(404, "No such endpoint: " + exchange.path());
                }
            }
        }
    }

    /** @param mayWait whether a request that comes during the recovery may wait for its end (once) */
    private void leaderOnly(HttpExchange exchange, String path, boolean mayWait) {
        MasterLifecycle lifecycle = leadership.lifecycle();
        switch (lifecycle.phase()) {
            case SUSPENDED -> {
                exchange.respondText(503, "Leadership uncertain: this master's ZooKeeper connection is suspended;"
                        + " retry shortly");
                return;
            }
            case CLAIMING, RECOVERING -> {
                if (!mayWait || !leadership.awaitRecovery(exchange, () -> leaderOnly(exchange, path, false))) {
                    exchange.respondText(503, "Master has not finished recovery");
                }
                return;
            }
            case DEPOSED -> {
                exchange.respondText(503, "This master is no longer leading (" + lifecycle.reason().orElse("")
                        + "); retry to reach the new leader");
                return;
            }
            case FOLLOWING -> {
                redirect(exchange, exchange.uri());
                return;
            }
            case LEADING -> { }
        }
        Optional<Master> master = lifecycle.master();
        try {
            serve(master.get(), exchange, path);
        } catch (io.corral.protocol.http.HttpError error) {
            exchange.respondText(error.status(), error.getMessage());
        } catch (io.corral.master.Rejected rejected) {
            exchange.respondText(Responses.status(rejected.reason()), rejected.getMessage());
        }
    }

    private void serve(Master master, HttpExchange exchange, String path) {
        switch (path) {
            case "/api/v1/scheduler" -> scheduler.handle(master, exchange);
            case "/api/v1" -> operator.handle(master, exchange);
            case AgentProtocol.PATH -> agents.handle(master, exchange);
            case TaskKillEndpoint.PATH -> kills.handle(master, exchange);
            case "/maintenance/schedule", "/maintenance/status", "/machine/down", "/machine/up" ->
                    maintenance.handle(master, exchange, path);
            default -> {
                if ((path.equals("/quota") || path.equals("/weights")) && !"GET".equals(exchange.method())) {
                    exchange.respondText(405, "Expecting a 'GET' request, received '" + exchange.method()
                            + "'; change " + path.substring(1) + " with the operator API's "
                            + RoleJson.changedBy(path) + " call (POST /api/v1)");
                    return;
                }
                boolean gzip = exchange.takesGzip();
                Function<MasterView, ResponseBody> answer = legacyJson(path, exchange, flags.get(),
                        ViewApprover.of(acls, exchange.principal()), gzip, states);
                // The same question from the same reader, in the same encoding, shares one rendering with others
                List<Object> question = List.of("legacy", exchange.uri(), exchange.principal().orElse(""), gzip);
                sharedReads.read(question, () -> master.view().thenApplyAsync(answer, readers))
                        .whenComplete((body, failure) -> {
                            if (failure != null) {
                                Responses.fail(exchange, failure);
                            } else {
                                exchange.respond(200, "application/json", body);
                            }
                        });
            }
        }
    }

    /**
     * The renderer of a legacy JSON path, showing what {@code approver} lets the reader see (as Mesos filters these
     * endpoints); a bad query is answered 400 (thrown) before the view is asked for. The whole state, the one large
     * answer, is written gzip-compressed as it goes for readers who take gzip.
     */
    private static Function<MasterView, ResponseBody> legacyJson(String path, HttpExchange exchange,
                                                                 Map<String, String> flags, ViewApprover approver,
                                                                 boolean gzip, KeptAnswer states) {
        return switch (path) {
            case "/state-summary" -> bytes(view -> StateJson.summary(view, approver));
            case "/frameworks" -> bytes(view -> StateJson.frameworks(VisibleView.of(view, approver)));
            case "/slaves" -> bytes(view -> StateJson.slaves(VisibleView.of(view, approver)));
            case "/roles", "/roles.json" -> bytes(view -> StateJson.roles(view, approver));
            case "/quota" -> bytes(view -> RoleJson.quota(view, approver));
            case "/weights" -> bytes(view -> RoleJson.weights(view, approver));
            case "/tasks", "/tasks.json" -> {
                StateJson.TasksQuery query = StateJson.TasksQuery.parse(exchange::queryParam);
                yield bytes(view -> StateJson.tasks(VisibleView.of(view, approver), query));
            }
            default -> view -> {
                MasterView visible = VisibleView.of(view, approver);
                Map<String, String> shown = approver.flags() ? flags : Map.of();
                return states.get(visible, List.of(shown, gzip), () -> StateJson.render(visible, shown, gzip));
            };
        };
    }

    private static Function<MasterView, ResponseBody> bytes(Function<MasterView, byte[]> render) {
        return render.andThen(ResponseBody::of);
    }

    /**
     * ACL get_endpoints on {@code /metrics/snapshot}, as Mesos checks that endpoint; Corral's {@code /metrics} shows
     * the same figures, so the same rule decides it. A refusal is answered 403 here.
     */
    private boolean mayReadMetrics(HttpExchange exchange) {
        if (acls.permits("get_endpoints", exchange.principal().orElse(null), MetricsEndpoint.SNAPSHOT_PATH)) {
            return true;
        }
        exchange.respondText(403, "Principal '" + exchange.principal().orElse("") + "' is not authorized to GET "
                + MetricsEndpoint.SNAPSHOT_PATH + " (ACL get_endpoints)");
        return false;
    }

    /** 307 to the leader with {@code pathAndQuery} appended, or 503 when no leader is known. */
    private void redirect(HttpExchange exchange, String pathAndQuery) {
        Optional<String> leader = leadership.leaderAddress();
        if (leader.isEmpty()) {
            exchange.respondText(503, "No leader elected");
        } else {
            exchange.redirect(307, "//" + leader.get() + pathAndQuery);
        }
    }

    private void home(HttpExchange exchange) {
        String leader = leadership.leaderAddress().orElse("none elected yet");
        String role = leadership.master().isPresent() ? "leading master" : "standby master";
        String html = "<!doctype html><html><head><title>Corral</title></head><body>"
                + "<h1>Corral</h1><p>This is a " + role + ". Leader: " + leader + "</p>"
                + "<p><a href=\"/master/state\">/master/state</a> &middot; <a href=\"/health\">/health</a></p>"
                + "</body></html>";
        exchange.respond(200, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8));
    }
}
