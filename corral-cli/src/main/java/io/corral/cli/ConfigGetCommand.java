package io.corral.cli;

import io.corral.zookeeper.config.ConfigSchema;
import io.corral.zookeeper.config.ConfigStore;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code corral config get KEY}: one setting, with the version a compare-and-set needs. */
@Command(name = "get",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = "Show one setting; --json adds its type, range, default and last change.")
final class ConfigGetCommand extends ConfigSubcommand {

    @Parameters(index = "0", paramLabel = "KEY", description = "The setting, e.g. offer_timeout.")
    String key;

    @Override
    void validate(ConfigSchema schema) {
        schema.key(key);
    }

    @Override
    int run(ConfigStore store, PrintWriter out) {
        ConfigOutput.printSetting(store.get(key).orElseThrow(), store.schema(), json, out);
        return 0;
    }
}
