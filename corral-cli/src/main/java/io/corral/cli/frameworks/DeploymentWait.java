package io.corral.cli.frameworks;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.time.Duration;

/**
 * {@code --wait}: follows one deployment through {@code GET /v1/deployments} until it is gone (done), printing its
 * progress (instances staged / running / healthy of the target) when it changes. It fails, with the reason, when
 * {@code maxFailures} instances ended on their own, when nothing progressed for the stall timeout, or at the timeout.
 *
 * <p>Not thread-safe: one command's.
 */
final class DeploymentWait {
    static final Duration POLL = Duration.ofMillis(500);

    /** The deployment failed or stalled. */
    static final class FailedException extends RuntimeException {
        FailedException(String message) {
            super(message);
        }
    }

    private final FrameworkApi api;
    private final PrintStream err;
    private final Duration timeout;
    private final Duration stallTimeout;
    private final int maxFailures;

    DeploymentWait(FrameworkApi api, PrintStream err, Duration timeout, Duration stallTimeout, int maxFailures) {
        this.api = api;
        this.err = err;
        this.timeout = timeout;
        this.stallTimeout = stallTimeout;
        this.maxFailures = maxFailures;
    }

    void await(String appId, String deploymentId) throws InterruptedException {
        long start = System.nanoTime();
        long lastProgress = start;
        String lastLine = null;
        while (true) {
            JsonNode deployment = find(api.get("/v1/deployments").path("deployments"), deploymentId);
            if (deployment == null) {
                err.println("Deployment " + deploymentId + " of " + appId + " done in "
                        + seconds(System.nanoTime() - start) + counts(appId));
                return;
            }
            String line = String.format("%s %s: %d staged, %d running, %d healthy of %d%s", appId,
                    deployment.path("kind").asText().toLowerCase(), deployment.path("staged").asInt(),
                    deployment.path("running").asInt(), deployment.path("healthy").asInt(),
                    deployment.path("target").asInt(), deployment.path("old").asInt() > 0
                            ? " (" + deployment.path("old").asInt() + " old still running)" : "");
            long now = System.nanoTime();
            if (!line.equals(lastLine)) {
                err.println(line);
                err.flush();
                lastLine = line;
                lastProgress = now;
            }
            String reason = deployment.hasNonNull("reason") ? deployment.path("reason").asText() : null;
            if (deployment.path("failures").asInt() >= maxFailures) {
                throw new FailedException("deployment " + deploymentId + " of " + appId + " failed: "
                        + deployment.path("failures").asInt() + " instances ended on their own"
                        + (reason != null ? "; " + reason : ""));
            }
            if (now - lastProgress > stallTimeout.toNanos()) {
                throw new FailedException("deployment " + deploymentId + " of " + appId + " stalled: no progress for "
                        + seconds(now - lastProgress) + " (" + line + ")" + (reason != null ? "; " + reason
                        : "; are there agents with enough free resources for its instances?"));
            }
            if (now - start > timeout.toNanos()) {
                throw new FailedException("deployment " + deploymentId + " of " + appId + " not done after "
                        + seconds(now - start) + " (" + line + ")");
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    /** ": 2 running, 2 healthy of 2" from the app as it is now, or nothing if it cannot be read. */
    private String counts(String appId) throws InterruptedException {
        try {
            JsonNode counts = api.get("/v1/apps/" + appId).path("counts");
            return String.format(": %d running, %d healthy of %d", counts.path("running").asInt(),
                    counts.path("healthy").asInt(), counts.path("target").asInt());
        } catch (FrameworkApi.RefusedException e) {
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
