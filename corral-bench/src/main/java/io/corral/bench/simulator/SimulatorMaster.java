package io.corral.bench.simulator;

import io.corral.master.MasterConfig;
import io.corral.master.MasterServer;
import io.corral.protocol.security.RateLimits;
import io.corral.zookeeper.ZkUrl;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The real master, in a JVM of its own, as the simulator runs it ({@link MasterProcess} starts it): a
 * {@link MasterServer} on loopback, plain HTTP, no authentication, with the connection and stream limits raised so
 * that thousands of simulated agents on one address may connect (see {@link #RATE_LIMITS}).
 *
 * <p>Talks to its parent over standard streams: prints {@code PORT <n>} once serving, then answers each line of
 * standard input: {@code heap} with {@code HEAP <bytes used after a full GC>}; it exits when standard input ends
 * (the parent went away), so no orphan master outlives a benchmark.
 *
 * <p>Usage: {@code SimulatorMaster <zk url> <zk session timeout ms>}.
 *
 * <p>Threading: the main thread reads commands; the master runs on its own threads.
 */
public final class SimulatorMaster {
    /**
     * Every simulated agent connects from 127.0.0.1 without a principal, so all count as one client: the default
     * 1,024 connections and 256 event streams per client would stop the simulation at 256 agents. This is the
     * {@code --rate-limits} file a real master of such a cluster would be given.
     */
    public static final String RATE_LIMITS = "{\"default_max_connections\": 1000000, \"default_max_streams\": 1000000}";

    public static void main(String[] args) throws Exception {
        ZkUrl zk = ZkUrl.parse(args[0]);
        Duration session = Duration.ofMillis(Long.parseLong(args[1]));
        MasterServer.Options options = MasterServer.Options.insecure(zk, "127.0.0.1", "127.0.0.1", 0, session,
                MasterConfig.defaults()).withRateLimits(RateLimits.parse(RATE_LIMITS, "simulator rate limits"));
        MasterServer master = MasterServer.start(options, () -> {
            System.err.println("simulator master: leadership lost for good; exiting");
            System.exit(3);
        });
        System.out.println("PORT " + master.port());
        System.out.flush();
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = commands.readLine()) != null) {
            if (line.strip().equals("heap")) {
                System.gc();
                System.gc();
                System.out.println("HEAP " + ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
                System.out.flush();
            }
        }
        master.close();
        System.exit(0);
    }

    private SimulatorMaster() {
    }
}
