package io.corral.cli;

import io.corral.zookeeper.config.ConfigStore;
import java.io.PrintWriter;
import picocli.CommandLine.Command;

/** {@code corral config list}: every setting, with its value in effect. */
@Command(name = "list",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = "List every setting: KEY, VALUE in effect, DEFAULT? (yes when nothing is set and the default "
                + "applies), VERSION (for --if-version; - when never set) and DESCRIPTION.")
final class ConfigListCommand extends ConfigSubcommand {
    @Override
    int run(ConfigStore store, PrintWriter out) {
        ConfigOutput.printSettings(store.list().values(), store.schema(), json, out);
        return 0;
    }
}
