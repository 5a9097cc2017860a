package io.corral.protocol.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.Map;

/**
 * Merges a JSON tree into a protobuf builder following stout's parser: keys are proto field names, unknown keys and
 * explicit nulls are ignored, numbers may arrive as JSON numbers or strings, enums by name (an unknown name in a
 * non-required field is dropped), bytes as base64, and a proto {@code map<>} as a JSON object.
 *
 * <p>Threading: stateless; safe from any thread (each call works on the caller's builder).
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

    private MesosJsonReader() {}

    /** Merges {@code json} (an object) into {@code builder}; throws {@link FieldError} naming the field on bad input. */
    static void mergeObject(JsonNode json, Message.Builder builder) {
        if (!json.isObject()) {
            throw new FieldError("expected a JSON object, got " + show(json));
        }
        Descriptor type = builder.getDescriptorForType();
        for (Map.Entry<String, JsonNode> entry : json.properties()) {
            FieldDescriptor field = type.findFieldByName(entry.getKey());
            if (field == null || entry.getValue().isNull()) {
                continue;
            }
            try {
                mergeField(builder, field, entry.getValue());
            } catch (FieldError e) {
                throw e.under(field.getName());
            }
        }
    }

    private static void mergeField(Message.Builder builder, FieldDescriptor field, JsonNode json) {
        if (field.isMapField() && json.isObject()) {
            mergeMap(builder, field, json);
        } else if (field.isRepeated()) {
            mergeRepeated(builder, field, json);
        } else if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
            Message.Builder child = builder.hasField(field)
                    ? ((Message) builder.getField(field)).toBuilder()
                    : builder.newBuilderForField(field);
            mergeObject(json, child);
            builder.setField(field, child.buildPartial());
        } else {
            Object value = scalar(field, json);
            if (value != null) {
                builder.setField(field, value);
            }
        }
    }

    /** Elements are appended, as protobuf's own merge does. Like stout, a lone non-array value counts as one element. */
    private static void mergeRepeated(Message.Builder builder, FieldDescriptor field, JsonNode json) {
        if (!json.isArray()) {
            addElement(builder, field, json);
            return;
        }
        for (int i = 0; i < json.size(); i++) {
            JsonNode element = json.get(i);
            if (element.isNull()) {
                continue;
            }
            try {
                addElement(builder, field, element);
            } catch (FieldError e) {
                throw e.under("[" + i + "]");
            }
        }
    }

    private static void addElement(Message.Builder builder, FieldDescriptor field, JsonNode json) {
        if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
            Message.Builder child = builder.newBuilderForField(field);
            mergeObject(json, child);
            builder.addRepeatedField(field, child.buildPartial());
        } else {
            Object value = scalar(field, json);
            if (value != null) {
                builder.addRepeatedField(field, value);
            }
        }
    }

    /** {@code {"k": v, ...}} becomes one map entry per key; the key text is converted to the key field's type. */
    private static void mergeMap(Message.Builder builder, FieldDescriptor field, JsonNode json) {
        FieldDescriptor keyField = field.getMessageType().findFieldByNumber(1);
        FieldDescriptor valueField = field.getMessageType().findFieldByNumber(2);
        for (Map.Entry<String, JsonNode> entry : json.properties()) {
            if (entry.getValue().isNull()) {
                continue;
            }
            try {
                Message.Builder mapEntry = builder.newBuilderForField(field);
                mapEntry.setField(keyField, scalar(keyField, TextNode.valueOf(entry.getKey())));
                mergeField(mapEntry, valueField, entry.getValue());
                builder.addRepeatedField(field, mapEntry.buildPartial());
            } catch (FieldError e) {
                throw e.under("[\"" + entry.getKey() + "\"]");
            }
        }
    }

    /** Converts a JSON value for a non-message field; null means "drop it" (an unknown enum name). */
    private static Object scalar(FieldDescriptor field, JsonNode json) {
        switch (field.getType()) {
            case INT32:
            case SINT32:
            case SFIXED32:
                return (int) inRange(integer(json), INT32_MIN, INT32_MAX, json).longValue();
            case UINT32:
            case FIXED32:
                return (int) inRange(integer(json), BigInteger.ZERO, UINT32_MAX, json).longValue();
            case INT64:
            case SINT64:
            case SFIXED64:
                return inRange(integer(json), INT64_MIN, INT64_MAX, json).longValue();
            case UINT64:
            case FIXED64:
                return inRange(integer(json), BigInteger.ZERO, UINT64_MAX, json).longValue();
            case DOUBLE:
                return finite(number(json).doubleValue(), json);
            case FLOAT:
                return (float) finite(number(json).floatValue(), json);
            case BOOL:
                return bool(json);
            case STRING:
                return unicode(text(json, "a string"));
            case BYTES:
                return bytes(json);
            case ENUM:
                return enumValue(field, json);
            default:
                throw new IllegalStateException("unhandled protobuf field type " + field.getType());
        }
    }

    private static BigDecimal number(JsonNode json) {
        if (json.isNumber()) {
            return json.decimalValue();
        }
        if (json.isTextual()) {
            try {
                return new BigDecimal(json.textValue().trim());
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new FieldError("expected a number, got " + show(json));
    }

    private static BigInteger integer(JsonNode json) {
        if (json.isIntegralNumber()) {
            return json.bigIntegerValue();
        }
        BigDecimal number = number(json);
        if (number.signum() == 0) {
            return BigInteger.ZERO;
        }
        if (number.precision() - number.scale() > MAX_INTEGER_DIGITS) {
            throw new FieldError("number out of range, got " + show(json));
        }
        if (number.stripTrailingZeros().scale() > 0) {
            throw new FieldError("expected an integer, got " + show(json));
        }
        return number.toBigIntegerExact();
    }

    private static BigInteger inRange(BigInteger value, BigInteger min, BigInteger max, JsonNode json) {
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new FieldError("number out of range " + min + ".." + max + ", got " + show(json));
        }
        return value;
    }

    private static double finite(double value, JsonNode json) {
        if (!Double.isFinite(value)) {
            throw new FieldError("number out of range, got " + show(json));
        }
        return value;
    }

    private static boolean bool(JsonNode json) {
        if (json.isBoolean()) {
            return json.booleanValue();
        }
        if (json.isTextual() && (json.textValue().equals("true") || json.textValue().equals("false"))) {
            return json.textValue().equals("true");
        }
        throw new FieldError("expected true or false, got " + show(json));
    }

    private static String text(JsonNode json, String expected) {
        if (!json.isTextual()) {
            throw new FieldError("expected " + expected + ", got " + show(json));
        }
        return json.textValue();
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
    private static ByteString bytes(JsonNode json) {
        String text = text(json, "a base64 string");
        String standard = text.replaceAll("\\s", "").replace('-', '+').replace('_', '/');
        try {
            return ByteString.copyFrom(Base64.getDecoder().decode(standard));
        } catch (IllegalArgumentException e) {
            throw new FieldError("expected a base64 string, got " + show(json));
        }
    }

    /**
     * By name (numbers accepted too). An unknown value is dropped from an optional or repeated field, as stout does,
     * so newer clients' enum values do not break older masters; in a required field it is an error.
     */
    private static EnumValueDescriptor enumValue(FieldDescriptor field, JsonNode json) {
        EnumValueDescriptor value;
        if (json.isTextual()) {
            value = field.getEnumType().findValueByName(json.textValue());
        } else if (json.isNumber()) {
            value = field.getEnumType().findValueByNumber(inRange(integer(json), INT32_MIN, INT32_MAX, json).intValue());
        } else {
            throw new FieldError("expected a " + field.getEnumType().getName() + " name, got " + show(json));
        }
        if (value == null && field.isRequired()) {
            throw new FieldError("unknown " + field.getEnumType().getName() + " value " + show(json));
        }
        return value;
    }

    /** The offending value as JSON, cut short so an error message stays readable. */
    private static String show(JsonNode json) {
        String text = json.toString();
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
