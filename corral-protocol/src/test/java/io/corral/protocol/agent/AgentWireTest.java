package io.corral.protocol.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.corral.protocol.http.Encoding;
import io.corral.protocol.resources.ResourceSet;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.ExecutorID;
import org.apache.mesos.v1.Protos.ExecutorInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.junit.jupiter.api.Test;

/** The agent protocol in protobuf's wire format: every call and event back as sent, and hostile bytes refused. */
class AgentWireTest {
    private static final FrameworkID FRAMEWORK = FrameworkID.newBuilder().setValue("M-0001").build();
    private static final AgentID AGENT = AgentID.newBuilder().setValue("M-S7").build();
    private static final ExecutorID EXECUTOR = ExecutorID.newBuilder().setValue("e1").build();
    private static final TaskID TASK = TaskID.newBuilder().setValue("t1").build();

    @Test
    void everyCallComesBackAsSent() {
        List<AgentCall> calls = List.of(registration(10),
                AgentCall.update(AGENT, FRAMEWORK, status(3)),
                AgentCall.updates(AGENT, List.of(new AgentCall.Update(FRAMEWORK, status(1)),
                        new AgentCall.Update(FRAMEWORK, status(2)))),
                AgentCall.pong(AGENT), AgentCall.restarting(AGENT),
                AgentCall.executorExited(AGENT, FRAMEWORK, EXECUTOR, -9),
                AgentCall.message(AGENT, FRAMEWORK, EXECUTOR, "aGVsbG8="));
        assertThat(calls.stream().map(AgentCall::type).distinct()).hasSize(AgentCall.Type.values().length);

        for (AgentCall call : calls) {
            AgentCall decoded = AgentProtocol.decodeCall(AgentProtocol.encode(call, Encoding.PROTOBUF),
                    Encoding.PROTOBUF);
            assertThat(decoded).as(call.type().name()).isEqualTo(withEmptyLists(call));
        }
    }

    @Test
    void everyEventComesBackAsSent() {
        FrameworkInfo framework = FrameworkInfo.newBuilder().setUser("corral").setName("f").setId(FRAMEWORK).build();
        ExecutorInfo executor = ExecutorInfo.newBuilder().setExecutorId(EXECUTOR).setFrameworkId(FRAMEWORK)
                .setType(ExecutorInfo.Type.DEFAULT).build();
        List<AgentEvent> events = List.of(
                AgentEvent.registered(AGENT, MasterInfo.newBuilder().setId("m").setIp(1).setPort(5050).build(), 7.5),
                AgentEvent.launch(framework, task(1)), AgentEvent.kill(FRAMEWORK, TASK, 3_000_000_000L),
                AgentEvent.acknowledge(FRAMEWORK, TASK, "AQID"), AgentEvent.shutdownFramework(FRAMEWORK),
                AgentEvent.ping(), AgentEvent.error("agent is not registered"),
                AgentEvent.checkpointResources(ResourceSet.parse("disk(ops):100").toList()),
                AgentEvent.launchGroup(framework, executor, List.of(task(1), task(2))),
                AgentEvent.shutdownExecutor(FRAMEWORK, EXECUTOR),
                AgentEvent.message(FRAMEWORK, EXECUTOR, ""));
        assertThat(events.stream().map(AgentEvent::type).distinct()).hasSize(AgentEvent.Type.values().length);

        for (AgentEvent event : events) {
            AgentEvent decoded = AgentProtocol.decodeEvent(AgentProtocol.encode(event, Encoding.PROTOBUF),
                    Encoding.PROTOBUF);
            assertThat(decoded).as(event.type().name()).isEqualTo(event);
        }
    }

    @Test
    void aRegistrationIsSmallerThanItsJson() {
        AgentCall call = registration(10);

        byte[] wire = AgentProtocol.encode(call, Encoding.PROTOBUF);

        assertThat(wire.length * 3).isLessThan(AgentProtocol.encode(call).length * 2);
    }

    @Test
    void fieldsOfANewerWriterAreSkipped() throws IOException {
        byte[] sent = AgentProtocol.encode(registration(2), Encoding.PROTOBUF);
        ByteArrayOutputStream newer = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(newer);
        out.writeString(99, "a field this build does not know");
        out.writeUInt64(100, 7);
        out.flush();
        newer.write(sent);

        assertThat(AgentProtocol.decodeCall(newer.toByteArray(), Encoding.PROTOBUF))
                .isEqualTo(withEmptyLists(registration(2)));
    }

    @Test
    void hostileBytesAreRefusedWithTheReason() throws IOException {
        byte[] sent = AgentProtocol.encode(registration(3), Encoding.PROTOBUF);

        assertRefused(Arrays.copyOf(sent, sent.length - 5), "invalid AgentCall");
        assertRefused(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff}, "invalid AgentCall");
        assertRefused(bytes(out -> out.writeString(1, "REGISTER")), "field type (1) has wire type 2, not 0");
        assertRefused(bytes(out -> out.writeEnum(1, 1_000)), "field type has no value 1000");
        assertRefused(bytes(out -> out.writeEnum(1, -1)), "field type has no value -1");
        // unknown fields nested as groups deeper than protobuf's recursion limit (CVE-2024-7254's shape)
        assertRefused(bytes(out -> {
            for (int depth = 0; depth < 100_000; depth++) {
                out.writeTag(100, WireFormat.WIRETYPE_START_GROUP);
            }
        }), "invalid AgentCall");
        // a Mesos message inside is checked by its own parser: an AgentInfo without its required hostname
        assertRefused(bytes(out -> {
            out.writeEnum(1, AgentCall.Type.REGISTER.ordinal());
            out.writeByteArray(3, bytes(register -> register.writeByteArray(2, new byte[] {0x18, 0x01})));
        }), "Message missing required fields: hostname");
    }

    @Test
    void aListHoldingNullIsRefusedWhenWritten() {
        List<AgentCall.Update> updates = new ArrayList<>();
        updates.add(null);
        AgentCall call = new AgentCall(AgentCall.Type.UPDATES, AGENT, null, null, null, null, updates);

        assertThatThrownBy(() -> AgentProtocol.encode(call, Encoding.PROTOBUF))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("updates holds null");
    }

    private static void assertRefused(byte[] bytes, String reason) {
        assertThatThrownBy(() -> AgentProtocol.decodeCall(bytes, Encoding.PROTOBUF))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(reason);
    }

    private interface Writes {
        void to(CodedOutputStream out) throws IOException;
    }

    private static byte[] bytes(Writes writes) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        writes.to(out);
        out.flush();
        return bytes.toByteArray();
    }

    /** The call as the wire format gives it back: a list that was absent comes back empty. */
    private static AgentCall withEmptyLists(AgentCall call) {
        AgentCall.Register register = call.register() == null ? null : new AgentCall.Register(
                call.register().protocolVersion(), call.register().agentInfo(), orEmpty(call.register().tasks()),
                orEmpty(call.register().frameworks()), orEmpty(call.register().executors()));
        return new AgentCall(call.type(), call.agentId(), register, call.update(), call.executorExited(),
                call.message(), orEmpty(call.updates()));
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }

    private static AgentCall registration(int tasks) {
        AgentInfo info = AgentInfo.newBuilder().setHostname("host-7").setPort(5051).setId(AGENT)
                .addAllResources(ResourceSet.parse("cpus:32;mem:131072;ports:[31000-32000]").toList()).build();
        FrameworkInfo framework = FrameworkInfo.newBuilder().setUser("corral").setName("f").setId(FRAMEWORK).build();
        List<AgentCall.RunningTask> running = new ArrayList<>();
        for (int i = 0; i < tasks; i++) {
            running.add(new AgentCall.RunningTask(FRAMEWORK, task(i), status(i)));
        }
        ExecutorInfo executor = ExecutorInfo.newBuilder().setExecutorId(EXECUTOR).setFrameworkId(FRAMEWORK)
                .setCommand(CommandInfo.newBuilder().setValue("run-executor"))
                .addAllResources(ResourceSet.parse("cpus:0.1;mem:32").toList()).build();
        return AgentCall.register(new AgentCall.Register(AgentProtocol.VERSION, info, running, List.of(framework),
                List.of(new AgentCall.RunningExecutor(FRAMEWORK, executor))));
    }

    private static TaskInfo task(int i) {
        return TaskInfo.newBuilder().setName("t" + i).setTaskId(TaskID.newBuilder().setValue("t" + i))
                .setAgentId(AGENT).setCommand(CommandInfo.newBuilder().setValue("sleep 3600"))
                .addAllResources(ResourceSet.parse("cpus:0.1;mem:32").withAllocationRole("*").toList()).build();
    }

    private static TaskStatus status(int i) {
        return TaskStatus.newBuilder().setTaskId(TaskID.newBuilder().setValue("t" + i)).setAgentId(AGENT)
                .setState(TaskState.TASK_RUNNING).setSource(TaskStatus.Source.SOURCE_EXECUTOR)
                .setTimestamp(1_700_000_000.25 + i).setUuid(ByteString.copyFrom(new byte[] {1, 2, (byte) i}))
                .build();
    }
}
