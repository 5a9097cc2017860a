package io.corral.cli.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.protocol.tls.ClientTls;
import io.corral.protocol.tls.Pem;
import io.corral.protocol.tls.ServerTls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalCertificatesTest {
    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

    @Test
    void theServerCertificateNamesLoopbackByIpAndDnsAndIsSignedByTheCa() throws Exception {
        LocalCertificates.Issued issued = LocalCertificates.issue(List.of("localhost"), List.of("127.0.0.1"), NOW,
                Duration.ofDays(365));
        X509Certificate server = issued.server();
        // GeneralName types: 2 DNS name, 7 IP address
        assertThat(server.getSubjectAlternativeNames()).containsExactlyInAnyOrder(List.of(2, "localhost"),
                List.of(7, "127.0.0.1"));
        server.verify(issued.ca().getPublicKey());
        assertThat(server.getIssuerX500Principal()).isEqualTo(issued.ca().getSubjectX500Principal());
        assertThat(server.getBasicConstraints()).isEqualTo(-1); // not a CA
        assertThat(server.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1"); // serverAuth
        assertThat(issued.ca().getBasicConstraints()).isEqualTo(0); // a CA that signs no other CA
        assertThat(issued.ca().getKeyUsage()[5]).as("keyCertSign").isTrue();
    }

    @Test
    void validFromAnHourBeforeNowForTheGivenTime() throws Exception {
        LocalCertificates.Issued issued = LocalCertificates.issue(List.of("localhost"), List.of("127.0.0.1"), NOW,
                Duration.ofDays(30));
        for (X509Certificate certificate : List.of(issued.ca(), issued.server())) {
            assertThat(certificate.getNotBefore().toInstant()).isEqualTo(NOW.minus(Duration.ofHours(1)));
            assertThat(certificate.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(30)));
            certificate.checkValidity(java.util.Date.from(NOW.plus(Duration.ofDays(29))));
        }
        assertThat(issued.server().getSerialNumber()).isNotEqualTo(issued.ca().getSerialNumber());
    }

    @Test
    void writesPemFilesOnlyItsUserCanReadThatServersAndClientsLoad(@TempDir Path dir) throws Exception {
        LocalCertificates files = LocalCertificates.generate(dir, Instant.now());
        Path cert = dir.resolve("tls-cert.pem");
        Path key = dir.resolve("tls-key.pem");
        for (Path file : List.of(files.ca(), cert, key)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        }
        assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(files.serverArgs()).containsExactly("--tls-cert", cert.toString(), "--tls-key", key.toString());
        assertThat(files.agentArgs()).endsWith("--tls-ca", files.ca().toString());

        ServerTls server = ServerTls.fromPem(cert, key);
        assertThat(server.certificate()).isEqualTo(Pem.readCertificates(cert, "test").get(0));
        assertThat(ClientTls.trusting(files.ca()).trusts()).isEqualTo(files.ca().toString());
    }

    @Test
    void anExpiredCertificateOrAnotherCertificatesKeyStopsTheServerAtStart(@TempDir Path dir) throws Exception {
        Path old = Files.createDirectories(dir.resolve("old"));
        LocalCertificates.write(old, LocalCertificates.issue(List.of("localhost"), List.of("127.0.0.1"),
                Instant.now().minus(Duration.ofDays(10)), Duration.ofDays(1)));
        assertThatThrownBy(() -> ServerTls.fromPem(old.resolve("tls-cert.pem"), old.resolve("tls-key.pem")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expired");

        Path other = Files.createDirectories(dir.resolve("other"));
        LocalCertificates.generate(other, Instant.now());
        LocalCertificates.generate(dir, Instant.now());
        assertThatThrownBy(() -> ServerTls.fromPem(dir.resolve("tls-cert.pem"), other.resolve("tls-key.pem")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not the key of the certificate");
        assertThatThrownBy(() -> ServerTls.fromFlags(dir.resolve("tls-cert.pem"), null))
                .hasMessageContaining("go together");
        assertThatThrownBy(() -> ServerTls.fromPem(dir.resolve("tls-key.pem"), dir.resolve("tls-key.pem")))
                .hasMessageContaining("--tls-cert");
    }
}
