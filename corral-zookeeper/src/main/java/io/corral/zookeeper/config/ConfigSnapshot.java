package io.corral.zookeeper.config;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Every setting of the cluster at one moment, with typed getters that apply defaults. Masters and agents read their
 * settings from here (see {@link ConfigStore#watch}).
 *
 * <p>Immutable; thread-safe. Two snapshots are equal when every setting has the same value and version.
 */
public final class ConfigSnapshot {

    private final ConfigSchema schema;
    private final Map<String, Setting> settings;

    /**
     * @param settings one entry per key of the schema (missing keys get their defaults); entries for keys the schema
     *                 does not know are refused
     */
    public ConfigSnapshot(ConfigSchema schema, Map<String, Setting> settings) {
        this.schema = Objects.requireNonNull(schema, "schema");
        Map<String, Setting> complete = new LinkedHashMap<>();
        for (ConfigKey key : schema.keys()) {
            complete.put(key.name(), settings.getOrDefault(key.name(), Setting.neverSet(key)));
        }
        for (String name : settings.keySet()) {
            schema.key(name); // throws for a key outside the schema
        }
        this.settings = Collections.unmodifiableMap(complete);
    }

    /** Every setting at its default, as on a cluster where nothing was ever set. */
    public static ConfigSnapshot defaults(ConfigSchema schema) {
        return new ConfigSnapshot(schema, Map.of());
    }

    public ConfigSchema schema() {
        return schema;
    }

    /** Every setting of the schema, sorted by name. */
    public Map<String, Setting> settings() {
        return settings;
    }

    /** @throws InvalidSettingException for a key the schema does not know */
    public Setting setting(String key) {
        schema.key(key);
        return settings.get(key);
    }

    /** The duration in effect, or empty when the setting is unset and has no default (offer_timeout: never). */
    public Optional<Duration> optionalDuration(String key) {
        return typed(key, DurationType.class).map(Duration.class::cast);
    }

    /**
     * The duration in effect.
     *
     * @throws IllegalStateException when it has no value (use {@link #optionalDuration} for such settings)
     */
    public Duration duration(String key) {
        return optionalDuration(key).orElseThrow(() -> noValue(key));
    }

    /** The size in effect, in megabytes. */
    public long sizeMb(String key) {
        return typed(key, SizeType.class).map(Long.class::cast).orElseThrow(() -> noValue(key));
    }

    /** The count in effect. */
    public int count(String key) {
        return typed(key, CountType.class).map(Integer.class::cast).orElseThrow(() -> noValue(key));
    }

    /** The enum value in effect, upper case, e.g. "INFO". */
    public String enumValue(String key) {
        return typed(key, EnumType.class).map(String.class::cast).orElseThrow(() -> noValue(key));
    }

    private Optional<Object> typed(String key, Class<? extends ValueType> expected) {
        ConfigKey definition = schema.key(key);
        if (!expected.isInstance(definition.type())) {
            throw new IllegalArgumentException(key + " is a " + definition.type().typeName() + " setting, not a "
                    + expected.getSimpleName().replace("Type", "").toLowerCase(Locale.ROOT));
        }
        return settings.get(key).value().map(definition::parse);
    }

    private static IllegalStateException noValue(String key) {
        return new IllegalStateException(key + " is unset and has no default");
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ConfigSnapshot that && schema == that.schema && settings.equals(that.settings);
    }

    @Override
    public int hashCode() {
        return settings.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("ConfigSnapshot{");
        settings.values().forEach(s -> text.append(s.key()).append('=').append(s.value().orElse("none"))
                .append(" v").append(s.version()).append(s.isDefault() ? " (default) " : " "));
        return text.toString().stripTrailing() + "}";
    }
}
