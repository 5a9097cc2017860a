package io.corral.master.state;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.util.List;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.Protos.Value;
import org.junit.jupiter.api.Test;

/** A framework's published views list its live tasks as they are, reusing the last list while nothing changed. */
class FrameworkViewsTest {
    private static final FrameworkID ID = FrameworkID.newBuilder().setValue("f-1").build();
    private final Framework framework = new Framework(FrameworkInfo.newBuilder().setId(ID).setUser("u").setName("f")
            .build(), 1_700_000_000_000L);

    private Task add(String id) {
        TaskInfo info = TaskInfo.newBuilder().setName(id).setTaskId(TaskID.newBuilder().setValue(id))
                .setAgentId(AgentID.newBuilder().setValue("a-1"))
                .addResources(Resource.newBuilder().setName("cpus").setType(Value.Type.SCALAR)
                        .setScalar(Value.Scalar.newBuilder().setValue(1)))
                .build();
        Task task = new Task(info, ID, TaskState.TASK_STAGING);
        framework.tasks().put(info.getTaskId(), task);
        return task;
    }

    private List<TaskView> published() {
        return framework.view(List.of()).tasks();
    }

    @Test
    void nothingChangedGivesTheSameListAndAnyChangeANewOneAsItIsNow() {
        Task first = add("t-1");
        add("t-2");
        List<TaskView> before = published();

        assertThat(published()).isSameAs(before);

        first.apply(TaskStatus.newBuilder().setTaskId(first.info().getTaskId()).setState(TaskState.TASK_RUNNING)
                .setUuid(ByteString.copyFromUtf8("u1")).build());
        List<TaskView> afterUpdate = published();
        assertThat(afterUpdate).isNotSameAs(before);
        assertThat(afterUpdate).extracting(TaskView::state)
                .containsExactly(TaskState.TASK_RUNNING, TaskState.TASK_STAGING);

        framework.tasks().remove(first.info().getTaskId());
        add("t-3"); // as many tasks as before, not the same ones
        assertThat(published()).extracting(view -> view.id().getValue()).containsExactly("t-2", "t-3");
    }
}
