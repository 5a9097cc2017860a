package io.corral.master.state;

import static io.corral.protocol.task.SideEffect.COUNT_TERMINAL;
import static io.corral.protocol.task.SideEffect.FORWARD_TO_FRAMEWORK;
import static io.corral.protocol.task.SideEffect.RELEASE_RESOURCES;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.corral.protocol.task.Transition;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.ExecutorID;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.Protos.Value;
import org.junit.jupiter.api.Test;

/** The master's task record follows the shared state table. */
class TaskTest {
    private static final TaskInfo INFO = TaskInfo.newBuilder()
            .setName("t")
            .setTaskId(TaskID.newBuilder().setValue("t-1"))
            .setAgentId(AgentID.newBuilder().setValue("a-1"))
            .addResources(Resource.newBuilder().setName("cpus").setType(Value.Type.SCALAR)
                    .setScalar(Value.Scalar.newBuilder().setValue(1)))
            .build();
    private static final FrameworkID FRAMEWORK = FrameworkID.newBuilder().setValue("f-1").build();

    private static TaskStatus status(TaskState state, int uuid) {
        return TaskStatus.newBuilder().setTaskId(INFO.getTaskId()).setState(state)
                .setUuid(ByteString.copyFrom(new byte[] {(byte) uuid})).build();
    }

    private static Task launched() {
        Task task = new Task(INFO, FRAMEWORK, TaskState.TASK_STAGING);
        assertThat(task.apply(status(TaskState.TASK_STAGING, 0)).isRepeat()).isTrue(); // created in that state
        assertThat(task.statuses()).as("the first status is always kept").hasSize(1);
        return task;
    }

    @Test
    void acceptedChangesAreRecordedWithTheirEffects() {
        Task task = launched();

        Transition running = task.apply(status(TaskState.TASK_RUNNING, 1));
        Transition finished = task.apply(status(TaskState.TASK_FINISHED, 2));

        assertThat(running.effects()).containsExactly(FORWARD_TO_FRAMEWORK);
        assertThat(finished.effects()).containsExactly(RELEASE_RESOURCES, COUNT_TERMINAL, FORWARD_TO_FRAMEWORK);
        assertThat(task.state()).isEqualTo(TaskState.TASK_FINISHED);
        assertThat(task.isTerminal()).isTrue();
        assertThat(task.statuses()).extracting(TaskStatus::getState).containsExactly(TaskState.TASK_STAGING,
                TaskState.TASK_RUNNING, TaskState.TASK_FINISHED);
    }

    @Test
    void keptStatusesEqualTheUpdatesAndShareTheTasksIdsInsteadOfCopies() throws Exception {
        Task task = launched();
        ExecutorID executor = ExecutorID.newBuilder().setValue("t-1").build();
        // As off the wire: every update parsed from bytes, with ids of its own.
        TaskStatus starting = TaskStatus.parseFrom(status(TaskState.TASK_STARTING, 1).toBuilder()
                .setAgentId(INFO.getAgentId()).setExecutorId(executor).setMessage("starting").build().toByteArray());
        TaskStatus running = TaskStatus.parseFrom(status(TaskState.TASK_RUNNING, 2).toBuilder()
                .setAgentId(INFO.getAgentId()).setExecutorId(executor).build().toByteArray());

        task.apply(starting);
        task.apply(running);

        assertThat(task.statuses().subList(1, 3)).containsExactly(starting, running);
        for (TaskStatus kept : task.statuses().subList(1, 3)) {
            assertThat(kept.getTaskId()).isSameAs(INFO.getTaskId());
            assertThat(kept.getAgentId()).isSameAs(INFO.getAgentId());
        }
        assertThat(task.statuses().get(2).getExecutorId()).isSameAs(task.statuses().get(1).getExecutorId());
        assertThat(task.latestStatus().getMessage()).isEmpty();
    }

    @Test
    void aStatusNamingOtherIdsIsKeptAsItCame() {
        Task task = launched();
        TaskStatus odd = status(TaskState.TASK_RUNNING, 1).toBuilder()
                .setAgentId(AgentID.newBuilder().setValue("another-agent")).build();

        task.apply(odd);

        assertThat(task.latestStatus()).isSameAs(odd);
    }

    @Test
    void aRepeatKeepsTheFirstStatusAndHasNoEffects() {
        Task task = launched();
        task.apply(status(TaskState.TASK_RUNNING, 1));

        Transition resent = task.apply(status(TaskState.TASK_RUNNING, 1));

        assertThat(resent.isAccepted()).isTrue();
        assertThat(resent.effects()).isEmpty();
        assertThat(task.statuses()).hasSize(2);
        assertThat(task.latestStatus().getUuid()).isEqualTo(ByteString.copyFrom(new byte[] {1}));
    }

    @Test
    void aHealthVerdictInTheSameStateReplacesTheLastStatusSoReconciliationCarriesIt() {
        Task task = launched();
        task.apply(status(TaskState.TASK_RUNNING, 1));

        Transition healthy = task.apply(status(TaskState.TASK_RUNNING, 2).toBuilder().setHealthy(true).build());

        assertThat(healthy.effects()).isEmpty();
        assertThat(task.statuses()).extracting(TaskStatus::getState).containsExactly(TaskState.TASK_STAGING,
                TaskState.TASK_RUNNING);
        assertThat(task.latestStatus().getHealthy()).isTrue();
        assertThat(task.view().statuses()).as("readers see it too").last()
                .satisfies(latest -> assertThat(latest.getHealthy()).isTrue());
    }

    @Test
    void aStaleUpdateAfterTheTaskEndedIsRejectedAndChangesNothing() {
        Task task = launched();
        task.apply(status(TaskState.TASK_STARTING, 1));
        task.apply(status(TaskState.TASK_FINISHED, 3)); // the agent's latest, on re-registration

        Transition stale = task.apply(status(TaskState.TASK_RUNNING, 2)); // an older resend arriving late

        assertThat(stale.isAccepted()).isFalse();
        assertThat(((Transition.Rejected) stale).reason()).contains("terminal");
        assertThat(task.state()).isEqualTo(TaskState.TASK_FINISHED);
        assertThat(task.latestStatus().getUuid()).isEqualTo(ByteString.copyFrom(new byte[] {3}));
        assertThat(task.statuses()).hasSize(3);
    }

    @Test
    void anUnreachableTaskKeepsItsResourcesAndComesBack() {
        Task task = launched();
        task.apply(status(TaskState.TASK_RUNNING, 1));

        Transition unreachable = task.apply(status(TaskState.TASK_UNREACHABLE, 0));
        Transition back = task.apply(status(TaskState.TASK_RUNNING, 1));

        assertThat(unreachable.effects()).containsExactly(FORWARD_TO_FRAMEWORK);
        assertThat(back.effects()).containsExactly(FORWARD_TO_FRAMEWORK);
        assertThat(task.state()).isEqualTo(TaskState.TASK_RUNNING);
    }
}
