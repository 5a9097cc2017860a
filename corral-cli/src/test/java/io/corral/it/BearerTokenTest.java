package io.corral.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.master.MasterConfig;
import io.corral.master.MasterServer;
import io.corral.protocol.http.Authentication;
import io.corral.protocol.http.ClientAuthorization;
import io.corral.protocol.security.Acls;
import io.corral.protocol.security.BearerTokens;
import io.corral.protocol.security.Credentials;
import io.corral.protocol.security.Credentials.Credential;
import io.corral.scheduler.FixedMasterLocator;
import io.corral.scheduler.SchedulerClient;
import io.corral.zookeeper.ZkUrl;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bearer tokens end to end: {@code corral token create} gets one from a master started with a token key, the CLI
 * and the SDK authenticate with it, and what a token must not do (make another token, survive tampering) is refused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BearerTokenTest {
    private static final Credential OPERATOR = new Credential("operator", "operator-secret");
    private static final Credential FRAMEWORK = new Credential("framework", "framework-secret");
    private static final byte[] KEY = "a-token-key-of-more-than-thirty-two-bytes".getBytes(StandardCharsets.UTF_8);

    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private TestingServer zookeeper;
    private MasterServer master;
    private MasterServer masterWithoutTokens;
    private String base;
    private Path dir;

    @BeforeAll
    void startMasters(@TempDir Path dir) throws Exception {
        this.dir = dir;
        zookeeper = new TestingServer(true);
        Credentials credentials = Credentials.of(List.of(OPERATOR, FRAMEWORK));
        master = MasterServer.start(options("/tokens", credentials)
                .withTokens(BearerTokens.of(KEY, credentials)), () -> { });
        masterWithoutTokens = MasterServer.start(options("/plain", credentials), () -> { });
        base = "http://127.0.0.1:" + master.port();
        await().atMost(Duration.ofSeconds(30)).until(() -> send("GET", base + "/master/state",
                Authentication.basicHeader(OPERATOR), "").statusCode() == 200);
    }

    private MasterServer.Options options(String root, Credentials credentials) {
        return new MasterServer.Options(ZkUrl.parse("zk://" + zookeeper.getConnectString() + root), "127.0.0.1",
                "127.0.0.1", 0, InProcessCluster.SESSION_TIMEOUT, MasterConfig.defaults(), Optional.of(credentials),
                Acls.permitAll());
    }

    @AfterAll
    void stop() throws Exception {
        master.close();
        masterWithoutTokens.close();
        zookeeper.close();
    }

    @Test
    void theCliGetsATokenAndUsesItInsteadOfTheSecret() throws Exception {
        Path credential = writeCredential(OPERATOR);
        CliRun created = CliRun.corral("token", "create", "--master", base, "--credential", credential.toString(),
                "--ttl", "1h", "--quiet");
        assertThat(created.exit()).as(created.err()).isZero();
        String token = created.out().strip();
        assertThat(BearerTokens.claimedPrincipal(token)).hasValue("operator");

        Path tokenFile = Files.writeString(dir.resolve("token"), token + "\n");
        CliRun ps = CliRun.corral("ps", "--master", base, "--token-file", tokenFile.toString());
        assertThat(ps.exit()).as(ps.err()).isZero();

        CliRun human = CliRun.corral("token", "create", "--master", base, "--credential", credential.toString());
        assertThat(human.out()).contains("Token for principal 'operator', valid until").contains("(in 11h)")
                .contains("export CORRAL_TOKEN");

        CliRun tooLong = CliRun.corral("token", "create", "--master", base, "--credential", credential.toString(),
                "--ttl", "30d");
        assertThat(tooLong.exit()).isNotZero();
        assertThat(tooLong.err()).contains("at most 7 days");
    }

    @Test
    void aTokenOpensEveryRouteButCannotMakeAnotherToken() throws Exception {
        String bearer = "Bearer " + issue(OPERATOR, "{\"ttl_seconds\": 600}");

        assertThat(send("GET", base + "/master/state", bearer, "").statusCode()).isEqualTo(200);
        assertThat(send("POST", base + "/api/v1", bearer, "{\"type\": \"GET_HEALTH\"}").statusCode()).isEqualTo(200);
        HttpResponse<String> again = send("POST", base + "/tokens", bearer, "");
        assertThat(again.statusCode()).isEqualTo(403);
        assertThat(again.body()).contains("A token cannot issue tokens");
    }

    @Test
    void aChangedOrForeignTokenIsRefusedWithAChallenge() throws Exception {
        String token = issue(FRAMEWORK, "");
        String[] parts = token.split("\\.");
        String tampered = parts[0] + "." + parts[1] + "." + new StringBuilder(parts[2]).reverse();
        String foreign = BearerTokens.of("some-other-clusters-key-0123456789abcdef".getBytes(StandardCharsets.UTF_8),
                Credentials.of(List.of(FRAMEWORK))).issue("framework", Duration.ofHours(1),
                java.time.Instant.now()).token();

        for (String refused : List.of(tampered, foreign, "garbage")) {
            HttpResponse<String> answer = send("GET", base + "/master/state", "Bearer " + refused, "");
            assertThat(answer.statusCode()).isEqualTo(401);
            assertThat(answer.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                    challenge -> assertThat(challenge).contains("Basic").contains("Bearer"));
            assertThat(answer.body()).contains("corral token create");
        }
    }

    @Test
    void aFrameworkSubscribesWithATokenAsItsPrincipal() throws Exception {
        String token = issue(FRAMEWORK, "");
        RecordingScheduler scheduler = new RecordingScheduler();
        try (SchedulerClient client = SchedulerClient.builder(new FixedMasterLocator(base),
                Tasks.framework("with-token", 60), scheduler).authorization(ClientAuthorization.bearer(token))
                .build()) {
            client.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> scheduler.frameworkId != null);
            assertThat(send("POST", base + "/api/v1", Authentication.basicHeader(OPERATOR),
                    "{\"type\": \"GET_FRAMEWORKS\"}").body())
                    .contains("\"principal\":\"framework\"").contains(scheduler.frameworkId.getValue());
            assertThat(send("GET", base + "/master/frameworks", Authentication.basicHeader(OPERATOR), "").body())
                    .as("Mesos's state JSON names a framework's principal").contains("\"principal\":\"framework\"");
        }
    }

    @Test
    void aMasterWithoutATokenKeySaysHowToEnableTokens() throws Exception {
        HttpResponse<String> answer = send("POST", "http://127.0.0.1:" + masterWithoutTokens.port() + "/tokens",
                Authentication.basicHeader(OPERATOR), "");
        assertThat(answer.statusCode()).isEqualTo(404);
        assertThat(answer.body()).contains("--token-key");
    }

    private String issue(Credential as, String body) throws Exception {
        HttpResponse<String> answer = send("POST", base + "/tokens", Authentication.basicHeader(as), body);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(answer.headers().firstValue("Cache-Control")).hasValue("no-store");
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(answer.body()).path("token").asText();
    }

    private Path writeCredential(Credential credential) throws Exception {
        return Files.writeString(dir.resolve(credential.principal() + ".json"), "{\"principal\": \""
                + credential.principal() + "\", \"secret\": \"" + credential.secret() + "\"}");
    }

    private HttpResponse<String> send(String method, String url, String authorization, String body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .header("Authorization", authorization)
                .method(method, method.equals("GET") ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }
}
