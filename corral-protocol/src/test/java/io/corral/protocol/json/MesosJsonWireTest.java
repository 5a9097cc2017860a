package io.corral.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import org.apache.mesos.v1.Protos.Label;
import org.apache.mesos.v1.Protos.Labels;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.Protos.Value;
import org.junit.jupiter.api.Test;

/**
 * JSON is read by writing protobuf's wire format and letting the message's own parser merge it, and written from the
 * message's wire format (no reflective setters or getters). These check each scalar kind, including those Mesos's
 * protos do not use (zigzag, fixed, signed fixed, packed), against values set directly, that a key given again inside
 * a nested object counts with its last value, and that what this build does not know is not written.
 */
class MesosJsonWireTest {
    private static final Descriptor EVERY_KIND = everyKind();

    @Test
    void everyScalarKindReadsAsTheValueSetDirectly() {
        String json = """
                {"i32":-5,"s32":-2147483648,"sf32":-7,"u32":4294967295,"f32":4294967295,
                 "i64":-9000000000,"s64":-1,"sf64":-9223372036854775808,"u64":18446744073709551615,
                 "f64":"18446744073709551614","d":0.1,"fl":0.1,"b":true,"s":"naïve ✓","by":"AAEC/w==",
                 "r32":[1,-1,"3"],"rs":["a","b"]}""";

        DynamicMessage read = MesosJson.merge(json, DynamicMessage.newBuilder(EVERY_KIND)).build();

        DynamicMessage expected = DynamicMessage.newBuilder(EVERY_KIND)
                .setField(field("i32"), -5).setField(field("s32"), Integer.MIN_VALUE).setField(field("sf32"), -7)
                .setField(field("u32"), -1).setField(field("f32"), -1)
                .setField(field("i64"), -9_000_000_000L).setField(field("s64"), -1L)
                .setField(field("sf64"), Long.MIN_VALUE).setField(field("u64"), -1L).setField(field("f64"), -2L)
                .setField(field("d"), 0.1).setField(field("fl"), 0.1f).setField(field("b"), true)
                .setField(field("s"), "naïve ✓").setField(field("by"), ByteString.copyFrom(new byte[] {0, 1, 2, -1}))
                .addRepeatedField(field("r32"), 1).addRepeatedField(field("r32"), -1)
                .addRepeatedField(field("r32"), 3).addRepeatedField(field("rs"), "a").addRepeatedField(field("rs"), "b")
                .build();
        assertThat(read).isEqualTo(expected);
        assertThat(read.toByteString()).isEqualTo(expected.toByteString());
    }

    @Test
    void aKeyGivenAgainInsideANestedObjectCountsWithItsLastValue() {
        String json = """
                {"name":"t","task_id":{"value":"a","value":"b"},"agent_id":{"value":"s"},
                 "resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":1},"scalar":{"value":2},
                               "reservations":[{"role":"x"}],"name":"mem","reservations":[{"role":"y"}]}],
                 "labels":{"labels":[{"key":"k1"}],"labels":[{"key":"k2","value":"v"}]}}""";

        TaskInfo task = MesosJson.parse(json, TaskInfo.getDefaultInstance());

        assertThat(task.getTaskId().getValue()).isEqualTo("b");
        assertThat(task.getResources(0)).isEqualTo(Resource.newBuilder().setName("mem").setType(Value.Type.SCALAR)
                .setScalar(Value.Scalar.newBuilder().setValue(2))
                .addReservations(Resource.ReservationInfo.newBuilder().setRole("y")).build());
        assertThat(task.getLabels()).isEqualTo(Labels.newBuilder()
                .addLabels(Label.newBuilder().setKey("k2").setValue("v")).build());
    }

    @Test
    void aKeyGivenAgainAtTheTopReplacesWhatTheBuilderHeldAndOtherFieldsMerge() {
        Resource.Builder builder = Resource.newBuilder().setName("cpus").setType(Value.Type.SCALAR)
                .addReservations(Resource.ReservationInfo.newBuilder().setRole("held"))
                .setScalar(Value.Scalar.newBuilder().setValue(1));

        MesosJson.merge("""
                {"reservations":[{"role":"a"}],"reservations":[{"role":"b"}],"scalar":{"value":3}}""", builder);

        assertThat(builder.getReservationsList()).extracting(Resource.ReservationInfo::getRole)
                .containsExactly("b");
        assertThat(builder.getScalar().getValue()).isEqualTo(3);
        assertThat(builder.getName()).isEqualTo("cpus");
    }

    @Test
    void aBadValueLeavesTheBuilderAsItWas() {
        Resource.Builder builder = Resource.newBuilder().setName("cpus");

        assertThatThrownBy(() -> MesosJson.merge("""
                {"name":"mem","role":"r","scalar":{"value":"lots"}}""", builder))
                .hasMessage("field 'scalar.value': expected a number, got \"lots\"");

        assertThat(builder.buildPartial()).isEqualTo(Resource.newBuilder().setName("cpus").buildPartial());
    }

    @Test
    void aLongDocumentMovesItsNestedLengthsIntoPlace() {
        StringBuilder json = new StringBuilder("{\"labels\":[");
        Labels.Builder expected = Labels.newBuilder();
        for (int i = 0; i < 3000; i++) { // a few hundred kilobytes: lengths of three varint bytes
            String value = "v".repeat(i % 200);
            json.append(i == 0 ? "" : ",").append("{\"key\":\"k").append(i).append("\",\"value\":\"").append(value)
                    .append("\"}");
            expected.addLabels(Label.newBuilder().setKey("k" + i).setValue(value));
        }
        json.append("]}");

        assertThat(MesosJson.parse(json.toString(), Labels.getDefaultInstance())).isEqualTo(expected.build());
    }

    @Test
    void everyScalarKindIsWrittenFromTheWireInNameOrderAndReadsBack() {
        DynamicMessage message = DynamicMessage.newBuilder(EVERY_KIND)
                .setField(field("i32"), -5).setField(field("u32"), -1).setField(field("s64"), -1L)
                .setField(field("u64"), -1L).setField(field("fl"), 0.1f).setField(field("d"), 1.7e9)
                .setField(field("by"), ByteString.copyFrom(new byte[] {0, 1, 2, -1}))
                .addRepeatedField(field("r32"), -1).addRepeatedField(field("r32"), 3)
                .addRepeatedField(field("packed"), 7L).addRepeatedField(field("packed"), -7L).build();

        String json = MesosJson.print(message);

        assertThat(json).isEqualTo("{\"by\":\"AAEC/w==\",\"d\":1700000000.0,\"fl\":0.1,\"i32\":-5,"
                + "\"packed\":[7,-7],\"r32\":[-1,3],\"s64\":-1,\"u32\":4294967295,\"u64\":18446744073709551615}");
        assertThat(MesosJson.merge(json, DynamicMessage.newBuilder(EVERY_KIND)).build()).isEqualTo(message);
    }

    @Test
    void whatThisBuildDoesNotKnowIsNotWritten() throws Exception {
        byte[] wire = TaskStatus.newBuilder().setTaskId(TaskID.newBuilder().setValue("t"))
                .setState(TaskState.TASK_RUNNING).setMessage("m").build().toByteArray();
        byte[] unknown = {(2 << 3) | 0, 0x7F, (4 << 3) | 0, 0x7F, (byte) ((9999 << 3 | 2) & 0x7F | 0x80),
            (byte) ((9999 << 3 | 2) >>> 7 & 0x7F | 0x80), (byte) ((9999 << 3 | 2) >>> 14), 1, 'x'};
        byte[] both = java.util.Arrays.copyOf(wire, wire.length + unknown.length);
        System.arraycopy(unknown, 0, both, wire.length, unknown.length);
        // state 127 (no such TaskState), message (a string) as a varint, and a field 9999: kept as unknown fields
        TaskStatus status = TaskStatus.parser().parsePartialFrom(both);

        assertThat(status.getUnknownFields().asMap()).containsKeys(2, 4, 9999);
        assertThat(MesosJson.print(status)).isEqualTo("{\"message\":\"m\",\"state\":\"TASK_RUNNING\","
                + "\"task_id\":{\"value\":\"t\"}}");
    }

    private static FieldDescriptor field(String name) {
        return EVERY_KIND.findFieldByName(name);
    }

    /** A proto2 message with a field of every scalar kind, built at run time. */
    private static Descriptor everyKind() {
        DescriptorProto.Builder type = DescriptorProto.newBuilder().setName("EveryKind");
        Object[][] fields = {
            {"i32", FieldDescriptorProto.Type.TYPE_INT32}, {"s32", FieldDescriptorProto.Type.TYPE_SINT32},
            {"sf32", FieldDescriptorProto.Type.TYPE_SFIXED32}, {"u32", FieldDescriptorProto.Type.TYPE_UINT32},
            {"f32", FieldDescriptorProto.Type.TYPE_FIXED32}, {"i64", FieldDescriptorProto.Type.TYPE_INT64},
            {"s64", FieldDescriptorProto.Type.TYPE_SINT64}, {"sf64", FieldDescriptorProto.Type.TYPE_SFIXED64},
            {"u64", FieldDescriptorProto.Type.TYPE_UINT64}, {"f64", FieldDescriptorProto.Type.TYPE_FIXED64},
            {"d", FieldDescriptorProto.Type.TYPE_DOUBLE}, {"fl", FieldDescriptorProto.Type.TYPE_FLOAT},
            {"b", FieldDescriptorProto.Type.TYPE_BOOL}, {"s", FieldDescriptorProto.Type.TYPE_STRING},
            {"by", FieldDescriptorProto.Type.TYPE_BYTES},
        };
        int number = 1;
        for (Object[] field : fields) {
            type.addField(FieldDescriptorProto.newBuilder().setName((String) field[0]).setNumber(number++)
                    .setType((FieldDescriptorProto.Type) field[1]).setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL));
        }
        type.addField(FieldDescriptorProto.newBuilder().setName("r32").setNumber(number++)
                .setType(FieldDescriptorProto.Type.TYPE_SINT32).setLabel(FieldDescriptorProto.Label.LABEL_REPEATED));
        type.addField(FieldDescriptorProto.newBuilder().setName("rs").setNumber(number++)
                .setType(FieldDescriptorProto.Type.TYPE_STRING).setLabel(FieldDescriptorProto.Label.LABEL_REPEATED));
        type.addField(FieldDescriptorProto.newBuilder().setName("packed").setNumber(number)
                .setType(FieldDescriptorProto.Type.TYPE_SINT64).setLabel(FieldDescriptorProto.Label.LABEL_REPEATED)
                .setOptions(com.google.protobuf.DescriptorProtos.FieldOptions.newBuilder().setPacked(true)));
        try {
            return FileDescriptor.buildFrom(FileDescriptorProto.newBuilder().setName("every_kind.proto")
                    .setSyntax("proto2").addMessageType(type).build(), new FileDescriptor[0])
                    .findMessageTypeByName("EveryKind");
        } catch (com.google.protobuf.Descriptors.DescriptorValidationException e) {
            throw new IllegalStateException(e);
        }
    }
}
