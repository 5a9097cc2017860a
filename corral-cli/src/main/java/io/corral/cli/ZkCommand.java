package io.corral.cli;

import io.corral.zookeeper.EmbeddedZooKeeper;
import io.corral.zookeeper.ZkServerConfig;
import io.corral.zookeeper.ZkServerTls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;

/**
 * {@code corral zk}: runs one real ZooKeeper server (standalone, or member {@code --id} of the ensemble
 * {@code --servers}) until SIGTERM or SIGINT, then stops it cleanly. Its data stays in {@code --data-dir} across
 * restarts.
 *
 * <p>Threading: the main thread waits for the JVM's shutdown hook, which closes the server.
 */
@Command(name = "zk", mixinStandardHelpOptions = true,
        description = "Run a ZooKeeper server (standalone or an ensemble member) until stopped.")
public final class ZkCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ZkCommand.class);
    private static final Duration SERVING_TIMEOUT = Duration.ofSeconds(60);

    @Option(names = "--id", paramLabel = "ID", defaultValue = "0",
            description = "This server's id in --servers, 1..n; 0 (default) runs a standalone server.")
    int id;

    @Option(names = "--servers", paramLabel = "HOST:QUORUM:ELECTION", split = ",",
            description = "Every ensemble member in id order, e.g. "
                    + "127.0.0.1:2888:3888,127.0.0.1:2889:3889,127.0.0.1:2890:3890.")
    List<String> servers = List.of();

    @Option(names = "--data-dir", paramLabel = "DIR", required = true,
            description = "Where snapshots and transaction logs live; reuse it to keep the data.")
    Path dataDir;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "2181",
            description = "Client port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = ZkServerConfig.DEFAULT_CLIENT_HOST,
            description = "Address the client port binds to (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--secure-port", paramLabel = "PORT",
            description = "Also serve clients over TLS on this port (ZooKeeper's secureClientPort); needs --tls-cert.")
    Integer securePort;

    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "For --secure-port: one PEM file with the server's certificate chain and its unencrypted"
                    + " PKCS#8 private key (ZooKeeper's PEM key store, e.g. cat cert.pem key.pem); the certificate"
                    + " must name the host clients dial.")
    Path tlsCert;

    @Option(names = "--tls-client-ca", paramLabel = "FILE",
            description = "Demand client certificates signed by a CA in this PEM bundle (default: none asked for;"
                    + " clients authenticate with zk://user:password@ digest inside TLS).")
    Path tlsClientCa;

    @Option(names = "--tls-only",
            description = "Serve clients on --secure-port only: no plain client port (--port is ignored).")
    boolean tlsOnly;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** The secure client port the flags ask for; a usage error for a half-given or unreadable one. */
    private java.util.Optional<ZkServerTls> tls() {
        if (securePort == null) {
            if (tlsCert != null || tlsClientCa != null || tlsOnly) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--tls-cert, --tls-client-ca and --tls-only need --secure-port PORT");
            }
            return java.util.Optional.empty();
        }
        if (tlsCert == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--secure-port needs --tls-cert FILE: the server's certificate and key in one PEM file");
        }
        try {
            return java.util.Optional.of(new ZkServerTls(securePort, tlsCert.toAbsolutePath(),
                    java.util.Optional.ofNullable(tlsClientCa).map(Path::toAbsolutePath), tlsOnly).checked());
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    @Override
    public Integer call() throws Exception {
        ZkServerConfig config = new ZkServerConfig(id, dataDir.toAbsolutePath(), host, port, servers)
                .withTls(tls());
        EmbeddedZooKeeper server = EmbeddedZooKeeper.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("Stopping ZooKeeper on {}", server.connectString());
            server.close();
            stopped.countDown();
        }, "zk-shutdown"));

        awaitServing(server, config);
        stopped.await();
        return 0;
    }

    /** An ensemble member waits for a quorum as long as it takes; it must not give up and leave the ensemble. */
    private static void awaitServing(EmbeddedZooKeeper server, ZkServerConfig config) throws InterruptedException {
        while (true) {
            try {
                server.awaitServing(SERVING_TIMEOUT);
                break;
            } catch (TimeoutException e) {
                log.warn("{}; still waiting", e.getMessage());
            }
        }
        log.info("ZooKeeper {} serves clients on {}{}", config.isStandalone() ? "(standalone)" : "member " + config.id(),
                server.connectString(), config.servesPlain()
                        ? server.secureConnectString().map(s -> " and over TLS on " + s).orElse("") : " (TLS only)");
    }
}
