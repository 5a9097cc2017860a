package io.corral.agent.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.protocol.http.HttpError;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The path checks and reads of {@link SandboxFiles}, on a real directory tree with real symlinks. */
class SandboxFilesTest {
    private static final String LATEST = "/frameworks/F1/executors/E1/runs/latest";

    @TempDir Path workDir;
    Path sandbox;
    Path secret;
    SandboxFiles files;

    @BeforeEach
    void sandboxWithOutputAndTraps() throws Exception {
        sandbox = Files.createDirectories(workDir.resolve("slaves/S1/frameworks/F1/executors/E1/runs/C1"));
        Files.writeString(sandbox.resolve("stdout"), "hello\n");
        Files.createDirectories(sandbox.resolve("sub"));
        Files.writeString(sandbox.resolve("sub/inner.txt"), "inner");
        secret = Files.writeString(workDir.resolve("secret"), "not for you"); // beside the sandbox, not in it
        Files.createSymbolicLink(sandbox.resolve("etc"), Path.of("/etc"));
        Files.createSymbolicLink(sandbox.resolve("passwd"), Path.of("/etc/passwd"));
        Files.createSymbolicLink(sandbox.resolve("sibling"), secret);
        Files.createSymbolicLink(sandbox.resolve("inside-link"), sandbox.resolve("stdout"));
        Path real = sandbox.toRealPath();
        SandboxFiles.Sandbox alices = new SandboxFiles.Sandbox(real, "alice");
        files = new SandboxFiles(Map.of(real.toString(), alices, LATEST, alices));
    }

    @Test
    void readsThroughTheRealAndTheVirtualPath() throws Exception {
        assertThat(new String(files.read(sandbox.toRealPath() + "/stdout", 0, null).data(), StandardCharsets.UTF_8))
                .isEqualTo("hello\n");
        assertThat(new String(files.read(LATEST + "/stdout", 2, 3L).data(), StandardCharsets.UTF_8)).isEqualTo("llo");
        assertThat(new String(files.read(LATEST + "//./sub/inner.txt", 0, null).data(), StandardCharsets.UTF_8))
                .isEqualTo("inner");
        assertThat(files.read(LATEST + "/inside-link", 0, null).data()).hasSize(6); // a link within is fine
    }

    @Test
    void offsetsAndLengthsFollowMesos() throws Exception {
        SandboxFiles.Chunk pastTheEnd = files.read(LATEST + "/stdout", 100, null);
        assertThat(pastTheEnd.size()).isEqualTo(6);
        assertThat(pastTheEnd.data()).isEmpty();
        assertThat(files.read(LATEST + "/stdout", 0, 0L).data()).isEmpty();

        Files.write(sandbox.resolve("big"), new byte[1_000_000]);
        SandboxFiles.Chunk capped = files.read(LATEST + "/big", 0, Long.MAX_VALUE);
        assertThat(capped.data()).hasSize(SandboxFiles.MAX_READ_LENGTH);
        assertThat(capped.size()).isEqualTo(1_000_000);
        assertThat(files.read(LATEST + "/big", 999_990, Long.MAX_VALUE).data()).hasSize(10);
    }

    @Test
    void dotDotIsRefusedEvenWhenItWouldStayInside() {
        assertRefused(() -> files.read(LATEST + "/../../../../../secret", 0, null), 403, "'..' is not allowed");
        assertRefused(() -> files.read(LATEST + "/sub/../stdout", 0, null), 403, "'..'");
        assertRefused(() -> files.browse(LATEST + "/.."), 403, "'..'");
    }

    @Test
    void symlinksOutOfTheSandboxAreRefused() {
        assertRefused(() -> files.read(LATEST + "/passwd", 0, null), 403, "leads outside its sandbox");
        assertRefused(() -> files.read(LATEST + "/etc/passwd", 0, null), 403, "leads outside its sandbox");
        assertRefused(() -> files.browse(LATEST + "/etc"), 403, "leads outside its sandbox");
        assertRefused(() -> files.read(LATEST + "/sibling", 0, null), 403, "leads outside its sandbox");
    }

    @Test
    void pathsOutsideEverySandboxAreNotFound() {
        assertRefused(() -> files.read("/etc/passwd", 0, null), 404, "serves only its executors' sandboxes");
        assertRefused(() -> files.read(secret.toString(), 0, null), 404, "No such file");
        assertRefused(() -> files.read("etc/passwd", 0, null), 404, "No such file");
        assertRefused(() -> files.read("/frameworks/F1/executors/OTHER/runs/latest/stdout", 0, null), 404,
                "No such file");
        assertRefused(() -> files.read(LATEST + "/missing", 0, null), 404, "No such file");
        assertRefused(() -> files.read(LATEST + "/stdout/below", 0, null), 404, "No such file");
    }

    @Test
    void controlCharactersAndMissingPathsAreRefused() {
        assertRefused(() -> files.read(LATEST + "/stdout\0.txt", 0, null), 403, "control character");
        assertRefused(() -> files.read(LATEST + "/std\nout", 0, null), 403, "control character");
        assertRefused(() -> files.read(null, 0, null), 400, "Expecting 'path=value'");
        assertRefused(() -> files.read("", 0, null), 400, "Expecting 'path=value'");
        // Percent escapes are the HTTP layer's to decode, once: here they are plain characters of a name.
        assertRefused(() -> files.read(LATEST + "/%2e%2e/%2e%2e/secret", 0, null), 404, "No such file");
    }

    @Test
    void directoriesAreListedNotRead() {
        assertRefused(() -> files.read(LATEST + "/sub", 0, null), 400, "Cannot read a directory");
        assertThat(files.browse(LATEST)).extracting(SandboxFiles.Entry::path).containsExactly(
                LATEST + "/etc", LATEST + "/inside-link", LATEST + "/passwd", LATEST + "/sibling",
                LATEST + "/stdout", LATEST + "/sub");
        SandboxFiles.Entry stdout = files.browse(LATEST + "/").stream()
                .filter(entry -> entry.path().endsWith("/stdout")).findFirst().orElseThrow();
        assertThat(stdout.size()).isEqualTo(6);
        assertThat(stdout.mode()).startsWith("-rw");
        assertThat(stdout.nlink()).isEqualTo(1);
        SandboxFiles.Entry link = files.browse(LATEST).stream()
                .filter(entry -> entry.path().endsWith("/etc")).findFirst().orElseThrow();
        assertThat(link.mode()).as("a link is shown as one, its target not looked at").startsWith("l");
        assertThat(files.browse(LATEST + "/stdout")).isEmpty();
    }

    @Test
    void aSandboxThatWasRemovedIsNotFound() throws Exception {
        Path gone = Files.createDirectories(workDir.resolve("gone"));
        SandboxFiles withGone = new SandboxFiles(Map.of("/frameworks/F/executors/G/runs/latest",
                new SandboxFiles.Sandbox(gone, "alice")));
        Files.delete(gone);
        assertRefused(() -> withGone.read("/frameworks/F/executors/G/runs/latest/stdout", 0, null), 404,
                "its sandbox is gone");
    }

    @Test
    void aPrincipalWithoutAccessSandboxesOnItsUserIsRefusedBeforeTheDiskIsTouched() throws Exception {
        io.corral.protocol.security.Acls acls = io.corral.protocol.security.Acls.parse(
                new com.fasterxml.jackson.databind.ObjectMapper().readTree("""
                        {"permissive": false,
                         "access_sandboxes": [{"principals": {"values": ["ops"]}, "users": {"type": "ANY"}},
                                              {"principals": {"values": ["bob"]}, "users": {"values": ["bob"]}}]}
                        """), "test");
        SandboxFiles asBob = files.restrictedTo(Approvals.of(acls, java.util.Optional.of("bob")));
        assertRefused(() -> asBob.read(LATEST + "/stdout", 0, null), 403, "ACL access_sandboxes");
        assertRefused(() -> asBob.read(LATEST + "/no-such-file", 0, null), 403, "user 'alice'");
        assertRefused(() -> asBob.browse(LATEST), 403, "access_sandboxes");
        assertThat(asBob.debug()).as("debug lists only what bob may access").isEmpty();
        assertRefused(() -> asBob.read("/frameworks/F9/executors/E9/runs/latest/stdout", 0, null), 404,
                "No such file");

        SandboxFiles asOps = files.restrictedTo(Approvals.of(acls, java.util.Optional.of("ops")));
        assertThat(asOps.read(LATEST + "/stdout", 0, null).data()).hasSize(6);
        assertThat(asOps.debug()).containsKey(LATEST);
        assertThat(files.restrictedTo(Approvals.ALL)).isSameAs(files);
    }

    @Test
    void readTextNeverEndsInsideACharacter() {
        byte[] euro = "a€".getBytes(StandardCharsets.UTF_8); // 'a' then 3 bytes
        assertThat(FilesEndpoints.text(java.util.Arrays.copyOf(euro, 3))).isEqualTo("a");
        assertThat(FilesEndpoints.text(java.util.Arrays.copyOf(euro, 2))).isEqualTo("a");
        assertThat(FilesEndpoints.text(euro)).isEqualTo("a€");
        assertThat(FilesEndpoints.text("hello".getBytes(StandardCharsets.UTF_8))).isEqualTo("hello");
        assertThat(FilesEndpoints.text(new byte[0])).isEmpty();
    }

    private static void assertRefused(ThrowingCallable call, int status, String message) {
        assertThatThrownBy(call).isInstanceOfSatisfying(HttpError.class, error -> {
            assertThat(error.status()).as(error.getMessage()).isEqualTo(status);
            assertThat(error.getMessage()).contains(message);
        });
    }
}
