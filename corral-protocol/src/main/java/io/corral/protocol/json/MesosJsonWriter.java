package io.corral.protocol.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.MessageOrBuilder;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
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
 * <p>Threading: stateless apart from a concurrent per-type cache of sorted field lists; safe from any thread.
 */
final class MesosJsonWriter {
    private static final Map<Descriptor, FieldDescriptor[]> FIELDS_BY_NAME = new ConcurrentHashMap<>();

    private MesosJsonWriter() {}

    static void writeMessage(JsonGenerator out, MessageOrBuilder message) throws IOException {
        out.writeStartObject();
        for (FieldDescriptor field : fieldsByName(message.getDescriptorForType())) {
            if (field.isRepeated()) {
                if (message.getRepeatedFieldCount(field) > 0) {
                    out.writeFieldName(field.getName());
                    writeRepeated(out, message, field);
                }
            } else if (message.hasField(field) || writesDefault(field)) {
                out.writeFieldName(field.getName());
                writeValue(out, field, message.getField(field));
            }
        }
        out.writeEndObject();
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

    private static FieldDescriptor[] fieldsByName(Descriptor type) {
        return FIELDS_BY_NAME.computeIfAbsent(type, t -> t.getFields().stream()
                .sorted(Comparator.comparing(FieldDescriptor::getName))
                .toArray(FieldDescriptor[]::new));
    }

    private static void writeRepeated(JsonGenerator out, MessageOrBuilder message, FieldDescriptor field)
            throws IOException {
        int count = message.getRepeatedFieldCount(field);
        if (field.isMapField()) {
            writeMap(out, message, field, count);
            return;
        }
        out.writeStartArray();
        for (int i = 0; i < count; i++) {
            writeValue(out, field, message.getRepeatedField(field, i));
        }
        out.writeEndArray();
    }

    /** A proto {@code map<>} is a repeated key/value entry message; JSON shows it as an object with sorted keys. */
    private static void writeMap(JsonGenerator out, MessageOrBuilder message, FieldDescriptor field, int count)
            throws IOException {
        FieldDescriptor keyField = field.getMessageType().findFieldByNumber(1);
        FieldDescriptor valueField = field.getMessageType().findFieldByNumber(2);
        List<Map.Entry<String, Object>> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            MessageOrBuilder entry = (MessageOrBuilder) message.getRepeatedField(field, i);
            entries.add(Map.entry(mapKey(keyField, entry.getField(keyField)), entry.getField(valueField)));
        }
        entries.sort(Map.Entry.comparingByKey());
        out.writeStartObject();
        for (Map.Entry<String, Object> entry : entries) {
            out.writeFieldName(entry.getKey());
            writeValue(out, valueField, entry.getValue());
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

    private static void writeValue(JsonGenerator out, FieldDescriptor field, Object value) throws IOException {
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
                writeMessage(out, (MessageOrBuilder) value);
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
}
