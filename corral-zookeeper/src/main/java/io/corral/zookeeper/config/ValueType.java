package io.corral.zookeeper.config;

/**
 * The type of a setting's value: how text typed by an operator becomes a value, which values are allowed, and the
 * one canonical text every value is stored as (so "30s" and "30secs" are the same setting, stored as "30secs").
 *
 * <p>Implementations are immutable records.
 */
public sealed interface ValueType permits DurationType, SizeType, CountType, EnumType {

    /** The type's name as shown to operators: "duration", "size", "count" or "enum". */
    String typeName();

    /**
     * Parses and range-checks {@code text}.
     *
     * @return the typed value: a {@link java.time.Duration}, a {@link Long} (sizes, in megabytes), an {@link Integer}
     *         (counts) or a {@link String} (enum values)
     * @throws IllegalArgumentException with a message naming the valid form and range (without the key's name)
     */
    Object parse(String text);

    /** The canonical text of a value {@link #parse} returned. */
    String format(Object value);

    /** The allowed values as operators read them, e.g. "1secs..1days" or "TRACE, DEBUG, INFO". */
    String range();

    /** Parses then formats: the canonical text of {@code text}. */
    default String canonicalize(String text) {
        return format(parse(text));
    }
}
