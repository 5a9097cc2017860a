package io.corral.zookeeper.config;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A setting as the cluster has it now.
 *
 * @param key       the setting's name
 * @param value     the value in effect, in canonical text: the stored one, else the default; empty when neither
 *                  exists (e.g. {@code offer_timeout} by default: offers never expire)
 * @param isDefault true when nothing is stored (never set, or unset since) and the default applies
 * @param version   the ZooKeeper version of {@code /corral/config/<key>}, the number {@code --if-version} compares
 *                  with; {@link #NEVER_SET} when the znode does not exist yet
 * @param updatedBy who made the last change ("user@host"), when the setting was ever changed
 * @param updatedAt when the last change was made
 */
public record Setting(String key, Optional<String> value, boolean isDefault, int version,
                      Optional<String> updatedBy, Optional<Instant> updatedAt) {

    /** The version of a setting that was never written: its znode does not exist. */
    public static final int NEVER_SET = -1;

    public Setting {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(updatedBy, "updatedBy");
        Objects.requireNonNull(updatedAt, "updatedAt");
        if (version < NEVER_SET) {
            throw new IllegalArgumentException("version " + version + " is below " + NEVER_SET);
        }
    }

    /** The setting of a key that was never written: its default, version {@link #NEVER_SET}. */
    public static Setting neverSet(ConfigKey key) {
        return new Setting(key.name(), key.defaultValue(), true, NEVER_SET, Optional.empty(), Optional.empty());
    }
}
