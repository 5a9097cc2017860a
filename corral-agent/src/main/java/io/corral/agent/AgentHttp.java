package io.corral.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.agent.http.AgentHttpMetrics;
import io.corral.agent.http.AgentMetrics;
import io.corral.agent.http.AgentOperatorApi;
import io.corral.agent.http.AgentReads;
import io.corral.agent.http.AgentStateJson;
import io.corral.agent.http.Approvals;
import io.corral.agent.http.ContainerUsage;
import io.corral.agent.http.FilesEndpoints;
import io.corral.agent.http.MonitorStatistics;
import io.corral.protocol.http.HttpExchange;
import io.corral.protocol.security.Acls;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.mesos.v1.Protos.VersionInfo;

/**
 * Every HTTP request to the agent comes through {@link #handle}: this is the one place where requests are routed,
 * and so where authentication and authorization will hook in (before the dispatch below), for the executor API and
 * the readers alike. Paths are Mesos's, each also under {@code /slave(1)} as Mesos's agent serves them:
 *
 * <ul>
 *   <li>{@code /health}; {@code /api/v1/executor} (the executor API, {@link ExecutorApi});</li>
 *   <li>{@code /api/v1}: the agent operator API ({@link AgentOperatorApi});</li>
 *   <li>{@code /state} (and {@code /state.json}): the agent's state with each executor's sandbox
 *       ({@link AgentStateJson});</li>
 *   <li>{@code /files/browse}, {@code /files/read}, {@code /files/download}, {@code /files/debug}: the sandboxes
 *       ({@link FilesEndpoints});</li>
 *   <li>{@code /metrics/snapshot} ({@link AgentMetrics}), {@code /metrics} ({@link AgentHttpMetrics}),
 *       {@code /monitor/statistics} ({@link MonitorStatistics}),
 *       {@code /flags}, {@code /version}.</li>
 * </ul>
 *
 * <p>Authentication ({@code --http-credentials}) and the rate limits wrap this handler ({@link AgentServer}); the
 * ACLs ({@code --acls}) are applied here, per request, as Mesos's agent applies them: {@link Approvals} of the
 * request's principal go to every reader that shows frameworks, executors, tasks, flags or sandbox files.
 * {@code /metrics/snapshot} and {@code /health} are not filtered (counts only, as in Mesos).
 *
 * <p>Threading: {@link #handle} runs on the HTTP server's threads. Readers never touch the agent's state: they get an
 * immutable {@link AgentView} published by the agent's loop ({@link AgentViews}), with a timeout, and do their
 * rendering and file reads on the reader threads ({@link AgentReads}). The executor API posts its calls to the loop.
 */
final class AgentHttp {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Supplier<ExecutorApi> executorApi;
    private final AgentReads reads;
    private final FilesEndpoints files;
    private final AgentOperatorApi operatorApi;
    private final ContainerUsage usage;
    private final Supplier<Map<String, String>> flags;
    private final VersionInfo version;
    private final Clock clock;
    private final Acls acls;
    private final AgentHttpMetrics httpMetrics;

    /**
     * @param executorApi the executor API once the agent has recovered (null before: answered 503)
     * @param reads the published views with their timeout, and the reader threads
     */
    AgentHttp(Supplier<ExecutorApi> executorApi, AgentReads reads, Executor readers, ContainerUsage usage,
              Supplier<Map<String, String>> flags, VersionInfo version, Clock clock, Acls acls,
              AgentHttpMetrics httpMetrics) {
        this.executorApi = executorApi;
        this.reads = reads;
        this.usage = usage;
        this.flags = flags;
        this.version = version;
        this.clock = clock;
        this.acls = acls;
        this.httpMetrics = httpMetrics;
        this.files = new FilesEndpoints(reads, readers);
        this.operatorApi = new AgentOperatorApi(reads, flags, version, usage, clock);
    }

    void handle(HttpExchange exchange) {
        String path = exchange.path();
        if (path.startsWith("/slave(1)/")) {
            path = path.substring("/slave(1)".length());
        }
        Approvals approvals = Approvals.of(acls, exchange.principal());
        if (path.startsWith("/files/") && files.handle(exchange, approvals)) {
            return;
        }
        switch (path) {
            case "/health" -> exchange.respond(200, null, new byte[0]);
            case "/api/v1/executor" -> {
                ExecutorApi api = executorApi.get();
                if (api == null) { // still starting: recovery has not run
                    exchange.respondText(503, "The agent is starting");
                } else {
                    api.handle(exchange);
                }
            }
            case "/api/v1" -> operatorApi.handle(exchange, approvals);
            case "/state", "/state.json" -> answerJson(exchange, reads.readVisible(approvals, view ->
                    AgentStateJson.render(view, approvals.viewFlags() ? flags.get() : null, version.getVersion())));
            case "/flags" -> answerJson(exchange, flagsJson(approvals));
            case "/metrics" -> exchange.respond(200, AgentHttpMetrics.CONTENT_TYPE, httpMetrics.scrape());
            case "/metrics/snapshot" -> answerJson(exchange, reads.read(view ->
                    json(AgentMetrics.snapshot(view, clock.millis()))));
            case "/monitor/statistics", "/monitor/statistics.json" -> answerJson(exchange,
                    reads.readVisible(approvals, view -> MonitorStatistics.render(view, usage)));
            case "/version" -> exchange.respond(200, "application/json", json(Map.of("version", version.getVersion(),
                    "build_user", version.getBuildUser(), "git_tag", version.getGitTag())));
            default -> exchange.respondText(404, "No such endpoint: " + exchange.path());
        }
    }

    /** Mesos's agent {@code /flags}: {@code {"flags": {...}}}, for principals allowed {@code view_flags}. */
    private CompletableFuture<byte[]> flagsJson(Approvals approvals) {
        try {
            approvals.requireViewFlags();
            return CompletableFuture.completedFuture(json(Map.of("flags", flags.get())));
        } catch (io.corral.protocol.http.HttpError denied) {
            return CompletableFuture.failedFuture(denied);
        }
    }

    private static void answerJson(HttpExchange exchange, CompletableFuture<byte[]> body) {
        body.whenComplete((json, failure) -> {
            if (failure != null) {
                AgentReads.fail(exchange, failure);
            } else {
                exchange.respond(200, "application/json", json);
            }
        });
    }

    private static byte[] json(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
