package io.corral.bench.simulator;

import io.corral.bench.BenchSupport;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingServer;

/**
 * The simulator's ZooKeeper ensemble (curator-test servers, one or three), in a JVM of its own as a real ensemble
 * would be: in the simulator's JVM, a young collection over thousands of simulated agents once stalled the server
 * past the masters' session timeout, and a master that loses its session steps down, which ended the run.
 *
 * <p>Prints {@code CONNECT <connect string>} once serving; exits when standard input ends (the parent went away).
 *
 * <p>Usage: {@code SimulatorZooKeeper <servers>}.
 *
 * <p>Threading: the main thread starts the servers and waits; ZooKeeper runs on its own threads.
 */
public final class SimulatorZooKeeper {

    public static void main(String[] args) throws Exception {
        int servers = Integer.parseInt(args[0]);
        AutoCloseable ensemble;
        String connect;
        if (servers == 1) {
            TestingServer server = new TestingServer(BenchSupport.ensemble(1).get(0), true);
            ensemble = server;
            connect = server.getConnectString();
        } else {
            TestingCluster cluster = new TestingCluster(BenchSupport.ensemble(servers));
            cluster.start();
            ensemble = cluster;
            connect = cluster.getConnectString();
        }
        System.out.println("CONNECT " + connect);
        System.out.flush();
        BufferedReader parent = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        while (parent.readLine() != null) {
            // no commands: it serves until the simulator goes away
        }
        ensemble.close();
        System.exit(0);
    }

    private SimulatorZooKeeper() {
    }
}
