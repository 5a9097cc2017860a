package io.corral.protocol.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.corral.protocol.resources.ResourceSet;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.junit.jupiter.api.Test;

/** The agent protocol's calls as the master decodes them: Mesos messages inside are read token by token. */
class AgentProtocolTest {
    private static final FrameworkID FRAMEWORK = FrameworkID.newBuilder().setValue("M-0001").build();
    private static final AgentID AGENT = AgentID.newBuilder().setValue("M-S7").build();

    @Test
    void aRegistrationWithItsTasksComesBackAsSent() {
        byte[] sent = AgentProtocol.encode(registration(10));

        AgentCall decoded = AgentProtocol.decodeCall(sent);

        assertThat(decoded.register().tasks()).hasSize(10);
        assertThat(decoded.register().tasks().get(9).latestStatus().getTimestamp()).isEqualTo(1_700_000_009.25);
        // Explicit defaults (a command's shell, a framework's failover_timeout) are written and come back set, so
        // the JSON, not the messages, is what must match.
        assertThat(new String(AgentProtocol.encode(decoded), StandardCharsets.UTF_8))
                .isEqualTo(new String(sent, StandardCharsets.UTF_8));
    }

    @Test
    void aBadFieldInsideAMessageIsRefusedWithItsPath() {
        String json = new String(AgentProtocol.encode(registration(1)), StandardCharsets.UTF_8)
                .replace("\"port\":5051", "\"port\":\"five\"");

        assertThatThrownBy(() -> AgentProtocol.decodeCall(json.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("malformed AgentCall")
                .hasMessageContaining("field 'port': expected a number, got \"five\"");
    }

    @Test
    void anAgentInfoThatIsNotAnObjectIsRefused() {
        String json = "{\"type\":\"REGISTER\",\"register\":{\"protocol_version\":1,\"agent_info\":[1,2]}}";

        assertThatThrownBy(() -> AgentProtocol.decodeCall(json.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Expected a JSON object for mesos.v1.AgentInfo, got ARRAY");
    }

    @Test
    void aKeyGivenTwiceInsideAMessageCountsWithItsLastValue() {
        String json = "{\"type\":\"REGISTER\",\"register\":{\"protocol_version\":1,\"agent_info\":{"
                + "\"resources\":[{\"name\":\"cpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":64}}],"
                + "\"hostname\":\"h\",\"port\":1,"
                + "\"resources\":[{\"name\":\"mem\",\"type\":\"SCALAR\",\"scalar\":{\"value\":8}}]}}}";

        AgentInfo info = AgentProtocol.decodeCall(json.getBytes(StandardCharsets.UTF_8)).register().agentInfo();

        assertThat(ResourceSet.of(info.getResourcesList())).isEqualTo(ResourceSet.parse("mem:8"));
        assertThat(info.getPort()).isEqualTo(1);
    }

    private static AgentCall registration(int tasks) {
        AgentInfo info = AgentInfo.newBuilder().setHostname("host-7").setPort(5051).setId(AGENT)
                .addAllResources(ResourceSet.parse("cpus:32;mem:131072;ports:[31000-32000]").toList()).build();
        FrameworkInfo framework = FrameworkInfo.newBuilder().setUser("corral").setName("f").setId(FRAMEWORK).build();
        List<AgentCall.RunningTask> running = new java.util.ArrayList<>();
        for (int i = 0; i < tasks; i++) {
            TaskInfo task = TaskInfo.newBuilder().setName("t" + i).setTaskId(TaskID.newBuilder().setValue("t" + i))
                    .setAgentId(AGENT).setCommand(CommandInfo.newBuilder().setValue("sleep 3600"))
                    .addAllResources(ResourceSet.parse("cpus:0.1;mem:32").withAllocationRole("*").toList()).build();
            TaskStatus status = TaskStatus.newBuilder().setTaskId(task.getTaskId()).setAgentId(AGENT)
                    .setState(TaskState.TASK_RUNNING).setSource(TaskStatus.Source.SOURCE_EXECUTOR)
                    .setTimestamp(1_700_000_000.25 + i).setUuid(ByteString.copyFrom(new byte[] {1, 2, (byte) i}))
                    .build();
            running.add(new AgentCall.RunningTask(FRAMEWORK, task, status));
        }
        return AgentCall.register(new AgentCall.Register(AgentProtocol.VERSION, info, running, List.of(framework)));
    }
}
