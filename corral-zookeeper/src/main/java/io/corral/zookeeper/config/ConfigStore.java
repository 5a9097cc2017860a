package io.corral.zookeeper.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's settings in ZooKeeper: {@code <root>/config/<key>}, one small JSON document per setting (see
 * {@link ConfigDocuments}), whose ZooKeeper version is the setting's version.
 *
 * <p>Writes validate first (an unknown key or a bad value throws {@link InvalidSettingException} and writes
 * nothing), then commit the change and its audit entry ({@code <root>/config-audit/<key>/entry-<sequence>}: who,
 * when, old, new) in one ZooKeeper {@code multi}, so the history can never miss or invent a change. The change is
 * conditional on the version just read (or on {@code ifVersion}, when given): a concurrent writer makes it fail and,
 * without {@code ifVersion}, it is retried on the new state; with {@code ifVersion} it throws
 * {@link ConfigConflictException}. Only the last {@value #AUDIT_ENTRIES_KEPT} audit entries per key are kept.
 *
 * <p>Masters and agents call {@link #watch} to be told of every change, and read {@link #snapshot()}.
 *
 * <p>Threading: thread-safe. Reads and writes run on the caller's thread (they block on ZooKeeper); the watch runs
 * on its own thread (see {@link #watch}). {@link #close()} stops the watch but does not close the Curator client,
 * which the caller owns.
 */
public final class ConfigStore implements AutoCloseable {

    /** Audit entries kept per key; older ones are deleted after each change. */
    public static final int AUDIT_ENTRIES_KEPT = 100;

    private static final Logger LOG = LoggerFactory.getLogger(ConfigStore.class);
    /** Attempts at a change that keeps losing to concurrent writers (without ifVersion) before giving up. */
    private static final int MAX_ATTEMPTS = 10;

    private final CuratorFramework zk;
    private final ConfigPaths paths;
    private final ConfigSchema schema;
    private final Clock clock;
    private final ConfigReader reader;

    // Guarded by this; created by the first watch() call.
    private ConfigWatcher watcher;
    private boolean closed;

    /** A store of Corral's standard settings, stamping changes with the system clock. */
    public ConfigStore(CuratorFramework zk, String rootPath) {
        this(zk, rootPath, ConfigSchema.standard(), Clock.systemUTC());
    }

    /**
     * @param zk       a started client; the store does not close it
     * @param rootPath Corral's root path, e.g. "/corral"
     * @param schema   the settings this store knows
     * @param clock    stamps {@code updated_at} of changes
     */
    public ConfigStore(CuratorFramework zk, String rootPath, ConfigSchema schema, Clock clock) {
        this.zk = Objects.requireNonNull(zk, "zk");
        this.paths = new ConfigPaths(rootPath);
        this.schema = Objects.requireNonNull(schema, "schema");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.reader = new ConfigReader(zk, paths, schema);
    }

    /** "user@hostname" of this process, the {@code who} the CLI records. */
    public static String currentUser() {
        String user = System.getProperty("user.name", "unknown");
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        return user + "@" + host;
    }

    public ConfigSchema schema() {
        return schema;
    }

    // ------------------------------------------------------------------------------------------------ reading

    /** Every setting of the schema, sorted by name, with defaults for those never set. Reads ZooKeeper now. */
    public Map<String, Setting> list() {
        return guarded("read the settings", () -> new ConfigSnapshot(schema, reader.readAll(Optional.empty())))
                .settings();
    }

    /** The setting {@code key} as stored now, or empty when the schema has no such key. */
    public Optional<Setting> get(String key) {
        Optional<ConfigKey> definition = schema.find(key);
        if (definition.isEmpty()) {
            return Optional.empty();
        }
        ConfigReader.Current current = guarded("read " + key, () -> reader.read(definition.get()));
        return Optional.of(ConfigReader.toSetting(definition.get(), current));
    }

    /**
     * The changes of {@code key}, oldest first (at most the last {@value #AUDIT_ENTRIES_KEPT}).
     *
     * @throws InvalidSettingException for an unknown key
     */
    public List<AuditEntry> history(String key) {
        schema.key(key);
        return guarded("read the history of " + key, () -> readHistory(key));
    }

    // ------------------------------------------------------------------------------------------------ writing

    /**
     * Sets {@code key} to {@code value}, after validating it. Setting the value already stored writes nothing.
     *
     * @param ifVersion when present, change only if the setting's version is this one ({@link Setting#NEVER_SET}:
     *                  only if it was never written)
     * @param who       who asks, "user@host" (see {@link #currentUser()})
     * @return the setting after the change
     * @throws InvalidSettingException  for an unknown key or a bad value; nothing is written
     * @throws ConfigConflictException  when {@code ifVersion} is not the current version; nothing is written
     * @throws ConfigStoreException     when ZooKeeper fails
     */
    public Setting set(String key, String value, Optional<Integer> ifVersion, String who) {
        ConfigKey definition = schema.key(key);
        return change(definition, Optional.of(definition.canonicalize(value)), ifVersion, who);
    }

    /**
     * Removes the stored value of {@code key}, so its default applies again. Unsetting an unset key writes nothing.
     * The znode stays (with a null value) so that the version keeps growing.
     *
     * @see #set for the parameters and errors
     */
    public Setting unset(String key, Optional<Integer> ifVersion, String who) {
        return change(schema.key(key), Optional.empty(), ifVersion, who);
    }

    // ------------------------------------------------------------------------------------------------ watching

    /**
     * Starts keeping a live snapshot (on first call) and adds {@code listener}. The listener is called on the
     * store's single watch thread, in order: first with the snapshot current once it has been read, then with
     * every changed snapshot. Listeners must return quickly (hand the snapshot to your own event loop).
     */
    public synchronized void watch(Consumer<ConfigSnapshot> listener) {
        Objects.requireNonNull(listener, "listener");
        if (closed) {
            throw new IllegalStateException("the config store is closed");
        }
        if (watcher == null) {
            watcher = new ConfigWatcher(zk, paths, schema);
        }
        watcher.addListener(listener);
    }

    /**
     * The current settings: the live snapshot once {@link #watch} has read it, else read from ZooKeeper now.
     *
     * @throws ConfigStoreException when it must read and ZooKeeper fails
     */
    public ConfigSnapshot snapshot() {
        Optional<ConfigSnapshot> live;
        synchronized (this) {
            live = watcher == null ? Optional.empty() : watcher.current();
        }
        return live.orElseGet(() -> new ConfigSnapshot(schema, list()));
    }

    /** Stops the watch, if any. The Curator client stays open. */
    @Override
    public synchronized void close() {
        closed = true;
        if (watcher != null) {
            watcher.close();
        }
    }

    // ------------------------------------------------------------------------------------------------ internals

    private Setting change(ConfigKey key, Optional<String> newValue, Optional<Integer> ifVersion, String who) {
        if (who == null || who.isBlank()) {
            throw new IllegalArgumentException("who must name the person or process making the change");
        }
        ifVersion.ifPresent(version -> {
            if (version < Setting.NEVER_SET) {
                throw new InvalidSettingException(key.name() + ": version " + version + " does not exist; "
                        + "versions start at 0 (" + Setting.NEVER_SET + ": never set)");
            }
        });
        return guarded("change " + key.name(), () -> changeWithRetries(key, newValue, ifVersion, who));
    }

    private Setting changeWithRetries(ConfigKey key, Optional<String> newValue, Optional<Integer> ifVersion,
                                      String who) throws Exception {
        for (int attempt = 1; ; attempt++) {
            ConfigReader.Current current = reader.read(key);
            if (ifVersion.isPresent() && ifVersion.get() != current.version()) {
                throw new ConfigConflictException(key.name(), ifVersion.get(), current.version());
            }
            if (current.storedValue().equals(newValue)) {
                return ConfigReader.toSetting(key, current); // nothing to change
            }
            try {
                Setting changed = commit(key, current, newValue, who);
                trimHistory(key.name());
                return changed;
            } catch (KeeperException.BadVersionException | KeeperException.NodeExistsException e) {
                // Another writer got there first; the next read sees its change (and ifVersion then conflicts).
            } catch (KeeperException.NoNodeException e) {
                ensureParents(key.name()); // the first change of this key (or someone deleted znodes by hand)
            }
            if (attempt == MAX_ATTEMPTS) {
                throw new ConfigStoreException(key.name() + " kept changing under " + MAX_ATTEMPTS
                        + " attempts to write it; try again", null);
            }
        }
    }

    /** Writes the setting and its audit entry in one multi, conditional on {@code current}'s version. */
    private Setting commit(ConfigKey key, ConfigReader.Current current, Optional<String> newValue, String who)
            throws Exception {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS); // what people read in the history
        int newVersion = current.version() + 1; // creating gives version 0; each setData adds 1
        byte[] document = ConfigDocuments.encodeSetting(new ConfigDocuments.Stored(key.name(), newValue, who, now));
        byte[] audit = ConfigDocuments.encodeAudit(
                new AuditEntry(key.name(), 0, newVersion, who, now, current.storedValue(), newValue));
        String path = paths.setting(key.name());
        CuratorOp write = current.version() == Setting.NEVER_SET
                ? zk.transactionOp().create().withMode(CreateMode.PERSISTENT).forPath(path, document)
                : zk.transactionOp().setData().withVersion(current.version()).forPath(path, document);
        CuratorOp record = zk.transactionOp().create().withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                .forPath(paths.auditEntryPrefix(key.name()), audit);
        zk.transaction().forOperations(write, record);
        LOG.info("{} changed by {} from {} to {} (version {})", key.name(), who,
                current.storedValue().orElse("unset"), newValue.orElse("unset"), newVersion);
        return new Setting(key.name(), newValue.or(key::defaultValue), newValue.isEmpty(), newVersion,
                Optional.of(who), Optional.of(now));
    }

    /** Creates {@code <root>/config} and {@code <root>/config-audit/<key>} when missing. */
    private void ensureParents(String key) throws Exception {
        for (String path : List.of(paths.settings(), paths.audit(key))) {
            try {
                zk.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT).forPath(path, new byte[0]);
            } catch (KeeperException.NodeExistsException e) {
                // already there
            }
        }
    }

    /** Deletes the oldest audit entries beyond the last {@value #AUDIT_ENTRIES_KEPT}; best effort. */
    private void trimHistory(String key) {
        try {
            List<String> entries = auditEntries(key);
            for (String entry : entries.subList(0, Math.max(0, entries.size() - AUDIT_ENTRIES_KEPT))) {
                try {
                    zk.delete().forPath(paths.audit(key) + "/" + entry);
                } catch (KeeperException.NoNodeException e) {
                    // a concurrent writer trimmed it
                }
            }
        } catch (Exception e) {
            // The change is committed; an over-long history is harmless and the next change trims it.
            LOG.warn("Cannot trim the history of {}: {}", key, e.toString());
        }
    }

    private List<AuditEntry> readHistory(String key) throws Exception {
        List<AuditEntry> history = new ArrayList<>();
        for (String entry : auditEntries(key)) {
            String path = paths.audit(key) + "/" + entry;
            byte[] data;
            try {
                data = zk.getData().forPath(path);
            } catch (KeeperException.NoNodeException e) {
                continue; // trimmed since the listing
            }
            try {
                history.add(ConfigDocuments.decodeAudit(data, ConfigPaths.auditSequence(entry)));
            } catch (IllegalArgumentException e) {
                LOG.warn("Skipping unreadable audit entry {}: {}", path, e.getMessage());
            }
        }
        return history;
    }

    /** The audit entries' znode names of {@code key}, oldest first. */
    private List<String> auditEntries(String key) throws Exception {
        List<String> children;
        try {
            children = zk.getChildren().forPath(paths.audit(key));
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        }
        return children.stream()
                .filter(name -> ConfigPaths.auditSequence(name) >= 0)
                .sorted(Comparator.comparingLong(ConfigPaths::auditSequence))
                .toList();
    }

    /** A ZooKeeper operation whose failures other than the ones handled inside become {@link ConfigStoreException}. */
    private interface ZkCall<T> {
        T call() throws Exception;
    }

    private static <T> T guarded(String what, ZkCall<T> call) {
        try {
            return call.call();
        } catch (InvalidSettingException | ConfigConflictException | ConfigStoreException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConfigStoreException("interrupted while trying to " + what, e);
        } catch (Exception e) {
            throw new ConfigStoreException("cannot " + what + " in ZooKeeper: " + e.getMessage(), e);
        }
    }
}
