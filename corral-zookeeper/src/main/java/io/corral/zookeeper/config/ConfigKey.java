package io.corral.zookeeper.config;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One cluster setting as the schema defines it.
 *
 * @param name         the setting's name, a Mesos flag name where one exists, e.g. "offer_timeout"
 * @param type         its value type, with the allowed range
 * @param defaultValue the canonical default, or empty when the setting is off unless set (e.g. offers that never
 *                     expire)
 * @param description  one line saying what it does
 * @param usedBy       the processes that apply it
 */
public record ConfigKey(String name, ValueType type, Optional<String> defaultValue, String description,
                        Set<Component> usedBy) {

    /** Lower-case words joined by underscores: a valid znode name, and the way Mesos spells flags. */
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*(_[a-z0-9]+)*");

    public ConfigKey {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(defaultValue, "defaultValue");
        Objects.requireNonNull(description, "description");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("setting name '" + name + "' must be lower_case_with_underscores");
        }
        if (usedBy.isEmpty()) {
            throw new IllegalArgumentException("setting " + name + " must be used by the master or the agent");
        }
        usedBy = Set.copyOf(EnumSet.copyOf(usedBy));
        // The schema itself must be valid: a default outside the range is a programming error.
        defaultValue = defaultValue.map(type::canonicalize);
    }

    /**
     * Validates {@code text} as a value of this setting.
     *
     * @return its canonical text, the form stored in ZooKeeper
     * @throws InvalidSettingException naming this setting, the valid form and the range
     */
    public String canonicalize(String text) {
        try {
            return type.canonicalize(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException(name + ": " + e.getMessage());
        }
    }

    /** The typed value of canonical (or any valid) text; see {@link ValueType#parse}. */
    public Object parse(String text) {
        try {
            return type.parse(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException(name + ": " + e.getMessage());
        }
    }

    /** The default as shown to operators: its text, or "none". */
    public String describeDefault() {
        return defaultValue.orElse("none");
    }
}
