package io.corral.protocol.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.TextNode;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
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
 * <p>It reads tokens as they come ({@link JsonParser}) instead of a tree first, and writes what they say as protobuf's
 * wire format, which the message's own generated parser then merges into the builder: protobuf's reflective setters
 * (a {@code Method.invoke} per field) were a tenth of a new leader's HTTP threads while 10,000 agents re-registered.
 * An agent's REGISTER of 10 tasks took 96 us through a tree, 59 us token by token through the setters, and 49 us so;
 * a scheduler's JSON ACCEPT of 10 tasks 56, 39 and 27 us ({@code bench/json-codec}). A tree is read through
 * {@link JsonNode#traverse}. Only a bad value is made into a tree, to show it in the error; a bad value anywhere
 * leaves the builder as it was.
 *
 * <p>Threading: safe from any thread: each call works on the caller's parser and builder, and writes into its
 * thread's reused {@link Scratch}.
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
     * object's end; throws {@link FieldError} naming the field on bad input, and then {@code builder} is unchanged.
     */
    static void mergeObject(JsonParser p, Message.Builder builder) throws IOException {
        Scratch scratch = Scratch.take();
        try {
            writeObject(p, builder.getDescriptorForType(), scratch, true);
            for (FieldDescriptor field : scratch.topLevelTwice) {
                builder.clearField(field); // the last value counts, even over what the builder held
            }
            builder.mergeFrom(scratch.out.array(), 0, scratch.out.size());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("wrote wire format protobuf cannot read for "
                    + builder.getDescriptorForType().getFullName(), e);
        } finally {
            Scratch.give(scratch);
        }
    }

    /**
     * Writes the object's fields as wire format. A key given again drops what its earlier value wrote in this
     * object (wire format would merge or append it instead); at the top level it is also cleared in the builder.
     */
    private static void writeObject(JsonParser p, Descriptor type, Scratch scratch, boolean topLevel)
            throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new FieldError("expected a JSON object, got " + show(p));
        }
        Map<String, FieldDescriptor> fields = fieldsOf(type);
        int firstKey = scratch.keyCount;
        long seen = 0; // fields by index (the first 64), so the keys are searched only for one given again
        for (String key = p.nextFieldName(); key != null; key = p.nextFieldName()) {
            JsonToken value = p.nextToken();
            FieldDescriptor field = fields.get(key);
            if (field == null) {
                p.skipChildren();
                continue;
            }
            long bit = field.getIndex() < 64 ? 1L << field.getIndex() : 0;
            if ((bit == 0 || (seen & bit) != 0) && scratch.dropEarlier(firstKey, field.getIndex()) && topLevel) {
                scratch.topLevelTwice.add(field);
            }
            seen |= bit;
            int start = scratch.out.size();
            if (value != JsonToken.VALUE_NULL) {
                try {
                    writeField(p, field, scratch);
                } catch (FieldError e) {
                    throw e.under(field.getName());
                }
            }
            scratch.addKey(field.getIndex(), start, scratch.out.size());
        }
        scratch.keyCount = firstKey;
    }

    private static void writeField(JsonParser p, FieldDescriptor field, Scratch scratch) throws IOException {
        if (field.isMapField() && p.currentToken() == JsonToken.START_OBJECT) {
            writeMap(p, field, scratch);
        } else if (field.isRepeated()) {
            writeRepeated(p, field, scratch);
        } else {
            writeElement(p, field, scratch);
        }
    }

    /** Elements are appended, as protobuf's own merge does; like stout, a lone non-array value is one element. */
    private static void writeRepeated(JsonParser p, FieldDescriptor field, Scratch scratch) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            writeElement(p, field, scratch);
            return;
        }
        int i = 0;
        for (JsonToken element = p.nextToken(); element != JsonToken.END_ARRAY && element != null;
                element = p.nextToken(), i++) {
            if (element == JsonToken.VALUE_NULL) {
                continue;
            }
            try {
                writeElement(p, field, scratch);
            } catch (FieldError e) {
                throw e.under("[" + i + "]");
            }
        }
    }

    /** One value of the field, tagged; a message's length is written once its content is. */
    private static void writeElement(JsonParser p, FieldDescriptor field, Scratch scratch) throws IOException {
        WireBuffer out = scratch.out;
        if (field.getType() == FieldDescriptor.Type.MESSAGE) {
            out.tag(field.getNumber(), WireBuffer.LENGTH_DELIMITED);
            int mark = out.beginLength();
            writeObject(p, field.getMessageType(), scratch, false);
            out.endLength(mark);
        } else if (field.getType() == FieldDescriptor.Type.GROUP) {
            out.tag(field.getNumber(), WireBuffer.START_GROUP);
            writeObject(p, field.getMessageType(), scratch, false);
            out.tag(field.getNumber(), WireBuffer.END_GROUP);
        } else {
            writeScalar(p, field, out);
        }
    }

    /** {@code {"k": v, ...}} becomes one map entry per key; the key text is converted to the key field's type. */
    private static void writeMap(JsonParser p, FieldDescriptor field, Scratch scratch) throws IOException {
        FieldDescriptor keyField = field.getMessageType().findFieldByNumber(1);
        FieldDescriptor valueField = field.getMessageType().findFieldByNumber(2);
        WireBuffer out = scratch.out;
        for (String key = p.nextFieldName(); key != null; key = p.nextFieldName()) {
            if (p.nextToken() == JsonToken.VALUE_NULL) {
                continue;
            }
            try {
                out.tag(field.getNumber(), WireBuffer.LENGTH_DELIMITED);
                int mark = out.beginLength();
                writeScalar(textParser(key), keyField, out);
                writeElement(p, valueField, scratch);
                out.endLength(mark);
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

    /**
     * Converts the value {@code p} is at for a non-message field and writes it with its tag, as protobuf encodes
     * that type; an unknown enum name writes nothing (dropped).
     */
    private static void writeScalar(JsonParser p, FieldDescriptor field, WireBuffer out) throws IOException {
        int number = field.getNumber();
        switch (field.getType()) {
            case INT32 -> varint(out, number, (int) integerIn(p, INT32_MIN, INT32_MAX)); // negative: ten bytes
            case SINT32 -> {
                int value = (int) integerIn(p, INT32_MIN, INT32_MAX);
                varint(out, number, Integer.toUnsignedLong((value << 1) ^ (value >> 31))); // zigzag, 32 bits
            }
            case SFIXED32 -> fixed32(out, number, (int) integerIn(p, INT32_MIN, INT32_MAX));
            case UINT32 -> varint(out, number, integerIn(p, BigInteger.ZERO, UINT32_MAX));
            case FIXED32 -> fixed32(out, number, (int) integerIn(p, BigInteger.ZERO, UINT32_MAX));
            case INT64 -> varint(out, number, integerIn(p, INT64_MIN, INT64_MAX));
            case SINT64 -> {
                long value = integerIn(p, INT64_MIN, INT64_MAX);
                varint(out, number, (value << 1) ^ (value >> 63));
            }
            case SFIXED64 -> fixed64(out, number, integerIn(p, INT64_MIN, INT64_MAX));
            case UINT64 -> varint(out, number, integerIn(p, BigInteger.ZERO, UINT64_MAX));
            case FIXED64 -> fixed64(out, number, integerIn(p, BigInteger.ZERO, UINT64_MAX));
            // A JSON number's double is its text's, correctly rounded, without an exact decimal made first.
            case DOUBLE -> fixed64(out, number, Double.doubleToRawLongBits(
                    finite(p.currentToken().isNumeric() ? p.getDoubleValue() : number(p).doubleValue(), p)));
            case FLOAT -> fixed32(out, number, Float.floatToRawIntBits((float) finite(number(p).floatValue(), p)));
            case BOOL -> varint(out, number, bool(p) ? 1 : 0);
            case STRING -> lengthDelimited(out, number, unicode(text(p, "a string")).getBytes(StandardCharsets.UTF_8));
            case BYTES -> lengthDelimited(out, number, bytes(p));
            case ENUM -> {
                EnumValueDescriptor value = enumValue(field, p);
                if (value != null) {
                    varint(out, number, value.getNumber());
                }
            }
            default -> throw new IllegalStateException("unhandled protobuf field type " + field.getType());
        }
    }

    private static void varint(WireBuffer out, int number, long value) {
        out.tag(number, WireBuffer.VARINT);
        out.varint64(value);
    }

    private static void fixed32(WireBuffer out, int number, int value) {
        out.tag(number, WireBuffer.FIXED32);
        out.fixed32(value);
    }

    private static void fixed64(WireBuffer out, int number, long value) {
        out.tag(number, WireBuffer.FIXED64);
        out.fixed64(value);
    }

    private static void lengthDelimited(WireBuffer out, int number, byte[] value) {
        out.tag(number, WireBuffer.LENGTH_DELIMITED);
        out.lengthDelimited(value);
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
    private static byte[] bytes(JsonParser p) throws IOException {
        String text = text(p, "a base64 string");
        try {
            return Base64.getDecoder().decode(standardBase64(text));
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

    /**
     * What one reading writes into: the wire buffer, and the keys of the objects being read (field index, and where
     * the key's value starts and ends in the buffer), to drop a key's earlier value when it is given again.
     *
     * <p>Threading: one per thread, reused by its readings; a reading while the thread's is in use gets its own.
     */
    private static final class Scratch {
        private static final ThreadLocal<Scratch> KEPT = ThreadLocal.withInitial(Scratch::new);
        /** A buffer grown past this (a huge document) is not kept for the thread's next reading. */
        private static final int MOST_KEPT_BYTES = 1 << 20;

        private WireBuffer out = new WireBuffer(4096);
        private final List<FieldDescriptor> topLevelTwice = new ArrayList<>(2);
        /** Three ints per key: field index, start, end. */
        private int[] keys = new int[3 * 64];
        private int keyCount;
        private boolean inUse;

        static Scratch take() {
            Scratch kept = KEPT.get();
            if (kept.inUse) {
                return new Scratch();
            }
            kept.inUse = true;
            return kept;
        }

        static void give(Scratch scratch) {
            scratch.inUse = false;
            scratch.out.clear();
            scratch.topLevelTwice.clear();
            scratch.keyCount = 0;
            if (scratch.out.capacity() > MOST_KEPT_BYTES) {
                scratch.out = new WireBuffer(4096);
            }
        }

        void addKey(int field, int start, int end) {
            if (3 * keyCount + 3 > keys.length) {
                keys = Arrays.copyOf(keys, keys.length * 2);
            }
            keys[3 * keyCount] = field;
            keys[3 * keyCount + 1] = start;
            keys[3 * keyCount + 2] = end;
            keyCount++;
        }

        /** Drops what earlier values of {@code field} among the keys from {@code firstKey} on wrote; any there? */
        boolean dropEarlier(int firstKey, int field) {
            boolean dropped = false;
            for (int k = firstKey; k < keyCount; k++) {
                if (keys[3 * k] != field) {
                    continue;
                }
                int length = keys[3 * k + 2] - keys[3 * k + 1];
                out.remove(keys[3 * k + 1], keys[3 * k + 2]);
                for (int later = k + 1; later < keyCount; later++) {
                    keys[3 * later + 1] -= length;
                    keys[3 * later + 2] -= length;
                }
                System.arraycopy(keys, 3 * (k + 1), keys, 3 * k, 3 * (keyCount - k - 1));
                keyCount--;
                k--;
                dropped = true;
            }
            return dropped;
        }
    }

}
