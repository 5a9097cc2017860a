package io.corral.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corral.cli.output.Table;
import java.io.PrintStream;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.mesos.v1.Protos.Value;
import org.apache.mesos.v1.master.Protos.Call;
import org.apache.mesos.v1.master.Protos.Response;
import org.apache.mesos.v1.quota.Protos.QuotaConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code corral quota get|set}: roles' quota, through the operator API (GET_QUOTA, UPDATE_QUOTA): the resources a
 * role is guaranteed before other roles get more than their fair share, and the most it may hold.
 */
@Command(name = "quota",
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true,
        description = "Show or set roles' quota: guarantees and limits of cpus, mem (MB), disk (MB) and gpus.",
        subcommands = {QuotaCommand.Get.class, QuotaCommand.Set.class},
        footerHeading = "%nExamples:%n",
        footer = {"  corral quota get",
                "  corral quota set eng --guarantee cpus=4,mem=8192 --limit cpus=8",
                "  corral quota set eng        # no guarantee nor limit: removes the role's quota"})
public final class QuotaCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Show every role's quota.")
    static final class Get extends ClusterCommand implements Callable<Integer> {
        @Option(names = "--json", description = "Print a JSON array of {role, guarantees, limits}.")
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
            return OperatorClient.run("quota get", err, () -> {
                Response response = new OperatorClient().call(locator, cluster,
                        Call.newBuilder().setType(Call.Type.GET_QUOTA).build()).orElseThrow();
                print(response.getGetQuota().getStatus().getConfigsList());
            });
        }

        private void print(List<QuotaConfig> configs) {
            if (json) {
                ObjectMapper mapper = new ObjectMapper();
                ArrayNode array = mapper.createArrayNode();
                for (QuotaConfig config : configs) {
                    ObjectNode node = array.addObject().put("role", config.getRole());
                    ObjectNode guarantees = node.putObject("guarantees");
                    new TreeMap<>(config.getGuaranteesMap()).forEach((k, v) -> guarantees.put(k, v.getValue()));
                    ObjectNode limits = node.putObject("limits");
                    new TreeMap<>(config.getLimitsMap()).forEach((k, v) -> limits.put(k, v.getValue()));
                }
                out.println(array);
            } else if (configs.isEmpty()) {
                out.println("No quota set.");
            } else {
                Table table = new Table("ROLE", "GUARANTEES", "LIMITS");
                configs.forEach(c -> table.row(c.getRole(), amounts(c.getGuaranteesMap()), amounts(c.getLimitsMap())));
                table.print(out);
            }
            out.flush();
        }

        private static String amounts(Map<String, Value.Scalar> amounts) {
            if (amounts.isEmpty()) {
                return "-";
            }
            return new TreeMap<>(amounts).entrySet().stream()
                    .map(e -> e.getKey() + " " + PsCommand.number(e.getValue().getValue()))
                    .collect(Collectors.joining(", "));
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = "Set a role's quota; with neither --guarantee nor --limit, remove it.")
    static final class Set extends ClusterCommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "ROLE", description = "e.g. eng or eng/web")
        String role;

        @Option(names = "--guarantee", split = ",", paramLabel = "RESOURCE=AMOUNT",
                description = "What the role is guaranteed, e.g. cpus=4,mem=8192.")
        Map<String, Double> guarantees = Map.of();

        @Option(names = "--limit", split = ",", paramLabel = "RESOURCE=AMOUNT",
                description = "The most the role may hold, e.g. cpus=8.")
        Map<String, Double> limits = Map.of();

        @Option(names = "--force", description = "Set guarantees even beyond what the cluster's agents have now.")
        boolean force;

        @Mixin
        ClusterOptions cluster = new ClusterOptions();

        Set() {
        }

        Set(ClusterLocator locator, PrintStream out, PrintStream err, Clock clock) {
            super(locator, out, err, clock);
        }

        @Override
        public Integer call() throws InterruptedException {
            QuotaConfig.Builder config = QuotaConfig.newBuilder().setRole(role);
            guarantees.forEach((name, amount) -> config.putGuarantees(name, scalar(amount)));
            limits.forEach((name, amount) -> config.putLimits(name, scalar(amount)));
            return OperatorClient.run("quota set", err, () -> {
                new OperatorClient().call(locator, cluster, Call.newBuilder().setType(Call.Type.UPDATE_QUOTA)
                        .setUpdateQuota(Call.UpdateQuota.newBuilder().setForce(force).addQuotaConfigs(config))
                        .build());
                out.println(guarantees.isEmpty() && limits.isEmpty() ? "Removed the quota of role " + role + "."
                        : "Quota of role " + role + " is set.");
                out.flush();
            });
        }

        private static Value.Scalar scalar(double amount) {
            return Value.Scalar.newBuilder().setValue(amount).build();
        }
    }
}
