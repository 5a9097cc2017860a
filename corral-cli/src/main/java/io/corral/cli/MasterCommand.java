package io.corral.cli;

import io.corral.master.MasterConfig;
import io.corral.master.MasterServer;
import io.corral.protocol.security.Credentials;
import io.corral.zookeeper.ZkUrl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code corral master}: one master process. It contends for leadership through ZooKeeper; the leader serves the
 * scheduler and agent APIs, standbys redirect to it. When it loses leadership it exits with status 1, as a Mesos
 * master does, so its supervisor restarts it as a fresh contender.
 */
@Command(name = "master", mixinStandardHelpOptions = true,
        description = "Run a master: contend for leadership in ZooKeeper and serve the Mesos v1 APIs when leading.")
public final class MasterCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(MasterCommand.class);

    @Option(names = "--zk", required = true, paramLabel = "URL", converter = ZkUrlConverter.class,
            description = "ZooKeeper ensemble and root path, e.g. zk://127.0.0.1:2181/corral.")
    ZkUrl zk;

    @Option(names = "--port", defaultValue = "5050", paramLabel = "PORT",
            description = "HTTP port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--hostname", defaultValue = "127.0.0.1", paramLabel = "HOST",
            description = "Name or IPv4 address that agents and frameworks reach this master at"
                    + " (default: ${DEFAULT-VALUE}).")
    String hostname;

    @Option(names = "--bind", paramLabel = "ADDRESS",
            description = "Address the HTTP server binds to (default: the address of --hostname; 0.0.0.0 for all).")
    String bind;

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "Directory for the master's files (created if missing).")
    Path workDir;

    /**
     * 5 s, not 2: a ZooKeeper leader election plus the client's reconnection took up to 3.5 s on a loaded
     * machine, and a leader whose session lapses meanwhile must step down (docs/failover.md,
     * ZooKeeperLeaderKillTest).
     */
    public static final String DEFAULT_ZK_SESSION_TIMEOUT = "5secs";

    @Option(names = "--zk-session-timeout", defaultValue = DEFAULT_ZK_SESSION_TIMEOUT, paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "ZooKeeper session timeout: how soon a dead leader is replaced"
                    + " (default: ${DEFAULT-VALUE}; e.g. 2secs, 5s, 10secs).")
    Duration zkSessionTimeout;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--credentials", paramLabel = "FILE",
            description = "Principals and secrets every client must present (HTTP Basic), in Mesos's JSON format:"
                    + " {\"credentials\": [{\"principal\": \"ops\", \"secret\": \"...\"}]}.")
    Path credentialsFile;

    @Option(names = "--acls", paramLabel = "FILE",
            description = "Who may do what, in Mesos's --acls JSON format (e.g. which principals register agents);"
                    + " default: every authenticated principal may do everything.")
    Path aclsFile;

    @Option(names = {"--rate-limits", "--rate_limits"}, paramLabel = "FILE",
            description = "Each principal's request rate, in Mesos's --rate_limits JSON format:"
                    + " {\"limits\": [{\"principal\": \"batch\", \"qps\": 50, \"capacity\": 500}],"
                    + " \"aggregate_default_qps\": 100}; plus Corral's max_connections and max_streams per principal"
                    + " and default_max_connections (default 1024) and default_max_streams (default 256)."
                    + " Over a rate's queue: 429 with Retry-After. Default: no rate limit.")
    Path rateLimitsFile;

    @Option(names = "--token-key", paramLabel = "FILE",
            description = "A secret of at least 32 bytes (the same file on every master and agent) that signs bearer"
                    + " tokens: with it, `corral token create` gets a principal a token that expires, and every"
                    + " route accepts Authorization: Bearer. Default: HTTP Basic only.")
    Path tokenKeyFile;

    @Option(names = "--insecure",
            description = "Serve everyone without authentication, as Mesos does by default (old clients; never on"
                    + " a network others share).")
    boolean insecure;

    @picocli.CommandLine.Mixin
    TlsOptions tls = new TlsOptions();

    @picocli.CommandLine.Mixin
    ZkTlsOptions zkTls = new ZkTlsOptions();

    @Override
    public Integer call() throws Exception {
        Optional<Credentials> credentials = SecurityOptions.credentials(spec.commandLine(), credentialsFile, insecure,
                "master");
        SecurityOptions.requireZkCredentials(spec.commandLine(), this.zk, insecure, "master");
        ZkUrl zk = zkTls.apply(spec.commandLine(), this.zk);
        if (workDir != null) {
            Files.createDirectories(workDir);
        }
        CountDownLatch done = new CountDownLatch(1);
        int[] exitCode = {0};
        MasterServer server = MasterServer.start(
                new MasterServer.Options(zk, hostname, bind != null ? bind : hostname, port, zkSessionTimeout,
                        MasterConfig.defaults(), credentials, SecurityOptions.acls(spec.commandLine(), aclsFile),
                        tls.server(spec.commandLine()),
                        SecurityOptions.rateLimits(spec.commandLine(), rateLimitsFile),
                        SecurityOptions.tokens(spec.commandLine(), tokenKeyFile, credentials)),
                () -> {
                    LOG.error("Lost candidacy as a leader: exiting so that a supervisor restarts this master");
                    exitCode[0] = 1;
                    done.countDown();
                });
        var settings = LiveSettings.forMaster(server, server.zookeeper(), zk.rootPath());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            BoundedShutdown.run("master", () -> {
                settings.close();
                server.close();
            });
            done.countDown();
        }, "master-shutdown"));
        done.await();
        return exitCode[0];
    }
}
