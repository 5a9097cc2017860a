package io.corral.agent.containerizer.cgroups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cgroup v2 device programs in the real kernel: a process moved into a cgroup with rules opens the host's own device
 * nodes ({@code /dev/zero} is c 1:5, {@code /dev/null} c 1:3) as the rules say. Runs in the unified hierarchy (a
 * hybrid machine's {@code /sys/fs/cgroup/unified} takes device programs too); skipped where there is none or this
 * process may not attach programs (not root).
 */
class CgroupDeviceFilterTest {
    private static final Path MOUNT = Cgroups.DEFAULT_MOUNT;
    private static final int MEMORY_MAJOR = 1;
    private static final int NULL_MINOR = 3;
    private static final int ZERO_MINOR = 5;
    private static final String DENIED = "Operation not permitted";

    private Path root;
    private Path cgroup;
    private CgroupDeviceFilter filter;

    @BeforeEach
    void aCgroupOfOurOwn() throws IOException {
        Path hybrid = MOUNT.resolve("unified");
        Path mount = Files.isRegularFile(hybrid.resolve("cgroup.controllers")) ? hybrid : MOUNT;
        assumeThat(mount.resolve("cgroup.controllers")).as("a cgroup v2 hierarchy").isRegularFile();
        root = mount.resolve("corral-test-" + UUID.randomUUID().toString().substring(0, 8));
        try {
            Files.createDirectory(root);
        } catch (IOException e) {
            assumeThat(e).as("a writable cgroup v2 hierarchy").isNull();
        }
        cgroup = Files.createDirectory(root.resolve("c1"));
        try {
            filter = CgroupDeviceFilter.probe(cgroup);
        } catch (IOException e) {
            assumeThat(e).as("eBPF device programs").isNull();
        }
    }

    @AfterEach
    void removeIt() throws IOException {
        if (root != null) {
            Files.deleteIfExists(cgroup);
            Files.deleteIfExists(root);
        }
    }

    /** Runs {@code script} in a shell moved into the cgroup first; its output and errors together. */
    private String runInCgroup(String script) throws Exception {
        String join = "echo $$ > " + cgroup.resolve("cgroup.procs");
        Process process = new ProcessBuilder("sh", "-c", join + " && " + script).redirectErrorStream(true).start();
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void aDeniedDeviceCannotBeOpenedAndEveryOtherCan() throws Exception {
        filter.replace(cgroup, List.of(DeviceRule.character(false, MEMORY_MAJOR, ZERO_MINOR)));

        assertThat(runInCgroup("head -c 1 /dev/zero >/dev/null; echo zero=$?")).contains(DENIED).contains("zero=1");
        assertThat(runInCgroup("head -c 1 /dev/urandom >/dev/null; echo urandom=$?")).isEqualTo("urandom=0\n");
        Process outside = new ProcessBuilder("head", "-c", "1", "/dev/zero").start();
        assertThat(outside.waitFor()).as("a process outside the cgroup is not filtered").isZero();
    }

    @Test
    void theAccessLettersOfARuleAreKept() throws Exception {
        filter.replace(cgroup, List.of(
                new DeviceRule(false, 'c', MEMORY_MAJOR, NULL_MINOR, "w"),
                new DeviceRule(true, 'c', MEMORY_MAJOR, ZERO_MINOR, "r"),
                new DeviceRule(false, 'c', MEMORY_MAJOR, ZERO_MINOR, "rwm")));

        assertThat(runInCgroup("cat /dev/null; echo read=$?")).isEqualTo("read=0\n");
        assertThat(runInCgroup("echo x > /dev/null; echo write=$?")).contains(DENIED).contains("write=");
        assertThat(runInCgroup("head -c 1 /dev/zero | wc -c")).isEqualTo("1\n");
        assertThat(runInCgroup("true > /dev/zero; echo write=$?")).contains(DENIED);
    }

    @Test
    void aWildcardRuleCoversEveryMinor() throws Exception {
        filter.replace(cgroup, List.of(new DeviceRule(false, 'c', MEMORY_MAJOR, DeviceRule.ANY, "r")));

        assertThat(runInCgroup("head -c 1 /dev/zero >/dev/null; echo zero=$?")).contains(DENIED);
        assertThat(runInCgroup("head -c 1 /dev/urandom >/dev/null; echo urandom=$?")).contains(DENIED);
        assertThat(runInCgroup("echo x > /dev/null; echo write=$?")).isEqualTo("write=0\n");
    }

    @Test
    void newRulesReplaceTheOldOnesWithOneProgramLeftAttached() throws Exception {
        filter.replace(cgroup, List.of(DeviceRule.character(false, MEMORY_MAJOR, ZERO_MINOR)));
        filter.replace(cgroup, List.of(DeviceRule.character(false, MEMORY_MAJOR, NULL_MINOR)));

        assertThat(runInCgroup("head -c 1 /dev/zero | wc -c")).isEqualTo("1\n");
        assertThat(runInCgroup("cat /dev/null; echo null=$?")).contains(DENIED);
        assertThat(filter.attached(cgroup)).hasSize(1);
    }

    @Test
    void aDirectoryThatIsNotACgroupIsRefused(@TempDir Path plain) {
        assertThatThrownBy(() -> filter.replace(plain, List.of()))
                .isInstanceOf(IOException.class).hasMessageContaining("attach a device program to " + plain);
    }
}
