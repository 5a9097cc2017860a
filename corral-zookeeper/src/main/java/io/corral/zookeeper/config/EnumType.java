package io.corral.zookeeper.config;

import java.util.List;
import java.util.Locale;

/** One of a fixed list of upper-case words, typed in any case ("info" is stored as "INFO"). */
public record EnumType(List<String> allowed) implements ValueType {

    public EnumType {
        allowed = List.copyOf(allowed);
        if (allowed.isEmpty()) {
            throw new IllegalArgumentException("an enum needs at least one allowed value");
        }
        for (String value : allowed) {
            if (!value.equals(value.toUpperCase(Locale.ROOT)) || value.isBlank()) {
                throw new IllegalArgumentException("enum value '" + value + "' must be a non-blank upper-case word");
            }
        }
    }

    @Override
    public String typeName() {
        return "enum";
    }

    @Override
    public String parse(String text) {
        String candidate = text == null ? "" : text.strip().toUpperCase(Locale.ROOT);
        if (!allowed.contains(candidate)) {
            throw new IllegalArgumentException("'" + text + "' is not allowed: expected one of " + range());
        }
        return candidate;
    }

    @Override
    public String format(Object value) {
        return (String) value;
    }

    @Override
    public String range() {
        return String.join(", ", allowed);
    }
}
