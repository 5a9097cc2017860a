package io.corral.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import io.corral.cli.Corral;
import io.corral.cli.LiveSettings;
import io.corral.master.MasterServer;
import io.corral.zookeeper.config.ConfigStore;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** A setting changed with `corral config set` takes effect on a running master and agent, without a restart. */
class LiveConfigurationTest {
    @TempDir
    Path workDir;

    @Test
    void settingsChangedThroughTheCliApplyLive() throws Exception {
        Logger root = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Level before = root.getLevel();
        try (InProcessCluster cluster = InProcessCluster.start(workDir, 1, 1);
             ConfigStore masterSettings = LiveSettings.forMaster(cluster.masters.get(0),
                     cluster.masters.get(0).zookeeper(), cluster.zk.rootPath());
             ConfigStore agentSettings = LiveSettings.forAgent(cluster.agents.get(0).zookeeper(),
                     cluster.zk.rootPath())) {
            MasterServer master = cluster.masters.get(0);
            assertThat(master.config().allocationInterval()).isEqualTo(Duration.ofSeconds(1));

            assertThat(Corral.commandLine().execute("config", "set", "allocation_interval", "3secs",
                    "--zk", cluster.zk.toString())).isZero();
            assertThat(Corral.commandLine().execute("config", "set", "offer_timeout", "5m",
                    "--zk", cluster.zk.toString())).isZero();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(master.config().allocationInterval()).isEqualTo(Duration.ofSeconds(3));
                assertThat(master.config().offerTimeout()).contains(Duration.ofMinutes(5));
            });

            assertThat(Corral.commandLine().execute("config", "set", "logging_level", "TRACE",
                    "--zk", cluster.zk.toString())).isZero();
            await().atMost(Duration.ofSeconds(10)).until(() -> Level.TRACE.equals(root.getLevel()));

            assertThat(Corral.commandLine().execute("config", "set", "offer_timeout", "not-a-duration",
                    "--zk", cluster.zk.toString())).isNotZero();
            assertThat(master.config().offerTimeout()).contains(Duration.ofMinutes(5));
        } finally {
            root.setLevel(before);
        }
    }
}
