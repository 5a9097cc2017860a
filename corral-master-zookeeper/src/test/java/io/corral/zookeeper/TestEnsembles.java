package io.corral.zookeeper;

import io.corral.protocol.net.FreePorts;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.test.InstanceSpec;

/**
 * Servers for curator-test's {@code TestingCluster} and {@code TestingServer} that elect as Corral's own ensembles do
 * ({@link EmbeddedZooKeeper#useFastElections()}, {@link EmbeddedZooKeeper#TICK_TIME_MS}), with distinct ports picked
 * at once ({@link FreePorts}: picked one at a time, two servers once got the same client port). Shared with
 * corral-cli's tests through this module's test-jar.
 */
public final class TestEnsembles {
    private TestEnsembles() {
    }

    /** One standalone server (for curator-test's {@code TestingServer}) that ticks and times out as Corral's do. */
    public static InstanceSpec standalone() {
        return new InstanceSpec(null, -1, -1, -1, true, -1, EmbeddedZooKeeper.TICK_TIME_MS, -1,
                EmbeddedZooKeeper.serverSettings());
    }

    public static List<InstanceSpec> servers(int count) {
        EmbeddedZooKeeper.useFastElections();
        List<Integer> ports = FreePorts.loopback(3 * count); // client, election, quorum per server
        List<InstanceSpec> specs = new ArrayList<>();
        for (int id = 1; id <= count; id++) {
            int first = 3 * (id - 1);
            specs.add(new InstanceSpec(null, ports.get(first), ports.get(first + 1), ports.get(first + 2), true, id,
                    EmbeddedZooKeeper.TICK_TIME_MS, -1,
                    EmbeddedZooKeeper.serverSettings()));
        }
        return specs;
    }
}
