package io.corral.cli;

import io.corral.zookeeper.ZkClients;
import io.corral.zookeeper.ZkUnreachableException;
import io.corral.zookeeper.ZkUrl;
import io.corral.zookeeper.config.ConfigConflictException;
import io.corral.zookeeper.config.ConfigSchema;
import io.corral.zookeeper.config.ConfigStore;
import io.corral.zookeeper.config.ConfigStoreException;
import io.corral.zookeeper.config.InvalidSettingException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.apache.curator.framework.CuratorFramework;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What every {@code corral config} subcommand shares: the cluster options, {@code --json}, validating input before
 * connecting, opening the {@link ConfigStore} on the cluster's ZooKeeper, and turning failures into one line on
 * stderr and an exit code: {@value #EXIT_BAD_INPUT} for input to fix (unknown key, bad value, no ZooKeeper URL),
 * {@value #EXIT_FAILED} for a lost compare-and-set or an unreachable ZooKeeper.
 *
 * <p>Threading: one instance runs one command on the caller's thread.
 */
abstract class ConfigSubcommand implements Callable<Integer> {

    static final int EXIT_BAD_INPUT = 2;
    static final int EXIT_FAILED = 1;
    static final String NEEDS_ZK_MESSAGE = "settings live in ZooKeeper, so this needs the cluster's ZooKeeper "
            + "URL, not only a master's: pass --zk zk://host:2181/corral or set CORRAL_ZK";

    private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    /** Declared after the command's own options so that they come first in --help. */
    @Mixin
    ClusterOptions cluster = new ClusterOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * Checks the arguments without ZooKeeper, so that bad input fails fast and never reaches the cluster.
     *
     * @throws InvalidSettingException saying what to fix
     */
    void validate(ConfigSchema schema) {
    }

    /** Does the command's work against the store and prints its result; returns the exit code. */
    abstract int run(ConfigStore store, PrintWriter out);

    @Override
    public final Integer call() {
        try {
            validate(ConfigSchema.standard());
            ZkUrl zkUrl = zkUrl();
            try (CuratorFramework client = ZkClients.connect(zkUrl, SESSION_TIMEOUT, CONNECT_TIMEOUT);
                 ConfigStore store = new ConfigStore(client, zkUrl.rootPath())) {
                int exit = run(store, spec.commandLine().getOut());
                spec.commandLine().getOut().flush();
                return exit;
            }
        } catch (ClusterLocator.ClusterException e) {
            return fail(e.getMessage(), e.exitCode());
        } catch (InvalidSettingException e) {
            return fail(e.getMessage(), EXIT_BAD_INPUT);
        } catch (ConfigConflictException | ConfigStoreException | ZkUnreachableException e) {
            return fail(e.getMessage(), EXIT_FAILED);
        }
    }

    /** The cluster's ZooKeeper, as --zk, CORRAL_ZK or the newest `corral local` names it. */
    private ZkUrl zkUrl() {
        ClusterLocator.Target target = new ClusterLocator().resolve(cluster);
        if (target.zkUrl().isEmpty()) {
            throw new ClusterLocator.ClusterException(NEEDS_ZK_MESSAGE + " (" + target.source()
                    + " gave only a master URL)", EXIT_BAD_INPUT);
        }
        return target.zk().get(); // the locator has validated it
    }

    private int fail(String message, int exitCode) {
        PrintWriter err = spec.commandLine().getErr();
        err.println(spec.qualifiedName() + ": " + message);
        err.flush();
        return exitCode;
    }
}
