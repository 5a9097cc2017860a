package io.corral.cli.local;

import io.corral.cli.output.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code corral local status}: shows a local cluster's cluster.json as a table, or as JSON. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show the processes of a local cluster (default: the newest running one).")
public final class LocalStatusCommand implements Callable<Integer> {

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "Work directory of the cluster (default: the newest running corral local).")
    Path workDir;

    @Option(names = "--json", description = "Print cluster.json as it is.")
    boolean json;

    private final LocalRegistry registry;
    private final PrintStream out;

    public LocalStatusCommand() {
        this(LocalRegistry.forCurrentUser(), System.out);
    }

    LocalStatusCommand(LocalRegistry registry, PrintStream out) {
        this.registry = registry;
        this.out = out;
    }

    @Override
    public Integer call() throws IOException {
        Path file = ClusterFile.in(workDir != null ? workDir : newestRunningWorkDir());
        if (json) {
            out.println(Files.readString(ClusterFile.in(file.getParent())).strip());
            return 0;
        }
        print(ClusterFile.read(file), out);
        return 0;
    }

    private Path newestRunningWorkDir() {
        return registry.newest()
                .map(record -> Path.of(record.workDir()))
                .orElseThrow(() -> new IllegalStateException(
                        "no corral local is running for this user; start one with `corral local`,"
                                + " or name a work directory with --work-dir"));
    }

    static void print(ClusterFile cluster, PrintStream out) {
        out.println("work dir: " + cluster.workDir() + "   (" + cluster.state() + ", supervisor pid " + cluster.pid() + ")");
        out.println("zk:       " + cluster.zk());
        out.println("leader:   " + (cluster.leader() == null ? "(none serving)" : cluster.leader()));
        out.println();
        Table table = new Table("ROLE", "NAME", "STATE", "PID", "ADDRESS", "RESTARTS", "LOG");
        for (ClusterFile.Process process : cluster.processes()) {
            table.row(process.role(), process.name(), process.state(), process.pid(), process.address(),
                    process.restarts(), process.logFile());
        }
        table.print(out);
    }
}
