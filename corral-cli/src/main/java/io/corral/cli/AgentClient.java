package io.corral.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.protocol.http.ClientAuthorization;
import io.corral.protocol.http.Encoding;
import io.corral.protocol.tls.ClientTls;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.apache.mesos.v1.agent.Protos.Call;
import org.apache.mesos.v1.agent.Protos.Response;

/**
 * The CLI's client of one agent, as any Mesos client reads a sandbox: the agent's {@code GET /state} names each
 * executor's sandbox ({@code directory}), and the agent operator API's {@code READ_FILE} ({@code POST /api/v1})
 * reads a file of it by byte offset (exact bytes, unlike {@code /files/read}'s text).
 *
 * <p>Stateless apart from its HTTP client; thread-safe.
 */
final class AgentClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** The most one READ_FILE returns (the agent caps it at 64 KiB anyway). */
    static final long READ_LENGTH = 64 * 1024;

    /** The agent cannot be reached or answered with an error; the message says which agent and why. */
    static final class AgentUnavailableException extends RuntimeException {
        AgentUnavailableException(String message) {
            super(message);
        }
    }

    /** The file is not there (any more): the sandbox was removed, or the task never wrote it. */
    static final class FileGoneException extends RuntimeException {
        FileGoneException(String message) {
            super(message);
        }
    }

    /** What a read returned: the file's size and the bytes from the offset asked for (none at the end). */
    record Chunk(long size, byte[] data) {}

    private final URI agent;
    private final HttpClient http;

    /** For agents that authenticate: the same {@code Authorization} the masters get. */
    private final Optional<String> authorization;

    /**
     * @param tls as for the masters: with TLS the agent is spoken to over HTTPS whatever scheme its address came with
     *            (Mesos's offers and state name agents by {@code http} only; TLS is a property of the whole cluster)
     */
    AgentClient(URI agent, Optional<ClientAuthorization> authorization, Optional<ClientTls> tls) {
        this.agent = URI.create(ClientTls.scheme(tls) + "://" + agent.getRawAuthority());
        this.http = ClientTls.builder(tls).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        this.authorization = authorization.map(ClientAuthorization::header);
    }

    URI uri() {
        return agent;
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder request) {
        authorization.ifPresent(value -> request.header("Authorization", value));
        return request;
    }

    /** The agent's {@code /state}. */
    JsonNode state() throws InterruptedException {
        HttpRequest request = authorized(HttpRequest.newBuilder(agent.resolve("/state")).timeout(REQUEST_TIMEOUT)
                .header("Accept", "application/json").GET()).build();
        HttpResponse<byte[]> response = send(request);
        if (response.statusCode() != 200) {
            throw new AgentUnavailableException("GET /state on the agent at " + agent + " answered "
                    + response.statusCode() + ": " + new String(response.body(), StandardCharsets.UTF_8).strip());
        }
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AgentUnavailableException("the agent at " + agent + " sent unreadable state: " + e.getMessage());
        }
    }

    /**
     * The sandbox of a task, as the agent's state lists it: the {@code directory} of the executor (live or completed,
     * of a live or completed framework) that has the task among its tasks, queued or completed ones; for a task of
     * the default executor (a task group), its own directory {@code tasks/<task>} inside the executor's, as Mesos
     * clients look for it.
     */
    static Optional<String> sandboxOf(JsonNode state, String frameworkId, String taskId) {
        for (String frameworks : new String[] {"frameworks", "completed_frameworks"}) {
            for (JsonNode framework : state.path(frameworks)) {
                if (frameworkId != null && !framework.path("id").asText().equals(frameworkId)) {
                    continue;
                }
                for (String executors : new String[] {"executors", "completed_executors"}) {
                    for (JsonNode executor : framework.path(executors)) {
                        for (String tasks : new String[] {"tasks", "queued_tasks", "completed_tasks"}) {
                            for (JsonNode task : executor.path(tasks)) {
                                if (task.path("id").asText().equals(taskId)) {
                                    String directory = executor.path("directory").asText();
                                    // A task of a group has its own sandbox inside the default executor's.
                                    return Optional.of(executor.path("type").asText().equals("DEFAULT")
                                            ? directory + "/tasks/" + taskId : directory);
                                }
                            }
                        }
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** Reads up to {@link #READ_LENGTH} bytes of {@code path} from {@code offset} (READ_FILE). */
    Chunk read(String path, long offset) throws InterruptedException {
        Call call = Call.newBuilder().setType(Call.Type.READ_FILE)
                .setReadFile(Call.ReadFile.newBuilder().setPath(path).setOffset(offset).setLength(READ_LENGTH))
                .build();
        HttpRequest request = authorized(HttpRequest.newBuilder(agent.resolve("/api/v1")).timeout(REQUEST_TIMEOUT)
                .header("Content-Type", Encoding.PROTOBUF.mediaType())
                .header("Accept", Encoding.PROTOBUF.mediaType())
                .POST(HttpRequest.BodyPublishers.ofByteArray(Encoding.PROTOBUF.encode(call)))).build();
        HttpResponse<byte[]> response = send(request);
        if (response.statusCode() == 404) {
            throw new FileGoneException(new String(response.body(), StandardCharsets.UTF_8).strip());
        }
        if (response.statusCode() != 200) {
            throw new AgentUnavailableException("READ_FILE of " + path + " on the agent at " + agent + " answered "
                    + response.statusCode() + ": " + new String(response.body(), StandardCharsets.UTF_8).strip());
        }
        Response answer = Encoding.PROTOBUF.decode(response.body(), Response.getDefaultInstance());
        return new Chunk(answer.getReadFile().getSize(), answer.getReadFile().getData().toByteArray());
    }

    private HttpResponse<byte[]> send(HttpRequest request) throws InterruptedException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new AgentUnavailableException("cannot reach the agent at " + agent + ": " + why);
        }
    }
}
