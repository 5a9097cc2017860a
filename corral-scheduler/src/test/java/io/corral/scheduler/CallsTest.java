package io.corral.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.corral.protocol.json.MesosJson;
import java.util.List;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.junit.jupiter.api.Test;

class CallsTest {
    private static final FrameworkInfo INFO = FrameworkInfo.newBuilder().setUser("u").setName("n").build();

    @Test
    void aFirstSubscribeCarriesNoFrameworkId() {
        Call call = Calls.subscribe(INFO.toBuilder().setId(FrameworkID.newBuilder().setValue("stale")).build(), null);
        assertThat(call.hasFrameworkId()).isFalse();
        assertThat(call.getSubscribe().getFrameworkInfo().hasId()).isFalse();
    }

    @Test
    void aResubscribeCarriesTheSameIdAtTopLevelAndInFrameworkInfo() {
        FrameworkID id = FrameworkID.newBuilder().setValue("M-0001").build();
        Call call = Calls.subscribe(INFO, id);
        assertThat(call.getFrameworkId()).isEqualTo(id);
        assertThat(call.getSubscribe().getFrameworkInfo().getId()).isEqualTo(id);
        assertThat(MesosJson.print(call)).contains("\"framework_id\":{\"value\":\"M-0001\"}");
    }

    @Test
    void acknowledgeCopiesAgentTaskAndUuid() {
        TaskStatus status = status().setUuid(ByteString.copyFromUtf8("0123456789abcdef")).build();
        Call.Acknowledge ack = Calls.acknowledge(status).getAcknowledge();
        assertThat(ack.getAgentId().getValue()).isEqualTo("a1");
        assertThat(ack.getTaskId().getValue()).isEqualTo("t1");
        assertThat(ack.getUuid()).isEqualTo(status.getUuid());
    }

    @Test
    void updatesWithoutUuidCannotBeAcknowledged() {
        assertThatThrownBy(() -> Calls.acknowledge(status().build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has no uuid");
    }

    @Test
    void reconcileListsTasksWithTheirAgents() {
        Call.Reconcile reconcile = Calls.reconcile(List.of(status().build())).getReconcile();
        assertThat(reconcile.getTasksList()).singleElement().satisfies(t -> {
            assertThat(t.getTaskId().getValue()).isEqualTo("t1");
            assertThat(t.getAgentId().getValue()).isEqualTo("a1");
        });
        assertThat(Calls.reconcile(List.of()).getReconcile().getTasksCount()).isZero();
    }

    @Test
    void suppressAndReviveUseTheRolesFieldsNotTheDocsRole() {
        assertThat(MesosJson.print(Calls.suppress())).isEqualTo("{\"suppress\":{},\"type\":\"SUPPRESS\"}");
        assertThat(MesosJson.print(Calls.revive())).isEqualTo("{\"revive\":{},\"type\":\"REVIVE\"}");
    }

    private static TaskStatus.Builder status() {
        return TaskStatus.newBuilder()
                .setTaskId(TaskID.newBuilder().setValue("t1"))
                .setAgentId(AgentID.newBuilder().setValue("a1"))
                .setState(TaskState.TASK_RUNNING);
    }
}
