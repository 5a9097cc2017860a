package io.corral.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.corral.protocol.MasterInfos;
import io.corral.protocol.json.MesosJson;
import io.corral.zookeeper.MasterContender;
import io.corral.zookeeper.ZkClients;
import io.corral.zookeeper.ZkUrl;
import io.corral.zookeeper.registry.AgentRecord;
import io.corral.zookeeper.registry.AgentState;
import io.corral.zookeeper.registry.RegistryCodec;
import io.corral.zookeeper.registry.RegistrySnapshot;
import io.corral.zookeeper.registry.RegistryStore;
import io.corral.zookeeper.registry.WriteStats;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingCluster;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.Attribute;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.Value;

/**
 * Admitting agents into the durable registry ({@code docs/architecture.md}, "Performance targets and measurements":
 * 10,000 agents in at most 2 s) on a three-server ZooKeeper ensemble on loopback, in this JVM (curator-test's
 * TestingCluster: real quorum, real transaction logs).
 *
 * <p>What is measured is what a leading master does when agents register: one {@code putAgent} per agent, submitted
 * one after another without waiting (as the master's event loop does), each one a fenced write; the clock stops when
 * ZooKeeper has confirmed the last one. The store batches the writes queued behind the multi in flight into the next
 * multi. Two rounds run: the first on a cold JVM, the second on a warm one, each admitting new agents. Then the whole
 * registry is read back as a new leader would at failover. Each round also prints the CPU time this JVM (client and
 * servers) used: on a shared machine the wall time includes waiting for other processes, the CPU time does not.
 *
 * <p>Usage: {@code bench/registry-admission [agents] [maxBatchKiB]} (defaults 10000 and the store's default).
 */
public final class RegistryAdmissionBenchmark {

    private static final String ROOT = "/corral";
    private static final Duration WAIT = Duration.ofSeconds(120);

    public static void main(String[] args) throws Exception {
        int agents = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int maxBatchBytes = args.length > 1 ? Integer.parseInt(args[1]) * 1024 : RegistryStore.DEFAULT_MAX_BATCH_BYTES;
        try (TestingCluster ensemble = new TestingCluster(BenchSupport.ensemble(3))) {
            ensemble.start();
            ZkUrl url = ZkUrl.parse("zk://" + ensemble.getConnectString() + ROOT);
            try (CuratorFramework zk = ZkClients.connect(url, Duration.ofSeconds(10), Duration.ofSeconds(30))) {
                MasterInfo master = MasterInfos.create("bench-master", "localhost", "127.0.0.1", 5050, "1.11.0");
                try (MasterContender contender = new MasterContender(zk, ROOT, MesosJson.print(master).getBytes(UTF_8));
                     RegistryStore store = new RegistryStore(zk, ROOT, maxBatchBytes)) {
                    contender.start();
                    store.claimLeadership(contender.ownNodePath(), master).get(WAIT.toSeconds(), TimeUnit.SECONDS);
                    System.out.printf("ensemble: 3 ZooKeeper servers on loopback; batches up to %d KiB; agent document"
                            + " %d bytes%n", maxBatchBytes / 1024, RegistryCodec.encodeAgent(agent(0, "x")).length);

                    admit(store, agents, "cold");
                    admit(store, agents, "warm");

                    long loadStart = System.nanoTime();
                    RegistrySnapshot snapshot = store.load().get(WAIT.toSeconds(), TimeUnit.SECONDS);
                    double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
                    System.out.printf("recovery read: %d agents loaded in %.2f s (%.0f znodes/s)%n",
                            snapshot.agents().size(), loadSeconds, snapshot.agents().size() / loadSeconds);
                    if (snapshot.agents().size() != 2 * agents) {
                        throw new IllegalStateException("expected " + 2 * agents + " agents in the registry, found "
                                + snapshot.agents().size());
                    }
                }
            }
        }
    }

    private static void admit(RegistryStore store, int count, String round) throws Exception {
        List<AgentRecord> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            records.add(agent(i, round));
        }
        WriteStats before = store.stats();
        long cpuStart = processCpuNanos();
        long start = System.nanoTime();
        List<CompletableFuture<Void>> writes = new ArrayList<>(count);
        for (AgentRecord record : records) {
            writes.add(store.putAgent(record));
        }
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpuSeconds = (processCpuNanos() - cpuStart) / 1e9;
        WriteStats after = store.stats();
        long znodes = after.znodesWritten() - before.znodesWritten();
        long multis = after.multis() - before.multis();
        System.out.printf("%s: %d agents admitted in %.3f s: %.0f ZooKeeper writes/s (znodes written/s), %d multis"
                        + " (%.0f znodes each)%n", round, count, seconds, znodes / seconds, multis,
                (double) znodes / multis);
        // The three servers run in this JVM, so this is all the work; other processes only add waiting.
        System.out.printf("%s: this JVM used %.2f s of CPU (client and all three servers) in those %.3f s;"
                        + " machine load average %.1f on %d cores%n", round, cpuSeconds, seconds,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                Runtime.getRuntime().availableProcessors());
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** An agent as a typical registration describes it. */
    private static AgentRecord agent(int i, String round) {
        String id = "9f3c2b1e-5d4a-4c7b-8e6f-" + round + "-S" + i;
        AgentInfo info = AgentInfo.newBuilder()
                .setId(AgentID.newBuilder().setValue(id))
                .setHostname("agent-" + i + ".rack" + i % 40 + ".example.com")
                .setPort(5051)
                .addResources(scalar("cpus", 32))
                .addResources(scalar("mem", 257_000))
                .addResources(scalar("disk", 1_800_000))
                .addResources(Resource.newBuilder().setName("ports").setType(Value.Type.RANGES)
                        .setRanges(Value.Ranges.newBuilder().addRange(Value.Range.newBuilder().setBegin(31000).setEnd(32000))))
                .addAttributes(Attribute.newBuilder().setName("rack").setType(Value.Type.TEXT)
                        .setText(Value.Text.newBuilder().setValue("rack" + i % 40)))
                .addAttributes(Attribute.newBuilder().setName("zone").setType(Value.Type.TEXT)
                        .setText(Value.Text.newBuilder().setValue("zone-" + i % 3)))
                .build();
        Instant now = Instant.ofEpochMilli(1_700_000_000_000L + i);
        return new AgentRecord(info, AgentState.active(), now, now);
    }

    private static Resource scalar(String name, double value) {
        return Resource.newBuilder().setName(name).setType(Value.Type.SCALAR)
                .setScalar(Value.Scalar.newBuilder().setValue(value)).build();
    }
}
