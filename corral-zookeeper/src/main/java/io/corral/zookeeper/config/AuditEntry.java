package io.corral.zookeeper.config;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One change of a setting, as recorded in {@code /corral/config-audit/<key>/entry-<sequence>} in the same ZooKeeper
 * transaction as the change itself.
 *
 * @param key            the setting
 * @param sequence       the entry's ZooKeeper sequence number: entries of one key sort by it in the order they happened
 * @param settingVersion the setting's znode version after the change
 * @param who            who made it, "user@host"
 * @param when           when it was made (the writer's clock)
 * @param oldValue       the stored value before; empty when it was unset (the default applied)
 * @param newValue       the stored value after; empty when the change was an unset
 */
public record AuditEntry(String key, long sequence, int settingVersion, String who, Instant when,
                         Optional<String> oldValue, Optional<String> newValue) {
    public AuditEntry {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(who, "who");
        Objects.requireNonNull(when, "when");
        Objects.requireNonNull(oldValue, "oldValue");
        Objects.requireNonNull(newValue, "newValue");
    }
}
