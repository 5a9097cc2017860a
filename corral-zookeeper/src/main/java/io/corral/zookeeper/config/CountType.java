package io.corral.zookeeper.config;

/** A whole number between {@code min} and {@code max} inclusive, e.g. "5". Its canonical text is the plain number. */
public record CountType(int min, int max) implements ValueType {

    public CountType {
        if (min > max) {
            throw new IllegalArgumentException("count range " + min + ".." + max + " is empty");
        }
    }

    @Override
    public String typeName() {
        return "count";
    }

    @Override
    public Integer parse(String text) {
        long value;
        try {
            value = Long.parseLong(text == null ? "" : text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a count: expected a whole number (range "
                    + range() + ")");
        }
        if (value < min || value > max) {
            throw new IllegalArgumentException(value + " is outside the range " + range());
        }
        return (int) value;
    }

    @Override
    public String format(Object value) {
        return Integer.toString((Integer) value);
    }

    @Override
    public String range() {
        return min + ".." + max;
    }
}
