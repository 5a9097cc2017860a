package io.corral.protocol.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.math.BigInteger;
import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes a protobuf message as JSON the way Mesos's stout does: proto field names as keys, in lexicographic order
 * (stout's {@code JSON::Object} is a {@code std::map}), enums as names, bytes as base64, every number a JSON number,
 * and unset optional fields written too when the .proto gives them an explicit, non-deprecated default.
 *
 * <p>It reads the message's own wire format ({@code toByteArray}, generated code) rather than asking protobuf's
 * reflection for each field ({@code hasField} and {@code getField} are a {@code Method.invoke} each: half of an
 * encode): each message's fields are gathered from its bytes into their places in name order, then written; a nested
 * message is kept as where its bytes are, and read when its turn comes. Unknown fields (an enum value this build does
 * not know, a field of a newer .proto) are skipped, as reflection does not show them either.
 *
 * <p>Threading: stateless apart from a concurrent per-type cache of field layouts; safe from any thread.
 */
final class MesosJsonWriter {
    private static final Map<Descriptor, Layout> LAYOUTS = new ConcurrentHashMap<>();
    private static final byte[] NO_BYTES = new byte[0];

    private MesosJsonWriter() {}

    static void writeMessage(JsonGenerator out, MessageOrBuilder message) throws IOException {
        Message built = message instanceof Message whole ? whole : ((Message.Builder) message).buildPartial();
        byte[] wire = built.toByteArray();
        writeObject(out, built.getDescriptorForType(), wire, 0, wire.length);
    }

    /** The message of {@code type} in {@code wire[offset, offset + length)}. */
    private static void writeObject(JsonGenerator out, Descriptor type, byte[] wire, int offset, int length)
            throws IOException {
        Layout layout = layoutOf(type);
        Object[] values = gather(layout, wire, offset, length);
        out.writeStartObject();
        for (int place = 0; place < layout.byName.length; place++) {
            FieldDescriptor field = layout.byName[place];
            Object value = values[place];
            if (field.isRepeated()) {
                if (value != null) {
                    out.writeFieldName(field.getName());
                    writeRepeated(out, field, asList(value), wire);
                }
            } else if (value != null || writesDefault(field)) {
                out.writeFieldName(field.getName());
                writeValue(out, field, value != null ? value : field.getDefaultValue(), wire);
            }
        }
        out.writeEndObject();
    }

    /**
     * Each field's value, at its place in name order: one value, or a list for a repeated field. A message is its
     * {@link Slice}; an enum its value; the other kinds as protobuf's reflection boxes them.
     */
    private static Object[] gather(Layout layout, byte[] wire, int offset, int length) throws IOException {
        Object[] values = new Object[layout.byName.length];
        CodedInputStream in = CodedInputStream.newInstance(wire, offset, length);
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            int place = layout.placeOf(WireFormat.getTagFieldNumber(tag));
            FieldDescriptor field = place < 0 ? null : layout.byName[place];
            if (field == null || !readable(field, tag)) {
                in.skipField(tag); // unknown, or kept as unknown under a known number (another wire type)
                continue;
            }
            if (!field.isRepeated()) {
                Object value = readValue(in, field, tag, offset);
                values[place] = value != null ? value : values[place];
            } else if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED && field.isPackable()) {
                int limit = in.pushLimit(in.readRawVarint32());
                while (in.getBytesUntilLimit() > 0) {
                    add(values, place, readValue(in, field, tag, offset));
                }
                in.popLimit(limit);
            } else {
                add(values, place, readValue(in, field, tag, offset));
            }
        }
        return values;
    }

    /** Whether the tag's wire type is the field's (packed for a packable repeated one). */
    private static boolean readable(FieldDescriptor field, int tag) {
        int wireType = WireFormat.getTagWireType(tag);
        return wireType == field.getLiteType().getWireType()
                || (field.isPackable() && wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED);
    }

    @SuppressWarnings("unchecked")
    private static void add(Object[] values, int place, Object value) {
        if (value == null) {
            return; // an enum value this build does not know: not shown, as reflection does not show it
        }
        if (values[place] == null) {
            values[place] = new ArrayList<>(4);
        }
        ((List<Object>) values[place]).add(value);
    }

    @SuppressWarnings("unchecked")
    private static List<Object> asList(Object value) {
        return (List<Object>) value;
    }

    /** One value at {@code in}; {@code base} is where {@code in} started in the wire array. */
    private static Object readValue(CodedInputStream in, FieldDescriptor field, int tag, int base)
            throws IOException {
        switch (field.getType()) {
            case DOUBLE: return in.readDouble();
            case FLOAT: return in.readFloat();
            case INT64: return in.readInt64();
            case UINT64: return in.readUInt64();
            case INT32: return in.readInt32();
            case FIXED64: return in.readFixed64();
            case FIXED32: return in.readFixed32();
            case BOOL: return in.readBool();
            case STRING: return in.readString();
            case BYTES: return in.readBytes();
            case UINT32: return in.readUInt32();
            case SFIXED32: return in.readSFixed32();
            case SFIXED64: return in.readSFixed64();
            case SINT32: return in.readSInt32();
            case SINT64: return in.readSInt64();
            case ENUM: return field.getEnumType().findValueByNumber(in.readEnum());
            case MESSAGE: {
                int length = in.readRawVarint32();
                Slice slice = new Slice(base + in.getTotalBytesRead(), length);
                in.skipRawBytes(length);
                return slice;
            }
            case GROUP: {
                int start = base + in.getTotalBytesRead();
                in.skipField(tag); // to its end-group tag, included
                int end = base + in.getTotalBytesRead() - CodedOutputStream.computeTagSize(field.getNumber());
                return new Slice(start, end - start);
            }
            default:
                throw new IllegalStateException("unhandled protobuf field type " + field.getType());
        }
    }

    /**
     * Stout writes unset fields whose default is explicit ({@code [default = ...]}) unless deprecated. A member of a
     * oneof is skipped: writing its default would select that member when the JSON is read back.
     */
    private static boolean writesDefault(FieldDescriptor field) {
        return field.hasDefaultValue()
                && !field.getOptions().getDeprecated()
                && field.getContainingOneof() == null;
    }

    private static Layout layoutOf(Descriptor type) {
        Layout layout = LAYOUTS.get(type);
        return layout != null ? layout : LAYOUTS.computeIfAbsent(type, Layout::of);
    }

    private static void writeRepeated(JsonGenerator out, FieldDescriptor field, List<Object> values, byte[] wire)
            throws IOException {
        if (field.isMapField()) {
            writeMap(out, field, values, wire);
            return;
        }
        out.writeStartArray();
        for (Object value : values) {
            writeValue(out, field, value, wire);
        }
        out.writeEndArray();
    }

    /** A proto {@code map<>} is a repeated key/value entry message; JSON shows it as an object with sorted keys. */
    private static void writeMap(JsonGenerator out, FieldDescriptor field, List<Object> entries, byte[] wire)
            throws IOException {
        Layout entry = layoutOf(field.getMessageType());
        int keyPlace = entry.placeOf(1);
        int valuePlace = entry.placeOf(2);
        FieldDescriptor keyField = entry.byName[keyPlace];
        FieldDescriptor valueField = entry.byName[valuePlace];
        List<Map.Entry<String, Object>> sorted = new ArrayList<>(entries.size());
        for (Object value : entries) {
            Slice slice = (Slice) value;
            Object[] parts = gather(entry, wire, slice.start, slice.length);
            Object key = parts[keyPlace] != null ? parts[keyPlace] : keyField.getDefaultValue();
            sorted.add(new SimpleImmutableEntry<>(mapKey(keyField, key), parts[valuePlace])); // a value may be absent
        }
        sorted.sort(Map.Entry.comparingByKey());
        out.writeStartObject();
        for (Map.Entry<String, Object> pair : sorted) {
            out.writeFieldName(pair.getKey());
            Object value = pair.getValue();
            if (value == null && valueField.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                writeObject(out, valueField.getMessageType(), NO_BYTES, 0, 0); // an entry without a value: its default
            } else {
                writeValue(out, valueField, value != null ? value : valueField.getDefaultValue(), wire);
            }
        }
        out.writeEndObject();
    }

    private static String mapKey(FieldDescriptor keyField, Object key) {
        switch (keyField.getType()) {
            case UINT32:
            case FIXED32:
                return Integer.toUnsignedString((Integer) key);
            case UINT64:
            case FIXED64:
                return Long.toUnsignedString((Long) key);
            default:
                return String.valueOf(key);
        }
    }

    private static void writeValue(JsonGenerator out, FieldDescriptor field, Object value, byte[] wire)
            throws IOException {
        switch (field.getType()) {
            case UINT32:
            case FIXED32:
                out.writeNumber(Integer.toUnsignedLong((Integer) value));
                break;
            case UINT64:
            case FIXED64:
                writeUnsigned64(out, (Long) value);
                break;
            case INT32:
            case SINT32:
            case SFIXED32:
                out.writeNumber((Integer) value);
                break;
            case INT64:
            case SINT64:
            case SFIXED64:
                out.writeNumber((Long) value);
                break;
            case FLOAT:
                // Through the float's shortest decimal form, so 0.1f prints as 0.1, not 0.10000000149011612.
                writeDouble(out, Double.parseDouble(Float.toString((Float) value)));
                break;
            case DOUBLE:
                writeDouble(out, (Double) value);
                break;
            case BOOL:
                out.writeBoolean((Boolean) value);
                break;
            case STRING:
                out.writeString((String) value);
                break;
            case BYTES:
                out.writeString(Base64.getEncoder().encodeToString(((ByteString) value).toByteArray()));
                break;
            case ENUM:
                out.writeString(((EnumValueDescriptor) value).getName());
                break;
            case MESSAGE:
            case GROUP:
                Slice slice = (Slice) value;
                writeObject(out, field.getMessageType(), wire, slice.start, slice.length);
                break;
            default:
                throw new IllegalStateException("unhandled protobuf field type " + field.getType());
        }
    }

    private static void writeUnsigned64(JsonGenerator out, long value) throws IOException {
        if (value >= 0) {
            out.writeNumber(value);
        } else {
            out.writeNumber(new BigInteger(Long.toUnsignedString(value)));
        }
    }

    /** JSON has no NaN or infinity; they are written as null, which readers treat as an absent field. */
    private static void writeDouble(JsonGenerator out, double value) throws IOException {
        if (Double.isFinite(value)) {
            out.writeNumber(formatDouble(value));
        } else {
            out.writeNull();
        }
    }

    /**
     * Mesos style: whole numbers keep a ".0" and are never in exponent form below 1e15 (a timestamp prints as
     * 1700000000.0, not 1.7E9); everything else uses Java's shortest round-trip form, which is valid JSON.
     */
    static String formatDouble(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return (long) value + ".0";
        }
        return Double.toString(value);
    }

    /** Where a nested message's bytes are in the wire array. */
    private record Slice(int start, int length) {}

    /**
     * A message type's fields in name order, and each field number's place in that order (field numbers sorted,
     * searched by halves: a type has a few dozen at most).
     */
    private record Layout(FieldDescriptor[] byName, int[] numbers, int[] places) {
        static Layout of(Descriptor type) {
            FieldDescriptor[] byName = type.getFields().stream()
                    .sorted(Comparator.comparing(FieldDescriptor::getName)).toArray(FieldDescriptor[]::new);
            Integer[] order = new Integer[byName.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, Comparator.comparingInt(i -> byName[i].getNumber()));
            int[] numbers = new int[order.length];
            int[] places = new int[order.length];
            for (int i = 0; i < order.length; i++) {
                numbers[i] = byName[order[i]].getNumber();
                places[i] = order[i];
            }
            return new Layout(byName, numbers, places);
        }

        /** The place of the field with this number, or -1 if the type has none. */
        int placeOf(int number) {
            int found = Arrays.binarySearch(numbers, number);
            return found < 0 ? -1 : places[found];
        }
    }

}
