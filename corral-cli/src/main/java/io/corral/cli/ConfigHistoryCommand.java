package io.corral.cli;

import io.corral.zookeeper.config.ConfigSchema;
import io.corral.zookeeper.config.ConfigStore;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code corral config history KEY}: the audit trail kept in ZooKeeper with every change. */
@Command(name = "history",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = "Show a setting's changes, oldest first: WHEN, WHO, OLD and NEW value (the last "
                + ConfigStore.AUDIT_ENTRIES_KEPT + " are kept).")
final class ConfigHistoryCommand extends ConfigSubcommand {

    @Parameters(index = "0", paramLabel = "KEY", description = "The setting, e.g. offer_timeout.")
    String key;

    @Override
    void validate(ConfigSchema schema) {
        schema.key(key);
    }

    @Override
    int run(ConfigStore store, PrintWriter out) {
        ConfigOutput.printHistory(key, store.history(key), json, out);
        return 0;
    }
}
