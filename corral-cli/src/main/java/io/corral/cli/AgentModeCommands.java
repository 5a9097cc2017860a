package io.corral.cli;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.master.Protos.Call;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * What an operator does to one agent, through the operator API: {@code corral drain} (DRAIN_AGENT), and
 * {@code corral agents deactivate|reactivate|gone} (DEACTIVATE_AGENT, REACTIVATE_AGENT, MARK_AGENT_GONE).
 */
final class AgentModeCommands {
    private AgentModeCommands() {}

    private static AgentID agentId(String id) {
        return AgentID.newBuilder().setValue(id).build();
    }

    @Command(name = "drain", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
            description = {"Drain an agent: no more offers from it, and its tasks killed (each within its own kill "
                    + "grace period, capped by --max-grace-period). The agent is DRAINING until no task is left, "
                    + "then DRAINED (see 'corral agents'), or gone with --mark-gone. 'corral agents reactivate' "
                    + "brings a drained agent back."},
            footerHeading = "%nExamples:%n",
            footer = {"  corral drain 5f0c-...-S0", "  corral drain 5f0c-...-S0 --max-grace-period 30s --mark-gone"})
    static final class Drain extends ClusterCommand implements Callable<Integer> {
        @Parameters(paramLabel = "AGENT_ID", description = "The agent's id (see 'corral agents').")
        String agent;

        @Option(names = "--max-grace-period", converter = DurationConverter.class, paramLabel = "DURATION",
                description = "The longest any task may take to stop after SIGTERM, e.g. 30s or 2m.")
        Duration maxGracePeriod;

        @Option(names = "--mark-gone",
                description = "Mark the agent gone once drained: it is never admitted again.")
        boolean markGone;

        @Mixin
        ClusterOptions cluster = new ClusterOptions();

        Drain() {
        }

        Drain(ClusterLocator locator, PrintStream out, PrintStream err, Clock clock) {
            super(locator, out, err, clock);
        }

        @Override
        public Integer call() throws InterruptedException {
            Call.DrainAgent.Builder drain = Call.DrainAgent.newBuilder().setAgentId(agentId(agent))
                    .setMarkGone(markGone);
            if (maxGracePeriod != null) {
                drain.setMaxGracePeriod(com.google.protobuf.Duration.newBuilder()
                        .setSeconds(maxGracePeriod.getSeconds()).setNanos(maxGracePeriod.getNano()));
            }
            return OperatorClient.run("drain", err, () -> {
                new OperatorClient().call(locator, cluster, Call.newBuilder().setType(Call.Type.DRAIN_AGENT)
                        .setDrainAgent(drain).build());
                out.println("Draining agent " + agent + ": its tasks are being killed"
                        + (markGone ? "; it will be marked gone once drained." : ". Follow it with 'corral agents'."));
                out.flush();
            });
        }
    }

    @Command(name = "deactivate", mixinStandardHelpOptions = true,
            description = "Stop offering an agent's resources; its tasks keep running.")
    static final class Deactivate extends ClusterCommand implements Callable<Integer> {
        @Parameters(paramLabel = "AGENT_ID", description = "The agent's id (see 'corral agents').")
        String agent;

        @Mixin
        ClusterOptions cluster = new ClusterOptions();

        Deactivate() {
        }

        Deactivate(ClusterLocator locator, PrintStream out, PrintStream err, Clock clock) {
            super(locator, out, err, clock);
        }

        @Override
        public Integer call() throws InterruptedException {
            return OperatorClient.run("agents deactivate", err, () -> {
                new OperatorClient().call(locator, cluster, Call.newBuilder().setType(Call.Type.DEACTIVATE_AGENT)
                        .setDeactivateAgent(Call.DeactivateAgent.newBuilder().setAgentId(agentId(agent))).build());
                out.println("Agent " + agent + " is deactivated: no more offers from it. Undo with 'corral agents "
                        + "reactivate " + agent + "'.");
                out.flush();
            });
        }
    }

    @Command(name = "reactivate", mixinStandardHelpOptions = true,
            description = "Offer a deactivated or drained agent's resources again.")
    static final class Reactivate extends ClusterCommand implements Callable<Integer> {
        @Parameters(paramLabel = "AGENT_ID", description = "The agent's id (see 'corral agents').")
        String agent;

        @Mixin
        ClusterOptions cluster = new ClusterOptions();

        Reactivate() {
        }

        Reactivate(ClusterLocator locator, PrintStream out, PrintStream err, Clock clock) {
            super(locator, out, err, clock);
        }

        @Override
        public Integer call() throws InterruptedException {
            return OperatorClient.run("agents reactivate", err, () -> {
                new OperatorClient().call(locator, cluster, Call.newBuilder().setType(Call.Type.REACTIVATE_AGENT)
                        .setReactivateAgent(Call.ReactivateAgent.newBuilder().setAgentId(agentId(agent))).build());
                out.println("Agent " + agent + " is active again.");
                out.flush();
            });
        }
    }

    @Command(name = "gone", mixinStandardHelpOptions = true,
            description = {"Mark an agent gone, for good: its tasks are lost (TASK_GONE_BY_OPERATOR), it is told "
                    + "to shut down, and it is never admitted again. This cannot be undone: pass --yes."})
    static final class Gone extends ClusterCommand implements Callable<Integer> {
        @Parameters(paramLabel = "AGENT_ID", description = "The agent's id (see 'corral agents').")
        String agent;

        @Option(names = "--yes", description = "Confirm: the agent can never come back.")
        boolean yes;

        @Mixin
        ClusterOptions cluster = new ClusterOptions();

        Gone() {
        }

        Gone(ClusterLocator locator, PrintStream out, PrintStream err, Clock clock) {
            super(locator, out, err, clock);
        }

        @Override
        public Integer call() throws InterruptedException {
            if (!yes) {
                err.println("corral agents gone: marking agent " + agent + " gone cannot be undone (its tasks are"
                        + " lost and it is never admitted again); run again with --yes to confirm, or use 'corral"
                        + " drain " + agent + " --mark-gone' to let its tasks stop first");
                return 2;
            }
            return OperatorClient.run("agents gone", err, () -> {
                new OperatorClient().call(locator, cluster, Call.newBuilder().setType(Call.Type.MARK_AGENT_GONE)
                        .setMarkAgentGone(Call.MarkAgentGone.newBuilder().setAgentId(agentId(agent))).build());
                out.println("Agent " + agent + " is gone.");
                out.flush();
            });
        }
    }
}
