package io.corral.frameworks.common;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.corral.protocol.http.Authentication;
import io.corral.protocol.security.Credentials;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The REST server over loopback: authentication, JSON errors, the standby's redirect. */
class FrameworkHttpTest {
    private static final Credentials.Credential ALICE = new Credentials.Credential("alice", "secret-a");
    private final HttpClient client = HttpClient.newHttpClient();
    private final AtomicReference<Boolean> leading = new AtomicReference<>(true);
    private final AtomicReference<Optional<String>> leaderUrl = new AtomicReference<>(Optional.empty());
    private FrameworkHttp http;

    private void start() {
        Routes routes = new Routes()
                .post("/v1/apps", request -> {
                    JsonNode body = request.jsonObject();
                    if (!body.has("cmd")) {
                        throw ApiException.invalid("app", List.of(new ApiException.FieldError("cmd", "is required"),
                                new ApiException.FieldError("cpus", "must be > 0")));
                    }
                    return ApiResponse.created(Map.of("id", "web", "by", request.principal().orElse("")),
                            "/v1/apps/web");
                })
                .post("/v1/apps/{id*}/scale", r -> ApiResponse.ok(Map.of("scaled", r.param("id"))))
                .get("/v1/apps/{id*}", r -> ApiResponse.ok(Map.of("id", r.param("id"))));
        http = FrameworkHttp.start(FrameworkHttp.Options.of("127.0.0.1", 0, Optional.of(Credentials.of(List.of(ALICE))))
                        .withMaxBody(1024),
                routes, new FrameworkHttp.LeaderStatus() {
                    @Override
                    public boolean isLeader() {
                        return leading.get();
                    }

                    @Override
                    public Optional<String> leaderUrl() {
                        return leaderUrl.get();
                    }
                }, Map::of, "nobody", InstantSource.system());
    }

    @AfterEach
    void stop() {
        if (http != null) {
            http.close();
        }
    }

    private HttpResponse<String> send(String method, String path, String body, boolean authenticated)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (authenticated) {
            request.header("Authorization", Authentication.basicHeader(ALICE));
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return FrameworkJson.mapper().readTree(response.body());
    }

    @Test
    void healthIsOpenEverythingElseNeedsCredentials() throws Exception {
        start();
        assertThat(send("GET", "/health", null, false).statusCode()).isEqualTo(200);
        assertThat(json(send("GET", "/health", null, false)).get("leader").asBoolean()).isTrue();
        assertThat(send("GET", "/v1/apps/web", null, false).statusCode()).isEqualTo(401);

        HttpResponse<String> created = send("POST", "/v1/apps", "{\"cmd\": \"sleep 1\"}", true);
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(json(created).get("by").asText()).isEqualTo("alice");
    }

    @Test
    void pathIdsWithSlashesReachTheirRoutes() throws Exception {
        start();
        assertThat(json(send("GET", "/v1/apps/prod/web", null, true)).get("id").asText()).isEqualTo("prod/web");
        assertThat(json(send("POST", "/v1/apps/prod/web/scale", "{}", true)).get("scaled").asText())
                .isEqualTo("prod/web");
        HttpResponse<String> wrongMethod = send("DELETE", "/v1/apps", null, true);
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
    }

    @Test
    void refusalsAreJsonDocumentsNamingEveryField() throws Exception {
        start();
        HttpResponse<String> invalid = send("POST", "/v1/apps", "{}", true);
        assertThat(invalid.statusCode()).isEqualTo(422);
        assertThat(json(invalid).get("errors")).hasSize(2);
        assertThat(json(invalid).get("errors").get(0).get("field").asText()).isEqualTo("cmd");

        HttpResponse<String> unparsable = send("POST", "/v1/apps", "{not json", true);
        assertThat(unparsable.statusCode()).isEqualTo(400);
        assertThat(json(unparsable).get("message").asText()).contains("not valid JSON");

        assertThat(send("POST", "/v1/apps", "{\"cmd\": \"" + "x".repeat(2000) + "\"}", true).statusCode())
                .isEqualTo(413);
        assertThat(send("GET", "/v2/nothing", null, true).statusCode()).isEqualTo(404);
    }

    @Test
    void aStandbyRedirectsToTheLeaderOrSays503WhenThereIsNone() throws Exception {
        start();
        leading.set(false);
        assertThat(send("GET", "/v1/apps/web", null, true).statusCode()).isEqualTo(503);

        leaderUrl.set(Optional.of("http://10.0.0.7:8090"));
        HttpResponse<String> redirect = send("POST", "/v1/apps/web/scale?force=true", "{}", true);
        assertThat(redirect.statusCode()).isEqualTo(307);
        assertThat(redirect.headers().firstValue("Location"))
                .contains("http://10.0.0.7:8090/v1/apps/web/scale?force=true");
        assertThat(json(send("GET", "/health", null, false)).get("leader_url").asText())
                .isEqualTo("http://10.0.0.7:8090");
    }
}
