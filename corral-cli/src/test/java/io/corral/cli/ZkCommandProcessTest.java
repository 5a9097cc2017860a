package io.corral.cli;

import io.corral.cli.local.PortPlan;
import io.corral.zookeeper.ZkClients;
import io.corral.zookeeper.ZkUrl;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code corral zk} as a real OS process: it serves, stops cleanly on SIGTERM, and keeps its data across restarts. */
class ZkCommandProcessTest {
    @TempDir
    Path dir;

    private Process server;

    @AfterEach
    void killLeftovers() {
        if (server != null) {
            server.destroyForcibly();
        }
    }

    @Test
    void standaloneServerKeepsItsDataAcrossARestart() throws Exception {
        int port = PortPlan.free().take(1).get(0);
        Path data = dir.resolve("data");
        ZkUrl url = ZkUrl.parse("zk://127.0.0.1:" + port + "/corral");

        server = startZk(data, port);
        try (CuratorFramework client = ZkClients.connect(url, Duration.ofSeconds(2), Duration.ofSeconds(30))) {
            client.create().forPath("/greeting", "hello".getBytes(StandardCharsets.UTF_8));
        }
        stopWithSigterm(server);

        server = startZk(data, port);
        try (CuratorFramework client = ZkClients.connect(url, Duration.ofSeconds(2), Duration.ofSeconds(30))) {
            assertThat(new String(client.getData().forPath("/greeting"), StandardCharsets.UTF_8)).isEqualTo("hello");
        }
        stopWithSigterm(server);
    }

    private Process startZk(Path data, int port) throws Exception {
        return CorralProcesses.start(dir.resolve("zk.log"), "zk", "--data-dir", data.toString(),
                "--port", Integer.toString(port));
    }

    /** SIGTERM runs the shutdown hook: the JVM exits promptly with 128 + 15. */
    private static void stopWithSigterm(Process process) throws InterruptedException {
        process.destroy();
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
        assertThat(process.exitValue()).isEqualTo(143);
    }
}
