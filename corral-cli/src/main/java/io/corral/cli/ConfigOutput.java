package io.corral.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corral.cli.output.Table;
import io.corral.zookeeper.config.AuditEntry;
import io.corral.zookeeper.config.ConfigKey;
import io.corral.zookeeper.config.ConfigSchema;
import io.corral.zookeeper.config.Setting;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * How {@code corral config} shows settings and their history: tables for people, JSON for scripts.
 *
 * <p>JSON of a setting: {@code {"key", "value" (null when none), "default" (true when the default applies),
 * "version" (-1: never set), "default_value", "type", "range", "used_by", "description", "updated_by",
 * "updated_at"}}. JSON of a history entry: {@code {"sequence", "version", "when", "who", "old", "new"}}, null
 * for an unset value.
 *
 * <p>Stateless; thread-safe.
 */
final class ConfigOutput {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How a missing value (unset with no default, or an unset in the history) shows in tables. */
    private static final String NONE = "none";

    private ConfigOutput() {
    }

    static void printSettings(Collection<Setting> settings, ConfigSchema schema, boolean json, PrintWriter out) {
        if (json) {
            ArrayNode array = JSON.createArrayNode();
            settings.forEach(setting -> array.add(toJson(setting, schema.key(setting.key()))));
            out.println(array);
            return;
        }
        Table table = new Table("KEY", "VALUE", "DEFAULT?", "VERSION", "DESCRIPTION");
        for (Setting setting : settings) {
            table.row(setting.key(), setting.value().orElse(NONE), setting.isDefault() ? "yes" : "no",
                    version(setting.version()), schema.key(setting.key()).description());
        }
        print(table, out);
    }

    static void printSetting(Setting setting, ConfigSchema schema, boolean json, PrintWriter out) {
        if (json) {
            out.println(toJson(setting, schema.key(setting.key())));
        } else {
            printSettings(List.of(setting), schema, false, out);
        }
    }

    static void printHistory(String key, List<AuditEntry> history, boolean json, PrintWriter out) {
        if (json) {
            ArrayNode array = JSON.createArrayNode();
            for (AuditEntry entry : history) {
                ObjectNode node = array.addObject();
                node.put("sequence", entry.sequence());
                node.put("version", entry.settingVersion());
                node.put("when", entry.when().toString());
                node.put("who", entry.who());
                node.put("old", entry.oldValue().orElse(null));
                node.put("new", entry.newValue().orElse(null));
            }
            out.println(array);
            return;
        }
        if (history.isEmpty()) {
            out.println("No changes of " + key + " recorded.");
            return;
        }
        Table table = new Table("WHEN", "WHO", "OLD", "NEW");
        for (AuditEntry entry : history) {
            table.row(entry.when().truncatedTo(ChronoUnit.SECONDS), entry.who(), unsetShown(entry.oldValue()), unsetShown(entry.newValue()));
        }
        print(table, out);
    }

    static ObjectNode toJson(Setting setting, ConfigKey key) {
        ObjectNode node = JSON.createObjectNode();
        node.put("key", setting.key());
        node.put("value", setting.value().orElse(null));
        node.put("default", setting.isDefault());
        node.put("version", setting.version());
        node.put("default_value", key.defaultValue().orElse(null));
        node.put("type", key.type().typeName());
        node.put("range", key.type().range());
        ArrayNode usedBy = node.putArray("used_by");
        key.usedBy().stream().sorted().forEach(c -> usedBy.add(c.name().toLowerCase(Locale.ROOT)));
        node.put("description", key.description());
        node.put("updated_by", setting.updatedBy().orElse(null));
        node.put("updated_at", setting.updatedAt().map(Instant::toString).orElse(null));
        return node;
    }

    /** "-" for a setting never written, else its version. */
    static String version(int version) {
        return version == Setting.NEVER_SET ? "-" : Integer.toString(version);
    }

    private static String unsetShown(Optional<String> value) {
        return value.orElse("(unset)");
    }

    /** {@link Table} prints to a PrintStream; picocli gives commands a PrintWriter. */
    private static void print(Table table, PrintWriter out) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        table.print(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        out.print(buffer.toString(StandardCharsets.UTF_8));
    }
}
