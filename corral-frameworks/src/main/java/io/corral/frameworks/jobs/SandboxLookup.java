package io.corral.frameworks.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.protocol.http.ClientAuthorization;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.mesos.v1.Protos.Address;
import org.apache.mesos.v1.Protos.Offer;

/**
 * Where a task's sandbox is, as any Mesos client learns it: the agent's {@code /state} names each executor's
 * {@code directory} and its tasks. Best effort: an agent that refuses the framework's credential, or cannot be
 * reached, leaves the run's sandbox unknown ({@code corral logs TASK} still finds it).
 *
 * <p>Thread-safe: the HTTP client is; answers complete on its threads.
 */
final class SandboxLookup {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT)
            .version(HttpClient.Version.HTTP_1_1).build();
    private final Optional<ClientAuthorization> authorization;

    SandboxLookup(Optional<ClientAuthorization> authorization) {
        this.authorization = authorization;
    }

    /** The sandbox directory of {@code taskId} on the agent at {@code agent} (its base URL); empty if unknown. */
    CompletableFuture<Optional<String>> directory(URI agent, String taskId) {
        HttpRequest.Builder request = HttpRequest.newBuilder(agent.resolve("/state")).timeout(TIMEOUT)
                .header("Accept", "application/json");
        authorization.ifPresent(auth -> request.header("Authorization", auth.header()));
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
                .thenApply(response -> {
                    if (response.statusCode() != 200) {
                        return Optional.<String>empty();
                    }
                    try {
                        return directoryIn(JSON.readTree(response.body()), taskId);
                    } catch (IOException notJson) {
                        return Optional.<String>empty();
                    }
                })
                .exceptionally(unreachable -> Optional.empty());
    }

    /** The {@code directory} of the executor that runs (or ran) {@code taskId}, in an agent's {@code /state}. */
    static Optional<String> directoryIn(JsonNode state, String taskId) {
        for (String frameworks : new String[] {"frameworks", "completed_frameworks"}) {
            for (JsonNode framework : state.path(frameworks)) {
                for (String executors : new String[] {"executors", "completed_executors"}) {
                    for (JsonNode executor : framework.path(executors)) {
                        if (hasTask(executor, taskId) && executor.hasNonNull("directory")) {
                            return Optional.of(executor.get("directory").asText());
                        }
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static boolean hasTask(JsonNode executor, String taskId) {
        for (String tasks : new String[] {"tasks", "queued_tasks", "completed_tasks"}) {
            for (JsonNode task : executor.path(tasks)) {
                if (taskId.equals(task.path("id").asText())) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The agent's base URL from an offer's {@code url} (scheme, address, port). */
    static Optional<URI> agentBase(Offer offer) {
        if (!offer.hasUrl() || !offer.getUrl().hasAddress()) {
            return Optional.empty();
        }
        Address address = offer.getUrl().getAddress();
        String host = address.hasHostname() ? address.getHostname() : address.getIp();
        try {
            return Optional.of(new URI(offer.getUrl().getScheme(), null, host, address.getPort(), "/", null, null));
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
    }
}
