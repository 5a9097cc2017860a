package io.corral.cli.local;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class LocalRegistryTest {

    @TempDir
    Path dir;

    @Test
    void newestRunningRecordWins() {
        LocalRegistry registry = new LocalRegistry(dir, pid -> true);
        registry.publish(record(11, "2025-01-01T10:00:00Z"));
        registry.publish(record(12, "2025-01-01T12:00:00Z"));
        registry.publish(record(13, "2025-01-01T11:00:00Z"));

        assertThat(registry.newest()).map(LocalClusterRecord::pid).contains(12L);
        assertThat(registry.running()).extracting(LocalClusterRecord::pid).containsExactly(12L, 13L, 11L);
    }

    @Test
    void recordsOfDeadProcessesAreSkippedAndDeleted() {
        Set<Long> alive = Set.of(11L);
        LocalRegistry registry = new LocalRegistry(dir, alive::contains);
        registry.publish(record(11, "2025-01-01T10:00:00Z"));
        Path dead = registry.publish(record(12, "2025-01-01T12:00:00Z"));

        assertThat(registry.newest()).map(LocalClusterRecord::pid).contains(11L);
        assertThat(dead).doesNotExist();
    }

    @Test
    void nothingRunningWhenTheDirectoryDoesNotExist() {
        LocalRegistry registry = new LocalRegistry(dir.resolve("absent"), pid -> true);

        assertThat(registry.newest()).isEmpty();
    }

    @Test
    void publishReplacesAndRemoveDeletes() {
        LocalRegistry registry = new LocalRegistry(dir, pid -> true);
        registry.publish(record(11, "2025-01-01T10:00:00Z"));
        registry.publish(new LocalClusterRecord(11, "/w", "zk://z/corral", "http://127.0.0.1:5050/",
                "2025-01-01T10:00:00Z"));

        assertThat(registry.newest()).map(LocalClusterRecord::master).contains("http://127.0.0.1:5050/");

        registry.remove(11);
        assertThat(registry.newest()).isEmpty();
    }

    @Test
    void unreadableFilesAreIgnored() throws IOException {
        LocalRegistry registry = new LocalRegistry(dir, pid -> true);
        Files.writeString(dir.resolve("local-99.json"), "{ not json");
        registry.publish(record(11, "2025-01-01T10:00:00Z"));

        assertThat(registry.running()).extracting(LocalClusterRecord::pid).containsExactly(11L);
    }

    @Test
    void liveProcessCheckUsesRealPids() {
        LocalRegistry registry = new LocalRegistry(dir);
        registry.publish(record(ProcessHandle.current().pid(), "2025-01-01T10:00:00Z"));
        registry.publish(record(Long.MAX_VALUE - 1, "2025-01-01T12:00:00Z"));

        assertThat(registry.newest()).map(LocalClusterRecord::pid).contains(ProcessHandle.current().pid());
    }

    private static LocalClusterRecord record(long pid, String startedAt) {
        return new LocalClusterRecord(pid, "/tmp/w" + pid, "zk://127.0.0.1:2181/corral", null, startedAt);
    }
}
