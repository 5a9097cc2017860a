package io.corral.protocol.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.protocol.security.Credentials.Credential;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialsTest {

    @Test
    void readsMesosCredentialsFilesAndChecksSecrets(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("credentials.json"), "{\"credentials\": ["
                + "{\"principal\": \"ops\", \"secret\": \"s3cret\"}, {\"principal\": \"agent\", \"secret\": \"a\"}]}");
        Credentials credentials = Credentials.read(file);

        assertThat(credentials.check("ops", "s3cret")).hasValue("ops");
        assertThat(credentials.check("ops", "s3cre")).isEmpty();
        assertThat(credentials.check("ops", "a")).as("another principal's secret").isEmpty();
        assertThat(credentials.check("nobody", "s3cret")).isEmpty();
        assertThat(credentials.check("ops", "x".repeat(100_000))).as("oversized").isEmpty();
        assertThat(credentials.principals()).containsExactlyInAnyOrder("ops", "agent");
    }

    @Test
    void aSingleCredentialIsReadAsMesosAgentsTakeItAndNeverPrintsItsSecret(@TempDir Path dir) throws Exception {
        Credential credential = Credential.read(Files.writeString(dir.resolve("agent.json"),
                "{\"principal\": \"agent\", \"secret\": \"hidden\"}"));
        assertThat(credential.principal()).isEqualTo("agent");
        assertThat(credential.toString()).doesNotContain("hidden");
    }

    @Test
    void badFilesAndEntriesAreRefusedSayingWhy(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> Credentials.read(Files.writeString(dir.resolve("a"), "[]")))
                .hasMessageContaining("Mesos's --credentials format");
        assertThatThrownBy(() -> Credentials.read(Files.writeString(dir.resolve("b"), "{")))
                .hasMessageContaining("is not JSON");
        assertThatThrownBy(() -> new Credential("a:b", "s")).hasMessageContaining("':'");
        assertThatThrownBy(() -> new Credential("a", "")).hasMessageContaining("empty");
        assertThatThrownBy(() -> new Credential("a\n", "s")).hasMessageContaining("control characters");
        assertThatThrownBy(() -> Credentials.of(List.of(new Credential("a", "1"), new Credential("a", "2"))))
                .hasMessageContaining("listed twice");
    }
}
