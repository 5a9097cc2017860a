package io.corral.cli.local;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LocalStatusCommandTest {
    @TempDir
    Path work;
    @TempDir
    Path registryDir;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    @Test
    void printsTheNewestRunningClusterAsATable() {
        ClusterFile cluster = new ClusterFile(1, ProcessHandle.current().pid(), work.toString(), "2025-01-01T10:00:00Z",
                "RUNNING", "zk://127.0.0.1:2181/corral", "http://127.0.0.1:5050/", List.of(
                new ClusterFile.Process("zk", "zk-1", 101L, "127.0.0.1:2181", "/w/logs/zk-1.log", 0, "UP"),
                new ClusterFile.Process("master", "master-1", null, "127.0.0.1:5050", "/w/logs/master-1.log", 2,
                        "BACKOFF")));
        cluster.writeTo(ClusterFile.in(work));
        LocalRegistry registry = new LocalRegistry(registryDir);
        registry.publish(new LocalClusterRecord(ProcessHandle.current().pid(), work.toString(), cluster.zk(),
                cluster.leader(), cluster.startedAt()));

        int exit = new CommandLine(new LocalStatusCommand(registry, out)).execute();

        assertThat(exit).isZero();
        assertThat(bytes.toString(StandardCharsets.UTF_8))
                .contains("leader:   http://127.0.0.1:5050/")
                .containsPattern("ROLE +NAME +STATE +PID +ADDRESS +RESTARTS +LOG")
                .containsPattern("zk +zk-1 +UP +101 +127.0.0.1:2181 +0 +/w/logs/zk-1.log")
                .containsPattern("master +master-1 +BACKOFF +- +127.0.0.1:5050 +2 +/w/logs/master-1.log");
    }

    @Test
    void jsonPrintsClusterJsonAsItIs() {
        new ClusterFile(1, 7, work.toString(), "2025-01-01T10:00:00Z", "STOPPED", "zk://z:1/corral", null, List.of())
                .writeTo(ClusterFile.in(work));

        int exit = new CommandLine(new LocalStatusCommand(new LocalRegistry(registryDir), out))
                .execute("--work-dir", work.toString(), "--json");

        assertThat(exit).isZero();
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("\"state\" : \"STOPPED\"", "\"pid\" : 7");
    }
}
