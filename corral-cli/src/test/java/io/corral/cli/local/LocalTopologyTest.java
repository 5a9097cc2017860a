package io.corral.cli.local;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LocalTopologyTest {
    private final Path work = Path.of("/w");

    @Test
    void ensembleMastersAndAgentsTakeConsecutivePortsFromTheBase() {
        LocalTopology topology = LocalTopology.plan(work, 3, 3, 2, PortPlan.from(20000));

        assertThat(topology.zkUrl()).isEqualTo("zk://127.0.0.1:20000,127.0.0.1:20001,127.0.0.1:20002/corral");
        assertThat(topology.zooKeepers().get(1).corralArgs()).containsExactly(
                "zk", "--data-dir", "/w/zk-2", "--port", "20001", "--host", "127.0.0.1", "--id", "2",
                "--servers", "127.0.0.1:20003:20004,127.0.0.1:20005:20006,127.0.0.1:20007:20008");
        assertThat(topology.masters()).extracting(ProcessSpec::address)
                .containsExactly("127.0.0.1:20009", "127.0.0.1:20010", "127.0.0.1:20011");
        assertThat(topology.masters().get(0).corralArgs()).containsExactly("master", "--zk", topology.zkUrl(),
                "--port", "20009", "--work-dir", "/w/master-1", "--hostname", "127.0.0.1", "--insecure");
        assertThat(topology.agents().get(1).corralArgs()).containsExactly("agent", "--zk", topology.zkUrl(),
                "--port", "20013", "--work-dir", "/w/agent-2", "--hostname", "127.0.0.1", "--insecure",
                "--kill-tasks-on-stop");
        assertThat(topology.agents().get(1).logFile()).isEqualTo(Path.of("/w/logs/agent-2.log"));
        assertThat(topology.agents().get(1).pidFile()).isEqualTo(Path.of("/w/run/agent-2.pid"));
    }

    @Test
    void agentsGetTheIsolationAskedFor() {
        LocalTopology topology = LocalTopology.plan(work, 1, 1, 1, PortPlan.from(20000),
                List.of("cgroups/cpu", "cgroups/mem", "cgroups/pids", "disk/du"));

        assertThat(topology.agents().get(0).corralArgs()).endsWith("--kill-tasks-on-stop", "--isolation",
                "cgroups/cpu,cgroups/mem,cgroups/pids,disk/du");
        assertThat(topology.masters().get(0).corralArgs()).doesNotContain("--isolation");
    }

    @Test
    void agentsAskedForMesossImageIsolatorsRunImages() {
        LocalTopology topology = LocalTopology.plan(work, 1, 1, 1, PortPlan.from(20000),
                List.of("filesystem/linux", "namespaces/pid", "docker/runtime"));

        assertThat(topology.agents().get(0).corralArgs()).endsWith("--isolation",
                "filesystem/linux,namespaces/pid,docker/runtime", "--image-providers", "docker");
    }

    @Test
    void aSecureClusterSplitsTheMachineBetweenItsAgents(@org.junit.jupiter.api.io.TempDir Path dir) {
        LocalSecrets secrets = LocalSecrets.generate(dir);
        io.corral.agent.resources.DetectedResources machine =
                new io.corral.agent.resources.DetectedResources(4, 8000, 10000, 31000, 32000);
        LocalTopology topology = LocalTopology.plan(dir, 1, 1, 2, PortPlan.from(20000), secrets, List.of(),
                java.util.Optional.of(machine));

        assertThat(topology.masters().get(0).corralArgs()).contains("--credentials", "--acls")
                .contains("file://" + dir.resolve("secrets").resolve("zk-url"));
        assertThat(topology.agents().get(0).corralArgs()).containsSequence("--credential",
                dir.resolve("secrets").resolve("agent.json").toString())
                .containsSequence("--resources", "cpus:2.0;mem:4000;disk:5000;ports:[31000-31499]");
        assertThat(topology.agents().get(1).corralArgs())
                .containsSequence("--resources", "cpus:2.0;mem:4000;disk:5000;ports:[31500-32000]");
    }

    @Test
    void oneZooKeeperRunsStandalone() {
        LocalTopology topology = LocalTopology.plan(work, 1, 1, 0, PortPlan.from(30000));

        assertThat(topology.zooKeepers().get(0).corralArgs())
                .containsExactly("zk", "--data-dir", "/w/zk-1", "--port", "30000", "--host", "127.0.0.1");
        assertThat(topology.masters().get(0).port()).isEqualTo(30001);
        assertThat(topology.agents()).isEmpty();
    }

    @Test
    void freePortsAreDistinct() {
        List<Integer> ports = PortPlan.free().take(14);

        assertThat(new HashSet<>(ports)).hasSize(14);
    }

    @Test
    void namesAreUniqueAndStartOrderIsZooKeeperMastersAgents() {
        LocalTopology topology = LocalTopology.plan(work, 3, 2, 2, PortPlan.from(20000));

        assertThat(topology.all()).extracting(ProcessSpec::name)
                .containsExactly("zk-1", "zk-2", "zk-3", "master-1", "master-2", "agent-1", "agent-2");
        Set<String> addresses = new HashSet<>();
        topology.all().forEach(spec -> assertThat(addresses.add(spec.address())).isTrue());
    }

    @Test
    void explainsBadCounts() {
        assertThatThrownBy(() -> LocalTopology.plan(work, 0, 3, 2, PortPlan.from(20000)))
                .hasMessage("--zk-servers must be at least 1, got 0");
        assertThatThrownBy(() -> LocalTopology.plan(work, 3, 3, 2, PortPlan.from(65530)))
                .hasMessageContaining("--base-port 65530 leaves no room for 14 consecutive ports");
    }
}
