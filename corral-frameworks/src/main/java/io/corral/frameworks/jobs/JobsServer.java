package io.corral.frameworks.jobs;

import io.corral.frameworks.common.FrameworkHttp;
import io.corral.frameworks.common.FrameworkPaths;
import io.corral.frameworks.common.FrameworkRunner;
import io.corral.protocol.concurrent.Timers;
import io.corral.scheduler.MasterLocator;
import io.corral.scheduler.SchedulerClient;
import java.time.InstantSource;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;

/**
 * One Jobs process: its REST server, its place in the leader election under {@code <chroot>/frameworks/jobs}, and
 * (while it leads) the framework subscribed to the masters. Several run at once for high availability: one leads,
 * the others redirect REST writes to it and take over when it goes.
 *
 * <p>Threading: built and closed by one thread; the parts it starts have their own (see {@link FrameworkRunner},
 * {@link FrameworkHttp}, {@link JobsTerm}).
 */
public final class JobsServer implements AutoCloseable {
    /** The framework's name as masters show it. */
    public static final String FRAMEWORK_NAME = "corral-jobs";

    /**
     * How to run.
     *
     * @param zkRootPath    the cluster's root path in ZooKeeper ({@code /corral})
     * @param http          where and how the REST API listens
     * @param advertiseHost the host others reach the REST API at (its URL is this process's id in the election)
     * @param user          the user tasks run as when a job names none
     * @param principal     the framework's principal, when masters authenticate
     * @param locator       finds the leading master (the caller closes it)
     * @param clientOptions credential, TLS... of each term's scheduler client
     * @param timers        the schedule's clock and timers
     * @param clock         the REST server's clock (token expiry)
     */
    public record Options(String zkRootPath, FrameworkHttp.Options http, String advertiseHost, String role,
                          String user, Optional<String> principal, MasterLocator locator,
                          Consumer<SchedulerClient.Builder> clientOptions, Timers timers, InstantSource clock,
                          JobsConfig config) {
        public Options {
            Objects.requireNonNull(zkRootPath, "zkRootPath");
            Objects.requireNonNull(http, "http");
            Objects.requireNonNull(advertiseHost, "advertiseHost");
            Objects.requireNonNull(role, "role");
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(principal, "principal");
            Objects.requireNonNull(locator, "locator");
            Objects.requireNonNull(clientOptions, "clientOptions");
            Objects.requireNonNull(timers, "timers");
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(config, "config");
        }
    }

    private final FrameworkHttp http;
    private final FrameworkRunner runner;
    private final String url;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private JobsServer(FrameworkHttp http, FrameworkRunner runner, String url) {
        this.http = http;
        this.runner = runner;
        this.url = url;
    }

    /** Serves the REST API and joins the election; returns at once (leading, if at all, comes later). */
    public static JobsServer start(CuratorFramework curator, Options options) {
        FrameworkPaths paths = FrameworkPaths.of(options.zkRootPath(), JobsFramework.NAME);
        JobsFramework framework = new JobsFramework(options.timers(), options.config());
        AtomicReference<FrameworkRunner> runnerRef = new AtomicReference<>();
        FrameworkHttp.LeaderStatus leader = new FrameworkHttp.LeaderStatus() {
            @Override
            public boolean isLeader() {
                FrameworkRunner runner = runnerRef.get();
                return runner != null && runner.isLeader();
            }

            @Override
            public Optional<String> leaderUrl() {
                FrameworkRunner runner = runnerRef.get();
                return runner == null ? Optional.empty() : runner.election().leaderUrl();
            }
        };
        FrameworkHttp http = FrameworkHttp.start(options.http(), JobsApi.routes(framework), leader,
                () -> Map.of("framework", FRAMEWORK_NAME), options.clock());
        String url = http.baseUrl(options.advertiseHost());
        try {
            FrameworkRunner runner = new FrameworkRunner(curator, paths, url, new FrameworkRunner.Config(
                    FrameworkRunner.frameworkInfo(FRAMEWORK_NAME, options.user(), options.principal(), options.role(),
                            options.advertiseHost(), url),
                    options.locator(), options.clientOptions()), framework);
            runnerRef.set(runner);
            runner.start();
            return new JobsServer(http, runner, url);
        } catch (RuntimeException e) {
            http.close();
            throw e;
        }
    }

    /** The REST API's base URL, as advertised. */
    public String url() {
        return url;
    }

    public boolean isLeader() {
        return runner.isLeader();
    }

    /** Leaves the election and stops serving; the tasks keep running (the next leader takes them over). */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        runner.close();
        http.close();
    }
}
