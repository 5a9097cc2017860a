package io.corral.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.corral.cli.output.Table;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.mesos.v1.Protos.WeightInfo;
import org.apache.mesos.v1.master.Protos.Call;
import org.apache.mesos.v1.master.Protos.Response;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code corral weights get|set}: roles' weights, through the operator API (GET_WEIGHTS, UPDATE_WEIGHTS). A role of
 * weight 2 gets twice the share of a role of weight 1 when both want more than the cluster has.
 */
@Command(name = "weights",
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true,
        description = "Show or set roles' weights (durable; a role not listed has weight 1).",
        subcommands = {WeightsCommand.Get.class, WeightsCommand.Set.class},
        footerHeading = "%nExamples:%n",
        footer = {"  corral weights get", "  corral weights set eng=2 eng/web=0.5"})
public final class WeightsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Show the weights operators set.")
    static final class Get extends ClusterCommand implements Callable<Integer> {
        @Option(names = "--json", description = "Print a JSON array of {role, weight}.")
        boolean json;

        @Mixin
        ClusterOptions cluster = new ClusterOptions();

        Get() {
        }

        Get(ClusterLocator locator, PrintStream out, PrintStream err, Clock clock) {
            super(locator, out, err, clock);
        }

        @Override
        public Integer call() throws InterruptedException {
            return OperatorClient.run("weights get", err, () -> {
                Response response = new OperatorClient().call(locator, cluster,
                        Call.newBuilder().setType(Call.Type.GET_WEIGHTS).build()).orElseThrow();
                print(response.getGetWeights().getWeightInfosList());
            });
        }

        private void print(List<WeightInfo> weights) {
            if (json) {
                ArrayNode array = new ObjectMapper().createArrayNode();
                weights.forEach(w -> array.addObject().put("role", w.getRole()).put("weight", w.getWeight()));
                out.println(array);
            } else if (weights.isEmpty()) {
                out.println("No weights set: every role has weight 1.");
            } else {
                Table table = new Table("ROLE", "WEIGHT");
                weights.forEach(w -> table.row(w.getRole(), PsCommand.number(w.getWeight())));
                table.print(out);
            }
            out.flush();
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = "Set roles' weights, all or none (weight 1 is the default and clears a role's weight).")
    static final class Set extends ClusterCommand implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "ROLE=WEIGHT", description = "e.g. eng=2 (a number above 0)")
        List<String> assignments = new ArrayList<>();

        @Mixin
        ClusterOptions cluster = new ClusterOptions();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        Set() {
        }

        Set(ClusterLocator locator, PrintStream out, PrintStream err, Clock clock) {
            super(locator, out, err, clock);
        }

        @Override
        public Integer call() throws InterruptedException {
            Call.UpdateWeights.Builder update = Call.UpdateWeights.newBuilder();
            for (String assignment : assignments) {
                update.addWeightInfos(parse(assignment));
            }
            return OperatorClient.run("weights set", err, () -> {
                new OperatorClient().call(locator, cluster, Call.newBuilder().setType(Call.Type.UPDATE_WEIGHTS)
                        .setUpdateWeights(update).build());
                update.getWeightInfosList().forEach(w -> out.println("Weight of role " + w.getRole() + " is now "
                        + PsCommand.number(w.getWeight()) + "."));
                out.flush();
            });
        }

        private WeightInfo parse(String assignment) {
            int equals = assignment.lastIndexOf('=');
            if (equals <= 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "'" + assignment
                        + "' is not ROLE=WEIGHT; write it like eng=2");
            }
            try {
                return WeightInfo.newBuilder().setRole(assignment.substring(0, equals))
                        .setWeight(Double.parseDouble(assignment.substring(equals + 1))).build();
            } catch (NumberFormatException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "the weight in '" + assignment
                        + "' is not a number; write it like eng=2");
            }
        }
    }
}
