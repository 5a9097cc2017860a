package io.corral.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code corral config}: the cluster's settings in ZooKeeper ({@code /corral/config/<key>}), which masters and
 * agents apply live. The subcommands do the work; this one only shows them.
 */
@Command(name = "config",
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true,
        description = {
                "Show and change the cluster's settings, kept in ZooKeeper and applied live by masters and agents.",
                "Durations take Mesos's forms (30secs, 5mins) or short ones (30s, 5m)."},
        subcommands = {
                ConfigListCommand.class,
                ConfigGetCommand.class,
                ConfigSetCommand.class,
                ConfigUnsetCommand.class,
                ConfigHistoryCommand.class,
        },
        footerHeading = "%nExamples:%n",
        footer = {
                "  corral config list",
                "  corral config set offer_timeout 5mins",
                "  corral config set agent_ping_timeout 30s --if-version 3",
                "  corral config history offer_timeout --json"})
public final class ConfigCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
