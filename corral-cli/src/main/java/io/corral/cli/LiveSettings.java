package io.corral.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import io.corral.agent.AgentServer;
import io.corral.master.MasterConfig;
import io.corral.master.MasterServer;
import io.corral.zookeeper.config.ConfigSchema;
import io.corral.zookeeper.config.ConfigSnapshot;
import io.corral.zookeeper.config.ConfigStore;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.LoggerFactory;

/**
 * Applies the cluster configuration in ZooKeeper ({@code /corral/config}, {@code corral config set}) to a running
 * master or agent, live, through the config store's watch: no restart needed.
 *
 * <p>Threading: the store calls back on its own watch thread, one snapshot at a time; the master applies its part on
 * its event loop.
 */
public final class LiveSettings {
    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(LiveSettings.class);

    private LiveSettings() {}

    /** Watches the configuration for a master: its timers and timeouts, and the log level. */
    public static ConfigStore forMaster(MasterServer server, CuratorFramework zk, String rootPath) {
        ConfigStore store = new ConfigStore(zk, rootPath);
        store.watch(settings -> {
            server.updateConfig(masterConfig(server.config(), settings));
            applyLogLevel(settings);
        });
        return store;
    }

    /** Watches the configuration for an agent: the log level. */
    public static ConfigStore forAgent(CuratorFramework zk, String rootPath) {
        ConfigStore store = new ConfigStore(zk, rootPath);
        store.watch(LiveSettings::applyLogLevel);
        return store;
    }

    /**
     * Watches the configuration for an agent: the log level and {@code gc_delay}, which, once an operator set it,
     * replaces the agent's {@code --gc-delay} (unset, the flag stands).
     */
    public static ConfigStore forAgent(AgentServer server, CuratorFramework zk, String rootPath) {
        ConfigStore store = new ConfigStore(zk, rootPath);
        store.watch(settings -> {
            applyLogLevel(settings);
            if (!settings.setting(ConfigSchema.GC_DELAY).isDefault()) {
                server.setGcDelay(settings.duration(ConfigSchema.GC_DELAY));
            }
        });
        return store;
    }

    static MasterConfig masterConfig(MasterConfig current, ConfigSnapshot settings) {
        return new MasterConfig(current.heartbeatInterval(),
                settings.duration(ConfigSchema.AGENT_PING_TIMEOUT),
                settings.count(ConfigSchema.MAX_AGENT_PING_TIMEOUTS),
                settings.duration(ConfigSchema.ALLOCATION_INTERVAL),
                settings.optionalDuration(ConfigSchema.OFFER_TIMEOUT),
                settings.duration(ConfigSchema.AGENT_REREGISTER_TIMEOUT),
                settings.count(ConfigSchema.MAX_FRAMEWORKS_PER_PRINCIPAL));
    }

    private static void applyLogLevel(ConfigSnapshot settings) {
        if (settings.setting(ConfigSchema.LOGGING_LEVEL).isDefault()) {
            return; // the process's own choice (flag or environment) stands until an operator sets one
        }
        Level level = Level.toLevel(settings.enumValue(ConfigSchema.LOGGING_LEVEL), Level.INFO);
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            if (!level.equals(root.getLevel())) {
                root.setLevel(level);
                LOG.info("Log level set to {} from the cluster configuration", level);
            }
        }
    }
}
