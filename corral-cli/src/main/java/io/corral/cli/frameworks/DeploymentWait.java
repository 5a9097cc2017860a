package io.corral.cli.frameworks;

import com.fasterxml.jackson.databind.JsonNode;
import io.corral.cli.ClusterLocator;
import java.io.PrintStream;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * {@code --wait}: follows one deployment through {@code GET /v1/deployments} until it is gone (done), printing its
 * progress (instances staged / running / healthy of the target) when it changes. It fails, with the reason, when
 * {@code maxFailures} instances ended on their own, when nothing progressed for the stall timeout, or at the timeout.
 *
 * <p>The framework's leader may die while it waits: a standby takes over and finishes the deployment. So an
 * unreachable leader, or a 503 (no leader yet), is not a failure: the wait says so once, looks for the new leader and
 * goes on; that time counts against the stall timeout like any other time without progress.
 *
 * <p>Not thread-safe: one command's. Time comes from {@link Clock} (tests drive it).
 */
final class DeploymentWait {
    static final Duration POLL = Duration.ofMillis(500);

    /** The deployment failed or stalled. */
    static final class FailedException extends RuntimeException {
        FailedException(String message) {
            super(message);
        }
    }

    /** What the wait reads: the framework's REST API. */
    interface Source {
        /** {@code GET /v1/deployments}. */
        JsonNode deployments() throws InterruptedException;

        /** {@code GET /v1/apps/{id}}. */
        JsonNode app(String id) throws InterruptedException;

        /** Looks for the framework's leader again; true when it found one. */
        boolean findLeaderAgain();

        static Source of(FrameworkApi api) {
            return new Source() {
                @Override
                public JsonNode deployments() throws InterruptedException {
                    return api.get("/v1/deployments");
                }

                @Override
                public JsonNode app(String id) throws InterruptedException {
                    return api.get(AppCommand.Base.path(id));
                }

                @Override
                public boolean findLeaderAgain() {
                    return api.findLeaderAgain();
                }
            };
        }
    }

    /** Monotonic time and pauses. */
    interface Clock {
        long nanoTime();

        void pause(Duration duration) throws InterruptedException;

        Clock SYSTEM = new Clock() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public void pause(Duration duration) throws InterruptedException {
                Thread.sleep(duration.toMillis());
            }
        };
    }

    /** How long a wait may take and how much failure it tolerates. */
    record Limits(Duration timeout, Duration stallTimeout, int maxFailures) {}

    private final Source source;
    private final PrintStream err;
    private final Limits limits;
    private final Clock clock;

    DeploymentWait(Source source, PrintStream err, Limits limits, Clock clock) {
        this.source = source;
        this.err = err;
        this.limits = limits;
        this.clock = clock;
    }

    void await(String appId, String deploymentId) throws InterruptedException {
        long start = clock.nanoTime();
        long lastProgress = start;
        String lastLine = null;
        String lastReason = null;
        boolean leaderLost = false;
        while (true) {
            JsonNode deployments = readDeployments();
            if (deployments == null) {
                if (!leaderLost) {
                    err.println("The framework's leader cannot be reached; waiting for a standby to take over...");
                    err.flush();
                    leaderLost = true;
                }
                source.findLeaderAgain();
            } else {
                leaderLost = false;
                JsonNode deployment = find(deployments.path("deployments"), deploymentId);
                if (deployment == null) {
                    err.println("Deployment " + deploymentId + " of " + appId + " done in "
                            + seconds(clock.nanoTime() - start) + counts(appId));
                    return;
                }
                String line = progressLine(appId, deployment);
                if (!line.equals(lastLine)) {
                    err.println(line);
                    err.flush();
                    lastLine = line;
                    lastProgress = clock.nanoTime();
                }
                lastReason = reason(deployment).orElse(null);
                failIfFailing(appId, deploymentId, deployment);
            }
            failIfOverdue(appId, deploymentId, start, lastProgress, lastLine, lastReason);
            clock.pause(POLL);
        }
    }

    /** The deployments, or null while the leader cannot be reached or no process leads (503). */
    private JsonNode readDeployments() throws InterruptedException {
        try {
            return source.deployments();
        } catch (ClusterLocator.ClusterException unreachable) {
            return null;
        } catch (FrameworkApi.RefusedException e) {
            if (e.status() == 503) {
                return null;
            }
            throw e;
        }
    }

    private static String progressLine(String appId, JsonNode deployment) {
        return String.format("%s %s: %d staged, %d running, %d healthy of %d%s", appId,
                deployment.path("kind").asText().toLowerCase(), deployment.path("staged").asInt(),
                deployment.path("running").asInt(), deployment.path("healthy").asInt(),
                deployment.path("target").asInt(), deployment.path("old").asInt() > 0
                        ? " (" + deployment.path("old").asInt() + " old still running)" : "");
    }

    private void failIfFailing(String appId, String deploymentId, JsonNode deployment) {
        if (deployment.path("failures").asInt() >= limits.maxFailures()) {
            throw new FailedException("deployment " + deploymentId + " of " + appId + " failed: "
                    + deployment.path("failures").asInt() + " instances ended on their own"
                    + reason(deployment).map(r -> "; " + r).orElse(""));
        }
    }

    private void failIfOverdue(String appId, String deploymentId, long start, long lastProgress, String lastLine,
                               String lastReason) {
        long now = clock.nanoTime();
        String where = lastLine != null ? " (" + lastLine + ")" : "";
        if (now - lastProgress > limits.stallTimeout().toNanos()) {
            throw new FailedException("deployment " + deploymentId + " of " + appId + " stalled: no progress for "
                    + seconds(now - lastProgress) + where + "; " + (lastReason != null ? lastReason
                    : "are there agents with enough free resources for its instances, and does a Services process"
                    + " lead (`corral app list`)?"));
        }
        if (now - start > limits.timeout().toNanos()) {
            throw new FailedException("deployment " + deploymentId + " of " + appId + " not done after "
                    + seconds(now - start) + where);
        }
    }

    private static java.util.Optional<String> reason(JsonNode deployment) {
        return deployment.hasNonNull("reason") ? java.util.Optional.of(deployment.path("reason").asText())
                : java.util.Optional.empty();
    }

    /** ": 2 running, 2 healthy of 2" from the app as it is now, or nothing if it cannot be read. */
    private String counts(String appId) throws InterruptedException {
        try {
            JsonNode counts = source.app(appId).path("counts");
            return String.format(": %d running, %d healthy of %d", counts.path("running").asInt(),
                    counts.path("healthy").asInt(), counts.path("target").asInt());
        } catch (FrameworkApi.RefusedException | ClusterLocator.ClusterException e) {
            return "";
        }
    }

    private static JsonNode find(JsonNode deployments, String id) {
        for (JsonNode d : deployments) {
            if (d.path("id").asText().equals(id)) {
                return d;
            }
        }
        return null;
    }

    private static String seconds(long nanos) {
        return String.format("%.1f s", nanos / 1e9);
    }
}
