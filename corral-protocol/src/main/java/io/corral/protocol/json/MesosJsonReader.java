package io.corral.protocol.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.TextNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Merges JSON into a protobuf builder following stout's parser: keys are proto field names, unknown keys and
 * explicit nulls are ignored, numbers may arrive as JSON numbers or strings, enums by name (an unknown name in a
 * non-required field is dropped), bytes as base64, and a proto {@code map<>} as a JSON object. A key given twice
 * counts once, with its last value, as in a parsed tree.
 *
 * <p>It reads tokens as they come ({@link JsonParser}) instead of a tree first: an agent's REGISTER of 10 tasks took
 * 96 us through a tree and takes 59 us so ({@code bench/json-codec}), with less garbage; a tree is read through
 * {@link JsonNode#traverse}. Only a bad value is made into a tree, to show it in the error.
 *
 * <p>Threading: stateless; safe from any thread (each call works on the caller's parser and builder).
 */
final class MesosJsonReader {
    private static final BigInteger INT32_MIN = BigInteger.valueOf(Integer.MIN_VALUE);
    private static final BigInteger INT32_MAX = BigInteger.valueOf(Integer.MAX_VALUE);
    private static final BigInteger UINT32_MAX = BigInteger.ONE.shiftLeft(32).subtract(BigInteger.ONE);
    private static final BigInteger INT64_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger INT64_MAX = BigInteger.valueOf(Long.MAX_VALUE);
    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    /** More integer digits than any 64-bit value has; rejecting early keeps 1e999999999 from costing anything. */
    private static final int MAX_INTEGER_DIGITS = 21;
    /** Shows bad values as the tree readers of {@link MesosJson} would hold them (floats exact). */
    private static final ObjectReader SHOWN = MesosJson.valueReader();
    /**
     * Each message type's fields by name, and each enum type's values, made once per type. Protobuf's own lookups
     * concatenate the type's full name with the key and hash that new string on every call: a third of decoding an
     * agent's REGISTER. The types are the compiled protos', a fixed set.
     */
    private static final Map<Descriptor, Map<String, FieldDescriptor>> FIELDS = new ConcurrentHashMap<>();
    private static final Map<EnumDescriptor, Map<String, EnumValueDescriptor>> ENUM_VALUES = new ConcurrentHashMap<>();

    private MesosJsonReader() {}

    /**
     * Merges the JSON object {@code p} is at (its current token) into {@code builder}, leaving {@code p} at the
     * object's end; throws {@link FieldError} naming the field on bad input.
     */
    static void mergeObject(JsonParser p, Message.Builder builder) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new FieldError("expected a JSON object, got " + show(p));
        }
        Map<String, FieldDescriptor> fields = fieldsOf(builder.getDescriptorForType());
        List<FieldDescriptor> seen = new ArrayList<>(8);
        for (String key = p.nextFieldName(); key != null; key = p.nextFieldName()) {
            JsonToken value = p.nextToken();
            FieldDescriptor field = fields.get(key);
            if (field == null) {
                p.skipChildren();
                continue;
            }
            if (seen.contains(field)) { // the last value counts, as a tree keeps it
                builder.clearField(field);
            } else {
                seen.add(field);
            }
            if (value == JsonToken.VALUE_NULL) {
                continue;
            }
            try {
                mergeField(p, builder, field);
            } catch (FieldError e) {
                throw e.under(field.getName());
            }
        }
    }

    private static Map<String, FieldDescriptor> fieldsOf(Descriptor type) {
        Map<String, FieldDescriptor> fields = FIELDS.get(type);
        return fields != null ? fields
                : FIELDS.computeIfAbsent(type, t -> byName(t.getFields(), FieldDescriptor::getName));
    }

    private static Map<String, EnumValueDescriptor> valuesOf(EnumDescriptor type) {
        Map<String, EnumValueDescriptor> values = ENUM_VALUES.get(type);
        return values != null ? values
                : ENUM_VALUES.computeIfAbsent(type, t -> byName(t.getValues(), EnumValueDescriptor::getName));
    }

    private static <T> Map<String, T> byName(List<T> items, Function<T, String> name) {
        Map<String, T> byName = new HashMap<>(); // read-only once published; faster to probe than Map.copyOf's
        items.forEach(item -> byName.put(name.apply(item), item));
        return byName;
    }

    private static void mergeField(JsonParser p, Message.Builder builder, FieldDescriptor field) throws IOException {
        if (field.isMapField() && p.currentToken() == JsonToken.START_OBJECT) {
            mergeMap(p, builder, field);
        } else if (field.isRepeated()) {
            mergeRepeated(p, builder, field);
        } else if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
            Message.Builder child = builder.hasField(field)
                    ? ((Message) builder.getField(field)).toBuilder()
                    : builder.newBuilderForField(field);
            mergeObject(p, child);
            builder.setField(field, child.buildPartial());
        } else {
            Object value = scalar(field, p);
            if (value != null) {
                builder.setField(field, value);
            }
        }
    }

    /** Elements are appended, as protobuf's own merge does; like stout, a lone non-array value is one element. */
    private static void mergeRepeated(JsonParser p, Message.Builder builder, FieldDescriptor field)
            throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            addElement(p, builder, field);
            return;
        }
        int i = 0;
        for (JsonToken element = p.nextToken(); element != JsonToken.END_ARRAY && element != null;
                element = p.nextToken(), i++) {
            if (element == JsonToken.VALUE_NULL) {
                continue;
            }
            try {
                addElement(p, builder, field);
            } catch (FieldError e) {
                throw e.under("[" + i + "]");
            }
        }
    }

    private static void addElement(JsonParser p, Message.Builder builder, FieldDescriptor field) throws IOException {
        if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
            Message.Builder child = builder.newBuilderForField(field);
            mergeObject(p, child);
            builder.addRepeatedField(field, child.buildPartial());
        } else {
            Object value = scalar(field, p);
            if (value != null) {
                builder.addRepeatedField(field, value);
            }
        }
    }

    /** {@code {"k": v, ...}} becomes one map entry per key; the key text is converted to the key field's type. */
    private static void mergeMap(JsonParser p, Message.Builder builder, FieldDescriptor field) throws IOException {
        FieldDescriptor keyField = field.getMessageType().findFieldByNumber(1);
        FieldDescriptor valueField = field.getMessageType().findFieldByNumber(2);
        for (String key = p.nextFieldName(); key != null; key = p.nextFieldName()) {
            if (p.nextToken() == JsonToken.VALUE_NULL) {
                continue;
            }
            try {
                Message.Builder mapEntry = builder.newBuilderForField(field);
                mapEntry.setField(keyField, scalar(keyField, textParser(key)));
                mergeField(p, mapEntry, valueField);
                builder.addRepeatedField(field, mapEntry.buildPartial());
            } catch (FieldError e) {
                throw e.under("[\"" + key + "\"]");
            }
        }
    }

    /** A parser at the string {@code text}, for a map key read as its field's type. */
    private static JsonParser textParser(String text) throws IOException {
        JsonParser key = TextNode.valueOf(text).traverse(SHOWN);
        key.nextToken();
        return key;
    }

    /** Converts the value {@code p} is at for a non-message field; null means "drop it" (an unknown enum name). */
    private static Object scalar(FieldDescriptor field, JsonParser p) throws IOException {
        switch (field.getType()) {
            case INT32:
            case SINT32:
            case SFIXED32:
                return (int) integerIn(p, INT32_MIN, INT32_MAX);
            case UINT32:
            case FIXED32:
                return (int) integerIn(p, BigInteger.ZERO, UINT32_MAX);
            case INT64:
            case SINT64:
            case SFIXED64:
                return integerIn(p, INT64_MIN, INT64_MAX);
            case UINT64:
            case FIXED64:
                return integerIn(p, BigInteger.ZERO, UINT64_MAX);
            case DOUBLE:
                // A JSON number's double is its text's, correctly rounded, without an exact decimal made first.
                return finite(p.currentToken().isNumeric() ? p.getDoubleValue() : number(p).doubleValue(), p);
            case FLOAT:
                return (float) finite(number(p).floatValue(), p);
            case BOOL:
                return bool(p);
            case STRING:
                return unicode(text(p, "a string"));
            case BYTES:
                return bytes(p);
            case ENUM:
                return enumValue(field, p);
            default:
                throw new IllegalStateException("unhandled protobuf field type " + field.getType());
        }
    }

    /** An exact number: a JSON number, or a string holding one. */
    private static BigDecimal number(JsonParser p) throws IOException {
        if (p.currentToken().isNumeric()) {
            return p.getDecimalValue();
        }
        if (p.currentToken() == JsonToken.VALUE_STRING) {
            try {
                return new BigDecimal(p.getText().trim());
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new FieldError("expected a number, got " + show(p));
    }

    /**
     * An integer field's value within {@code min..max} (as a long: an unsigned 64-bit value above the signed range
     * wraps, as protobuf holds it). A JSON integer that fits a long, nearly every one, is checked as a long; anything
     * else (a string, a float, a big integer) goes through the exact path.
     */
    private static long integerIn(JsonParser p, BigInteger min, BigInteger max) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
            long value = p.getLongValue();
            if (value >= min.longValue() && (max.bitLength() > 63 || value <= max.longValue())) {
                return value;
            }
        }
        BigInteger value = integer(p);
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new FieldError("number out of range " + min + ".." + max + ", got " + show(p));
        }
        return value.longValue();
    }

    private static BigInteger integer(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NUMBER_INT) {
            return p.getBigIntegerValue();
        }
        BigDecimal number = number(p);
        if (number.signum() == 0) {
            return BigInteger.ZERO;
        }
        if (number.precision() - number.scale() > MAX_INTEGER_DIGITS) {
            throw new FieldError("number out of range, got " + show(p));
        }
        if (number.stripTrailingZeros().scale() > 0) {
            throw new FieldError("expected an integer, got " + show(p));
        }
        return number.toBigIntegerExact();
    }

    private static double finite(double value, JsonParser p) throws IOException {
        if (!Double.isFinite(value)) {
            throw new FieldError("number out of range, got " + show(p));
        }
        return value;
    }

    private static boolean bool(JsonParser p) throws IOException {
        JsonToken token = p.currentToken();
        if (token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE) {
            return token == JsonToken.VALUE_TRUE;
        }
        if (token == JsonToken.VALUE_STRING && (p.getText().equals("true") || p.getText().equals("false"))) {
            return p.getText().equals("true");
        }
        throw new FieldError("expected true or false, got " + show(p));
    }

    private static String text(JsonParser p, String expected) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw new FieldError("expected " + expected + ", got " + show(p));
        }
        return p.getText();
    }

    /**
     * Protobuf strings are UTF-8, and so are the registry's documents: a lone surrogate (JSON's escapes can name
     * one, such as U+D800, which a Java string holds) has no UTF-8 form, so it cannot be a string field's value.
     */
    private static String unicode(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new FieldError("expected a string of Unicode characters, got one with an unpaired surrogate"
                        + " (\\u" + Integer.toHexString(c) + ")");
            }
        }
        return text;
    }

    /** Standard or URL-safe alphabet, padding optional, line breaks ignored: whatever clients' encoders produce. */
    private static ByteString bytes(JsonParser p) throws IOException {
        String text = text(p, "a base64 string");
        try {
            return ByteString.copyFrom(Base64.getDecoder().decode(standardBase64(text)));
        } catch (IllegalArgumentException e) {
            throw new FieldError("expected a base64 string, got " + show(p));
        }
    }

    /**
     * The text in the standard alphabet without whitespace; unchanged when it is so already (a uuid in every status:
     * a regular expression here was most of what the JIT compiled for this reader).
     */
    private static String standardBase64(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '-' || c == '_' || isSpace(c)) {
                StringBuilder standard = new StringBuilder(text.length());
                text.chars().filter(ch -> !isSpace(ch))
                        .forEach(ch -> standard.append(ch == '-' ? '+' : ch == '_' ? '/' : (char) ch));
                return standard.toString();
            }
        }
        return text;
    }

    /** What a regular expression's {@code \s} matches. */
    private static boolean isSpace(int c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
    }

    /**
     * By name (numbers accepted too). An unknown value is dropped from an optional or repeated field, as stout does,
     * so newer clients' enum values do not break older masters; in a required field it is an error.
     */
    private static EnumValueDescriptor enumValue(FieldDescriptor field, JsonParser p) throws IOException {
        EnumValueDescriptor value;
        if (p.currentToken() == JsonToken.VALUE_STRING) {
            value = valuesOf(field.getEnumType()).get(p.getText());
        } else if (p.currentToken().isNumeric()) {
            value = field.getEnumType().findValueByNumber((int) integerIn(p, INT32_MIN, INT32_MAX));
        } else {
            throw new FieldError("expected a " + field.getEnumType().getName() + " name, got " + show(p));
        }
        if (value == null && field.isRequired()) {
            throw new FieldError("unknown " + field.getEnumType().getName() + " value " + show(p));
        }
        return value;
    }

    /**
     * The value {@code p} is at, as JSON cut short so an error message stays readable. Read into a tree here, on
     * the way to an error only; {@code p} is left past it.
     */
    private static String show(JsonParser p) throws IOException {
        JsonNode value = SHOWN.readTree(p);
        String text = value == null ? "nothing" : value.toString();
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }

    /**
     * A bad value, carrying the path to its field. The path is assembled while the error unwinds, so reading
     * correct input never pays for it.
     */
    static final class FieldError extends RuntimeException {
        private final String problem;
        private final Deque<String> path = new ArrayDeque<>();

        FieldError(String problem) {
            super(problem, null, false, false);
            this.problem = problem;
        }

        FieldError under(String segment) {
            path.addFirst(segment);
            return this;
        }

        String describe() {
            StringBuilder where = new StringBuilder();
            for (String segment : path) {
                if (where.length() > 0 && !segment.startsWith("[")) {
                    where.append('.');
                }
                where.append(segment);
            }
            return where.length() == 0 ? problem : "field '" + where + "': " + problem;
        }
    }
}
