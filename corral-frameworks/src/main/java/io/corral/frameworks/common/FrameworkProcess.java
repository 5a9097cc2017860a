package io.corral.frameworks.common;

import io.corral.protocol.security.Credentials;
import io.corral.protocol.tls.ClientTls;
import io.corral.scheduler.MasterLocator;
import io.corral.scheduler.SchedulerClient;
import io.corral.scheduler.ZooKeeperMasterLocator;
import io.corral.zookeeper.ZkClients;
import io.corral.zookeeper.ZkUrl;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One process of a built-in framework, assembled: a ZooKeeper client, the REST server, the master locator and the
 * {@link FrameworkRunner} contending for the lead. What {@code corral services} and {@code corral jobs} start, and
 * what in-process tests start several of.
 *
 * <p>Threading: {@link #start} and {@link #close} from one thread; the parts have their own threads.
 */
public final class FrameworkProcess implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FrameworkProcess.class);

    /**
     * How to run.
     *
     * @param name           {@code services} or {@code jobs}: the znode folder and the FrameworkInfo name's suffix
     * @param advertiseHost  the host others reach the REST server at (in the leader latch and FrameworkInfo)
     * @param credential     what the framework authenticates to masters with; empty for insecure masters
     * @param masterTls      HTTPS to masters, when present
     * @param user           the default user tasks run as (FrameworkInfo.user)
     */
    public record Options(String name, ZkUrl zk, Duration zkSessionTimeout, FrameworkHttp.Options http,
                          String advertiseHost, Optional<Credentials.Credential> credential,
                          Optional<ClientTls> masterTls, String role, String user) {
        public Options {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(zk, "zk");
            Objects.requireNonNull(http, "http");
            Objects.requireNonNull(credential, "credential");
            Objects.requireNonNull(masterTls, "masterTls");
        }
    }

    /** The framework a process runs, given the runner's paths: its logic and its REST routes. */
    public interface Parts {
        FrameworkRunner.Framework framework();

        Routes routes();

        /** Extra fields of {@code /health}. */
        default Map<String, Object> health() {
            return Map.of();
        }
    }

    private final Options options;
    private CuratorFramework curator;
    private FrameworkHttp http;
    private MasterLocator locator;
    private FrameworkRunner runner;
    private String url;

    private FrameworkProcess(Options options) {
        this.options = options;
    }

    /** Starts every part and joins the election. */
    public static FrameworkProcess start(Options options, Parts parts) {
        FrameworkProcess process = new FrameworkProcess(options);
        try {
            process.startAll(parts);
            return process;
        } catch (RuntimeException e) {
            process.close();
            throw e;
        }
    }

    private void startAll(Parts parts) {
        FrameworkPaths paths = FrameworkPaths.of(options.zk().rootPath(), options.name());
        curator = ZkClients.connect(options.zk(), options.zkSessionTimeout(), Duration.ofSeconds(15));
        AtomicReference<FrameworkRunner> runnerRef = new AtomicReference<>();
        FrameworkHttp.LeaderStatus leader = new FrameworkHttp.LeaderStatus() {
            @Override
            public boolean isLeader() {
                FrameworkRunner r = runnerRef.get();
                return r != null && r.isLeader();
            }

            @Override
            public Optional<String> leaderUrl() {
                return LeaderElection.findLeader(curator, paths);
            }
        };
        http = FrameworkHttp.start(options.http(), parts.routes(), leader, parts::health, options.user(),
                InstantSource.system());
        url = http.baseUrl(options.advertiseHost());
        locator = ZooKeeperMasterLocator.connect(options.zk(), options.masterTls().isPresent() ? "https" : "http");
        String frameworkName = "corral-" + options.name();
        FrameworkRunner.Config config = new FrameworkRunner.Config(
                FrameworkRunner.frameworkInfo(frameworkName, options.user(),
                        options.credential().map(Credentials.Credential::principal), options.role(),
                        options.advertiseHost(), url),
                locator, builder -> configureClient(builder));
        runner = new FrameworkRunner(curator, paths, url, config, parts.framework());
        runnerRef.set(runner);
        runner.start();
        LOG.info("{} serving its REST API on {}; contending for the lead at {}", frameworkName, url, paths.leader());
    }

    private void configureClient(SchedulerClient.Builder builder) {
        options.credential().ifPresent(builder::credential);
        options.masterTls().ifPresent(builder::tls);
        builder.backoff(Duration.ofMillis(200), Duration.ofSeconds(5));
    }

    /** This process's REST base URL. */
    public String url() {
        return url;
    }

    public FrameworkRunner runner() {
        return runner;
    }

    public boolean isLeader() {
        return runner != null && runner.isLeader();
    }

    /** Leaves the election and stops serving; the framework stays registered for the next leader. */
    @Override
    public void close() {
        closeQuietly(runner);
        closeQuietly(http);
        closeQuietly(locator);
        closeQuietly(curator);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            LOG.debug("closing {}", closeable, e);
        }
    }

}
