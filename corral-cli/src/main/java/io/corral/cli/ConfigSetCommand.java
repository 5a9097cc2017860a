package io.corral.cli;

import io.corral.zookeeper.config.ConfigSchema;
import io.corral.zookeeper.config.ConfigStore;
import io.corral.zookeeper.config.Setting;
import java.io.PrintWriter;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code corral config set KEY VALUE [--if-version N]}: validates, then writes and audits the change. */
@Command(name = "set",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
                "Set a setting. The value is validated first: a bad one is refused and nothing is written.",
                "Masters and agents apply the change live; `corral config history KEY` shows who changed what."})
final class ConfigSetCommand extends ConfigSubcommand {

    @Parameters(index = "0", paramLabel = "KEY", description = "The setting, e.g. offer_timeout.")
    String key;

    @Parameters(index = "1", paramLabel = "VALUE", description = "Its new value, e.g. 5mins, 30s, 10, INFO.")
    String value;

    @Option(names = "--if-version", paramLabel = "N",
            description = "Change only if the setting's version is still N (as `corral config get` shows; "
                    + "-1: only if it was never set). Protects against overwriting someone else's change.")
    Integer ifVersion;

    @Override
    void validate(ConfigSchema schema) {
        schema.canonicalize(key, value);
    }

    @Override
    int run(ConfigStore store, PrintWriter out) {
        Setting changed = store.set(key, value, Optional.ofNullable(ifVersion), ConfigStore.currentUser());
        if (json) {
            out.println(ConfigOutput.toJson(changed, store.schema().key(key)));
        } else {
            out.println(key + " = " + changed.value().orElseThrow() + " (version " + changed.version() + ")");
        }
        return 0;
    }
}
