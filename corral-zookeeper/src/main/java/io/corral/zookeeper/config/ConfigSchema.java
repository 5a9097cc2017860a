package io.corral.zookeeper.config;

import io.corral.protocol.Durations;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The cluster settings Corral knows, shared by masters, agents and the CLI so that all of them validate and read a
 * setting the same way. Names follow Mesos's flags so that Mesos operators recognise them; durations take Mesos's
 * forms ({@code 30secs}, {@code 5mins}) and the short ones ({@code 30s}, {@code 5m}).
 *
 * <p>Immutable; thread-safe.
 */
public final class ConfigSchema {

    public static final String OFFER_TIMEOUT = "offer_timeout";
    public static final String ALLOCATION_INTERVAL = "allocation_interval";
    public static final String AGENT_PING_TIMEOUT = "agent_ping_timeout";
    public static final String MAX_AGENT_PING_TIMEOUTS = "max_agent_ping_timeouts";
    public static final String AGENT_REREGISTER_TIMEOUT = "agent_reregister_timeout";
    public static final String MAX_FRAMEWORKS_PER_PRINCIPAL = "max_frameworks_per_principal";
    public static final String LOGGING_LEVEL = "logging_level";
    public static final String GC_DELAY = "gc_delay";

    private static final ConfigSchema STANDARD = new ConfigSchema(List.of(
            new ConfigKey(OFFER_TIMEOUT, durations("1secs", "1days"), Optional.empty(),
                    "How long an offer stays outstanding before the master rescinds it; none: offers never expire",
                    Set.of(Component.MASTER)),
            new ConfigKey(ALLOCATION_INTERVAL, durations("10ms", "1mins"), Optional.of("1secs"),
                    "Time between batch allocations of offers to frameworks",
                    Set.of(Component.MASTER)),
            new ConfigKey(AGENT_PING_TIMEOUT, durations("1secs", "10mins"), Optional.of("15secs"),
                    "How long the master waits for an agent to answer a ping before counting a timeout",
                    Set.of(Component.MASTER)),
            new ConfigKey(MAX_AGENT_PING_TIMEOUTS, new CountType(1, 100), Optional.of("5"),
                    "Ping timeouts in a row after which the master marks an agent unreachable",
                    Set.of(Component.MASTER)),
            new ConfigKey(AGENT_REREGISTER_TIMEOUT, durations("1secs", "1days"), Optional.of("10mins"),
                    "How long a new leading master waits for agents to re-register before marking them unreachable",
                    Set.of(Component.MASTER)),
            new ConfigKey(MAX_FRAMEWORKS_PER_PRINCIPAL, new CountType(1, 1_000_000), Optional.of("1000"),
                    "Frameworks one principal may have registered at once (subscribed, or disconnected within their"
                            + " failover timeout); a SUBSCRIBE over it gets 403",
                    Set.of(Component.MASTER)),
            new ConfigKey(LOGGING_LEVEL, new EnumType(List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR")),
                    Optional.of("INFO"),
                    "The least severe log level masters and agents print",
                    Set.of(Component.MASTER, Component.AGENT)),
            new ConfigKey(GC_DELAY, durations("1mins", "365days"), Optional.of("1weeks"),
                    "How long an agent keeps a finished executor's sandbox before deleting it",
                    Set.of(Component.AGENT))));

    private final Map<String, ConfigKey> keys;

    /** A schema of the given settings; tests use their own, everyone else {@link #standard()}. */
    public ConfigSchema(Collection<ConfigKey> keys) {
        Map<String, ConfigKey> byName = new TreeMap<>();
        for (ConfigKey key : keys) {
            if (byName.put(key.name(), key) != null) {
                throw new IllegalArgumentException("setting " + key.name() + " is defined twice");
            }
        }
        this.keys = Collections.unmodifiableMap(byName);
    }

    /** Corral's settings. */
    public static ConfigSchema standard() {
        return STANDARD;
    }

    /** Every setting, sorted by name. */
    public Collection<ConfigKey> keys() {
        return keys.values();
    }

    /** The names of every setting, sorted. */
    public Set<String> names() {
        return keys.keySet();
    }

    public Optional<ConfigKey> find(String name) {
        return Optional.ofNullable(keys.get(name));
    }

    /**
     * The setting called {@code name}.
     *
     * @throws InvalidSettingException listing the known settings when there is none
     */
    public ConfigKey key(String name) {
        ConfigKey key = keys.get(name);
        if (key == null) {
            throw new InvalidSettingException("unknown setting '" + name + "': known settings are "
                    + String.join(", ", keys.keySet()));
        }
        return key;
    }

    /**
     * Validates a value for a setting.
     *
     * @return the value's canonical text
     * @throws InvalidSettingException for an unknown setting or a bad value, saying what to type instead
     */
    public String canonicalize(String name, String text) {
        return key(name).canonicalize(text);
    }

    private static DurationType durations(String min, String max) {
        return new DurationType(Durations.parse(min), Durations.parse(max));
    }
}
