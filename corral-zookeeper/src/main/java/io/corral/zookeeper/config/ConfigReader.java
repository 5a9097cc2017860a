package io.corral.zookeeper.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.CuratorWatcher;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads settings from ZooKeeper, optionally leaving watches behind. A stored document that cannot be read, or whose
 * value the schema refuses (a hand edit, or a newer Corral with a wider range), counts as unset, with one warning per
 * znode version: a bad document must not stop masters and agents from running on defaults.
 *
 * <p>Thread-safe: its only state is the set of warnings already given.
 */
final class ConfigReader {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigReader.class);

    /** A setting's znode as read: its version ({@link Setting#NEVER_SET} when absent) and stored document. */
    record Current(int version, Optional<ConfigDocuments.Stored> stored) {
        static final Current ABSENT = new Current(Setting.NEVER_SET, Optional.empty());

        Optional<String> storedValue() {
            return stored.flatMap(ConfigDocuments.Stored::value);
        }
    }

    private final CuratorFramework zk;
    private final ConfigPaths paths;
    private final ConfigSchema schema;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    ConfigReader(CuratorFramework zk, ConfigPaths paths, ConfigSchema schema) {
        this.zk = zk;
        this.paths = paths;
        this.schema = schema;
    }

    /**
     * Every setting of the schema. With a watcher, it is left on the settings' parent (children, or its creation
     * when it does not exist yet) and on each setting's data.
     */
    Map<String, Setting> readAll(Optional<CuratorWatcher> watcher) throws Exception {
        Map<String, Setting> settings = new HashMap<>();
        for (String child : children(watcher)) {
            Optional<ConfigKey> key = schema.find(child);
            if (key.isEmpty()) {
                warnOnce(child + "/unknown", "Ignoring {}: no such setting in this Corral's schema",
                        paths.setting(child));
                continue;
            }
            Current current = read(key.get(), watcher);
            if (current.version() != Setting.NEVER_SET) {
                settings.put(child, toSetting(key.get(), current));
            }
        }
        return settings;
    }

    /** One setting's znode, without a watch. */
    Current read(ConfigKey key) throws Exception {
        return read(key, Optional.empty());
    }

    /** The setting a read znode stands for: its stored value, else the default. */
    static Setting toSetting(ConfigKey key, Current current) {
        Optional<ConfigDocuments.Stored> stored = current.stored();
        Optional<String> value = current.storedValue();
        return new Setting(key.name(), value.or(key::defaultValue), value.isEmpty(), current.version(),
                stored.map(ConfigDocuments.Stored::updatedBy), stored.map(ConfigDocuments.Stored::updatedAt));
    }

    private List<String> children(Optional<CuratorWatcher> watcher) throws Exception {
        try {
            return watcher.isPresent()
                    ? zk.getChildren().usingWatcher(watcher.get()).forPath(paths.settings())
                    : zk.getChildren().forPath(paths.settings());
        } catch (KeeperException.NoNodeException e) {
            if (watcher.isPresent()) {
                // Watch for the first setting creating the parent; if it appeared meanwhile, read it now.
                if (zk.checkExists().usingWatcher(watcher.get()).forPath(paths.settings()) != null) {
                    return children(watcher);
                }
            }
            return List.of();
        }
    }

    private Current read(ConfigKey key, Optional<CuratorWatcher> watcher) throws Exception {
        String path = paths.setting(key.name());
        Stat stat = new Stat();
        byte[] data;
        try {
            data = watcher.isPresent()
                    ? zk.getData().storingStatIn(stat).usingWatcher(watcher.get()).forPath(path)
                    : zk.getData().storingStatIn(stat).forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return Current.ABSENT; // deleted since the listing: the children watch brings the next state
        }
        return new Current(stat.getVersion(), decode(key, path, stat.getVersion(), data));
    }

    private Optional<ConfigDocuments.Stored> decode(ConfigKey key, String path, int version, byte[] data) {
        ConfigDocuments.Stored stored;
        try {
            stored = ConfigDocuments.decodeSetting(data);
            stored.value().ifPresent(key::canonicalize);
        } catch (IllegalArgumentException e) {
            warnOnce(path + "@" + version, "Treating {} (version {}) as unset, so its default applies: {}", path,
                    version, e.getMessage());
            return Optional.empty();
        }
        return Optional.of(stored);
    }

    private void warnOnce(String id, String format, Object... arguments) {
        if (warned.add(id)) {
            LOG.warn(format, arguments);
        }
    }
}
