package io.corral.protocol.agent;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The agent protocol's messages in protobuf's wire format ({@code application/x-protobuf}), as
 * {@code docs/agent-protocol.md} gives their schema: each record is a message whose fields are its components,
 * numbered from 1 in declaration order (records only ever gain components at their end, so numbers never change).
 * A component is written as protobuf writes the field it stands for:
 * <ul>
 *   <li>{@code int} and {@code long}: varint (int32, int64); {@code double}: fixed64; {@code boolean}: varint;
 *       zero and false are left out;</li>
 *   <li>an enum: varint of its ordinal (constants are only ever added at the end);</li>
 *   <li>a {@code String}, a Mesos message, a record: length-delimited; {@code null} is left out;</li>
 *   <li>a {@code List} of one of those: the field repeated; an empty list is left out and reads back empty.</li>
 * </ul>
 * A field number the record does not have is skipped, as protobuf skips an unknown field, so an older reader takes a
 * newer writer's message. Mesos messages are parsed by their generated parsers, which check them as protobuf does.
 * Against JSON, a 10-task REGISTER is half the size and four to five times cheaper to read and to write
 * ({@code docs/benchmarks.md}, "Agent protocol in protobuf").
 *
 * <p>Threading: stateless apart from a per-record-type cache of shapes ({@link ClassValue}); safe from any thread.
 */
public final class AgentWire {
    private static final ClassValue<Shape> SHAPES = new ClassValue<>() {
        @Override
        protected Shape computeValue(Class<?> type) {
            return Shape.of(type);
        }
    };

    private AgentWire() {}

    /** {@code message} (an agent protocol record) in wire format. */
    public static byte[] encode(Record message) {
        NestedSizes nested = new NestedSizes();
        byte[] bytes = new byte[sizeOf(message, nested)];
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        try {
            write(out, message, nested);
        } catch (IOException e) {
            throw new IllegalStateException("the size computed for " + message.getClass().getSimpleName()
                    + " was too small", e);
        }
        out.checkNoSpaceLeft();
        return bytes;
    }

    /**
     * Reads one {@code type} from {@code bytes}.
     *
     * @throws IllegalArgumentException when the bytes are not a valid message of that type
     */
    public static <T extends Record> T decode(byte[] bytes, Class<T> type) {
        try {
            return type.cast(read(CodedInputStream.newInstance(bytes), SHAPES.get(type)));
        } catch (IOException e) { // InvalidProtocolBufferException among them
            throw new IllegalArgumentException("invalid " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The bytes {@link #write} writes for {@code message}; the size of each nested record (written before it) goes
     * into {@code nested} in the order {@link #write} meets them.
     */
    private static int sizeOf(Record message, NestedSizes nested) {
        Shape shape = SHAPES.get(message.getClass());
        int size = 0;
        for (int i = 0; i < shape.fields.length; i++) {
            Field field = shape.fields[i];
            Object value = shape.written(message, i);
            if (value instanceof List<?> list) {
                for (Object element : list) {
                    size += CodedOutputStream.computeTagSize(field.number) + valueSize(field.kind, element, nested);
                }
            } else if (value != null) {
                size += CodedOutputStream.computeTagSize(field.number) + valueSize(field.kind, value, nested);
            }
        }
        return size;
    }

    private static int valueSize(Kind kind, Object value, NestedSizes nested) {
        return switch (kind) {
            case INT -> CodedOutputStream.computeInt32SizeNoTag((Integer) value);
            case LONG -> CodedOutputStream.computeInt64SizeNoTag((Long) value);
            case DOUBLE -> CodedOutputStream.computeDoubleSizeNoTag((Double) value);
            case BOOLEAN -> CodedOutputStream.computeBoolSizeNoTag((Boolean) value);
            case ENUM -> CodedOutputStream.computeEnumSizeNoTag(((Enum<?>) value).ordinal());
            case STRING -> CodedOutputStream.computeStringSizeNoTag((String) value);
            case MESSAGE -> CodedOutputStream.computeMessageSizeNoTag((Message) value);
            case RECORD -> {
                int slot = nested.reserve(); // before the records inside it, as write meets them
                int size = sizeOf((Record) value, nested);
                nested.set(slot, size);
                yield CodedOutputStream.computeUInt32SizeNoTag(size) + size;
            }
        };
    }

    private static void write(CodedOutputStream out, Record message, NestedSizes nested) throws IOException {
        Shape shape = SHAPES.get(message.getClass());
        for (int i = 0; i < shape.fields.length; i++) {
            Field field = shape.fields[i];
            Object value = shape.written(message, i);
            if (value instanceof List<?> list) {
                for (Object element : list) {
                    writeValue(out, field.number, field.kind, element, nested);
                }
            } else if (value != null) {
                writeValue(out, field.number, field.kind, value, nested);
            }
        }
    }

    private static void writeValue(CodedOutputStream out, int number, Kind kind, Object value, NestedSizes nested)
            throws IOException {
        switch (kind) {
            case INT -> out.writeInt32(number, (Integer) value);
            case LONG -> out.writeInt64(number, (Long) value);
            case DOUBLE -> out.writeDouble(number, (Double) value);
            case BOOLEAN -> out.writeBool(number, (Boolean) value);
            case ENUM -> out.writeEnum(number, ((Enum<?>) value).ordinal());
            case STRING -> out.writeString(number, (String) value);
            case MESSAGE -> out.writeMessage(number, (Message) value);
            case RECORD -> {
                out.writeTag(number, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                out.writeUInt32NoTag(nested.next());
                write(out, (Record) value, nested);
            }
        }
    }

    /**
     * The sizes of one encoding's nested records, counted once: {@link #sizeOf} keeps each in the order
     * {@link #write} takes them (counting them again as they were written took 8% of encoding a LAUNCH).
     */
    private static final class NestedSizes {
        private int[] sizes = new int[4];
        private int count;
        private int taken;

        int reserve() {
            if (count == sizes.length) {
                sizes = Arrays.copyOf(sizes, count * 2);
            }
            return count++;
        }

        void set(int slot, int size) {
            sizes[slot] = size;
        }

        int next() {
            return sizes[taken++];
        }
    }

    private static Object read(CodedInputStream in, Shape shape) throws IOException {
        Object[] values = new Object[shape.fields.length];
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            int index = WireFormat.getTagFieldNumber(tag) - 1;
            if (index < 0 || index >= values.length) {
                in.skipField(tag); // a newer writer's field
                continue;
            }
            Field field = shape.fields[index];
            if (WireFormat.getTagWireType(tag) != field.kind.wireType) {
                throw new InvalidProtocolBufferException("field " + field.name + " (" + field.number
                        + ") has wire type " + WireFormat.getTagWireType(tag) + ", not " + field.kind.wireType);
            }
            Object value = readValue(in, field);
            if (field.repeated) {
                @SuppressWarnings("unchecked")
                List<Object> list = values[index] == null ? new ArrayList<>() : (List<Object>) values[index];
                list.add(value);
                values[index] = list;
            } else {
                values[index] = value;
            }
        }
        return shape.create(values);
    }

    private static Object readValue(CodedInputStream in, Field field) throws IOException {
        return switch (field.kind) {
            case INT -> in.readInt32();
            case LONG -> in.readInt64();
            case DOUBLE -> in.readDouble();
            case BOOLEAN -> in.readBool();
            case ENUM -> field.enumConstant(in.readEnum());
            case STRING -> in.readStringRequireUtf8();
            case MESSAGE -> {
                Message message = in.readMessage(field.parser, ExtensionRegistryLite.getEmptyRegistry());
                if (!message.isInitialized()) { // as the JSON path's build() refuses it
                    throw new InvalidProtocolBufferException("Message missing required fields: "
                            + String.join(", ", message.findInitializationErrors()));
                }
                yield message;
            }
            case RECORD -> readNested(in, field.nested);
        };
    }

    private static Object readNested(CodedInputStream in, Shape nested) throws IOException {
        int length = in.readRawVarint32();
        int limit = in.pushLimit(length);
        Object value = read(in, nested); // reads to the limit: a tag of 0 before it is refused by readTag
        in.popLimit(limit);
        return value;
    }

    /** How a component is written: its protobuf kind, and the wire type that kind takes. */
    private enum Kind {
        INT(WireFormat.WIRETYPE_VARINT), LONG(WireFormat.WIRETYPE_VARINT), DOUBLE(WireFormat.WIRETYPE_FIXED64),
        BOOLEAN(WireFormat.WIRETYPE_VARINT), ENUM(WireFormat.WIRETYPE_VARINT),
        STRING(WireFormat.WIRETYPE_LENGTH_DELIMITED), MESSAGE(WireFormat.WIRETYPE_LENGTH_DELIMITED),
        RECORD(WireFormat.WIRETYPE_LENGTH_DELIMITED);

        final int wireType;

        Kind(int wireType) {
            this.wireType = wireType;
        }
    }

    /** One component as a field: its number, kind, and what reading it needs (a parser, enum constants, a shape). */
    private record Field(String name, int number, Kind kind, boolean repeated, Parser<? extends Message> parser,
                         Object[] enumConstants, Shape nested) {

        Object enumConstant(int ordinal) throws InvalidProtocolBufferException {
            if (ordinal < 0 || ordinal >= enumConstants.length) {
                throw new InvalidProtocolBufferException("field " + name + " has no value " + ordinal + " (one of "
                        + Arrays.toString(enumConstants) + ")");
            }
            return enumConstants[ordinal];
        }
    }

    /** A record type's fields, its components' accessors and its canonical constructor. */
    private static final class Shape {
        final Field[] fields;
        private final MethodHandle[] accessors;
        private final MethodHandle constructor;
        private final Object[] defaults;

        private Shape(Field[] fields, MethodHandle[] accessors, MethodHandle constructor, Object[] defaults) {
            this.fields = fields;
            this.accessors = accessors;
            this.constructor = constructor;
            this.defaults = defaults;
        }

        static Shape of(Class<?> type) {
            if (!type.isRecord()) {
                throw new IllegalArgumentException(type + " is not an agent protocol record");
            }
            RecordComponent[] components = type.getRecordComponents();
            Field[] fields = new Field[components.length];
            MethodHandle[] accessors = new MethodHandle[components.length];
            Object[] defaults = new Object[components.length];
            Class<?>[] parameterTypes = new Class<?>[components.length];
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            try {
                for (int i = 0; i < components.length; i++) {
                    fields[i] = field(components[i], i + 1);
                    accessors[i] = lookup.unreflect(components[i].getAccessor())
                            .asType(MethodType.methodType(Object.class, Object.class));
                    parameterTypes[i] = components[i].getType();
                    defaults[i] = defaultOf(components[i].getType());
                }
                Constructor<?> canonical = type.getDeclaredConstructor(parameterTypes);
                MethodHandle constructor = lookup.unreflectConstructor(canonical)
                        .asSpreader(Object[].class, components.length)
                        .asType(MethodType.methodType(Object.class, Object[].class));
                return new Shape(fields, accessors, constructor, defaults);
            } catch (ReflectiveOperationException e) {
                throw new IllegalArgumentException(type + " cannot be read or written: " + e.getMessage(), e);
            }
        }

        /**
         * What component {@code index} of {@code message} writes: null for null, zero, false or an empty list
         * (which read back as they were), else its value (a list's elements are each a field).
         */
        Object written(Record message, int index) {
            Object value;
            try {
                value = (Object) accessors[index].invokeExact((Object) message);
            } catch (Throwable e) {
                throw new IllegalStateException("reading " + fields[index].name + " failed", e);
            }
            if (value instanceof List<?> list) {
                for (Object element : list) { // contains(null) throws on immutable lists
                    if (element == null) {
                        throw new IllegalArgumentException(fields[index].name + " holds null");
                    }
                }
                return list.isEmpty() ? null : list;
            }
            return value == null || value.equals(defaults[index]) ? null : value;
        }

        /** The record from the fields read; an absent list is empty, an absent number zero. */
        Object create(Object[] values) throws InvalidProtocolBufferException {
            for (int i = 0; i < values.length; i++) {
                if (values[i] == null) {
                    values[i] = fields[i].repeated ? List.of() : defaults[i];
                } else if (fields[i].repeated) {
                    values[i] = List.copyOf((List<?>) values[i]);
                }
            }
            try {
                return (Object) constructor.invokeExact(values);
            } catch (RuntimeException e) { // a record's own check refused the values
                throw new InvalidProtocolBufferException(e.getMessage());
            } catch (Throwable e) {
                throw new IllegalStateException("creating a record failed", e);
            }
        }

        private static Object defaultOf(Class<?> type) {
            if (type == int.class) {
                return 0;
            } else if (type == long.class) {
                return 0L;
            } else if (type == double.class) {
                return 0.0;
            } else if (type == boolean.class) {
                return false;
            }
            return null;
        }

        private static Field field(RecordComponent component, int number) {
            Class<?> type = component.getType();
            boolean repeated = type == List.class;
            if (repeated) {
                Type element = ((ParameterizedType) component.getGenericType()).getActualTypeArguments()[0];
                type = (Class<?>) element;
            }
            Kind kind = kindOf(type);
            Parser<? extends Message> parser = kind == Kind.MESSAGE ? parserOf(type) : null;
            Object[] constants = kind == Kind.ENUM ? type.getEnumConstants() : null;
            Shape nested = kind == Kind.RECORD ? SHAPES.get(type) : null;
            return new Field(component.getName(), number, kind, repeated, parser, constants, nested);
        }

        private static Kind kindOf(Class<?> type) {
            if (type == int.class) {
                return Kind.INT;
            } else if (type == long.class) {
                return Kind.LONG;
            } else if (type == double.class) {
                return Kind.DOUBLE;
            } else if (type == boolean.class) {
                return Kind.BOOLEAN;
            } else if (type.isEnum()) {
                return Kind.ENUM;
            } else if (type == String.class) {
                return Kind.STRING;
            } else if (Message.class.isAssignableFrom(type)) {
                return Kind.MESSAGE;
            } else if (type.isRecord()) {
                return Kind.RECORD;
            }
            throw new IllegalArgumentException("no wire format for " + type);
        }

        private static Parser<? extends Message> parserOf(Class<?> type) {
            try {
                return ((Message) type.getMethod("getDefaultInstance").invoke(null)).getParserForType();
            } catch (ReflectiveOperationException e) {
                throw new IllegalArgumentException(type + " has no default instance", e);
            }
        }
    }
}
