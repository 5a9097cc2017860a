package io.corral.cli;

import io.corral.cli.status.ClusterStatus;
import io.corral.cli.status.StatusCollector;
import io.corral.cli.status.StatusReport;
import java.io.PrintStream;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code corral status}: the whole cluster in one view (ZooKeeper servers, masters, agents, frameworks) and what is
 * wrong with it. The exit code says whether anything is: scripts and health checks can run it as is.
 */
@Command(name = "status",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
                "Show the whole cluster: ZooKeeper servers with their role and health, masters with the leader, "
                        + "agents (active, inactive, draining, unreachable), frameworks, and the problems found.",
                "With a ZooKeeper URL the masters are listed from ZooKeeper and each ZooKeeper server is probed "
                        + "directly; with only a master URL both come from the leading master.",
                "Exit code: 0 healthy, 1 something is wrong (see Problems), 2 no cluster named."},
        footerHeading = "%nExamples:%n",
        footer = {
                "  corral status",
                "  corral status --zk zk://zk1:2181,zk2:2181,zk3:2181/corral",
                "  corral status --json | jq '.problems'"})
public final class StatusCommand extends ClusterCommand implements Callable<Integer> {
    public static final int EXIT_HEALTHY = 0;
    public static final int EXIT_PROBLEMS = 1;

    @Option(names = "--json", description = "Print one JSON document instead of the tables.")
    boolean json;

    /** Declared after the command's own options so that they come first in --help. */
    @Mixin
    ClusterOptions cluster = new ClusterOptions();

    public StatusCommand() {
    }

    StatusCommand(ClusterLocator locator, PrintStream out, PrintStream err, Clock clock) {
        super(locator, out, err, clock);
    }

    @Override
    public Integer call() throws InterruptedException {
        ClusterLocator.Target target;
        try {
            target = locator.resolve(cluster);
        } catch (ClusterLocator.ClusterException e) {
            err.println(e.getMessage());
            return e.exitCode();
        }
        ClusterStatus status = new StatusCollector(clock).collect(target);
        if (json) {
            out.println(StatusReport.toJson(status));
            out.flush();
        } else {
            StatusReport.printText(status, out);
        }
        return status.problems().isEmpty() ? EXIT_HEALTHY : EXIT_PROBLEMS;
    }
}
