package io.corral.cli;

import io.corral.zookeeper.config.ConfigSchema;
import io.corral.zookeeper.config.ConfigStore;
import io.corral.zookeeper.config.Setting;
import java.io.PrintWriter;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code corral config unset KEY [--if-version N]}: back to the default, audited like any change. */
@Command(name = "unset",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = "Remove a setting's value so that its default applies again.")
final class ConfigUnsetCommand extends ConfigSubcommand {

    @Parameters(index = "0", paramLabel = "KEY", description = "The setting, e.g. offer_timeout.")
    String key;

    @Option(names = "--if-version", paramLabel = "N",
            description = "Unset only if the setting's version is still N (as `corral config get` shows).")
    Integer ifVersion;

    @Override
    void validate(ConfigSchema schema) {
        schema.key(key);
    }

    @Override
    int run(ConfigStore store, PrintWriter out) {
        Setting changed = store.unset(key, Optional.ofNullable(ifVersion), ConfigStore.currentUser());
        if (json) {
            out.println(ConfigOutput.toJson(changed, store.schema().key(key)));
        } else {
            out.println(key + " unset: its default " + store.schema().key(key).describeDefault() + " applies"
                    + " (version " + ConfigOutput.version(changed.version()) + ")");
        }
        return 0;
    }
}
