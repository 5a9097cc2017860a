package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.master.state.Task;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.Value;
import org.junit.jupiter.api.Test;

/** The tasks of one ACCEPT keep one copy of the resources and command they have in common. */
class SharedTaskPartsTest {
    private final SharedTaskParts parts = new SharedTaskParts();

    /** A task as parsed off the wire: its parts are objects of its own. */
    private static TaskInfo task(String id, double cpus, String command) throws Exception {
        Resource.AllocationInfo role = Resource.AllocationInfo.newBuilder().setRole("web").build();
        return TaskInfo.parseFrom(TaskInfo.newBuilder().setName(id)
                .setTaskId(TaskID.newBuilder().setValue(id))
                .setAgentId(AgentID.newBuilder().setValue("a-1"))
                .addResources(Resource.newBuilder().setName("cpus").setType(Value.Type.SCALAR)
                        .setScalar(Value.Scalar.newBuilder().setValue(cpus)).setAllocationInfo(role))
                .addResources(Resource.newBuilder().setName("mem").setType(Value.Type.SCALAR)
                        .setScalar(Value.Scalar.newBuilder().setValue(32)).setAllocationInfo(role))
                .setCommand(CommandInfo.newBuilder().setValue(command))
                .build().toByteArray());
    }

    @Test
    void aLaterTaskKeepsTheFirstTasksEqualPartsAndStaysEqualToWhatCame() throws Exception {
        TaskInfo first = parts.share(task("t-1", 0.1, "true"));
        TaskInfo second = task("t-2", 0.1, "true");

        TaskInfo kept = parts.share(second);

        assertThat(kept).isEqualTo(second);
        assertThat(kept.getResources(0)).isSameAs(first.getResources(0));
        assertThat(kept.getResources(1)).isSameAs(first.getResources(1));
        assertThat(kept.getCommand()).isSameAs(first.getCommand());
        assertThat(kept.getTaskId()).isSameAs(second.getTaskId());
    }

    @Test
    void tasksWithTheSameResourcesShareTheSetTheyBook() throws Exception {
        TaskInfo first = parts.share(task("t-1", 0.1, "true"));
        TaskInfo second = parts.share(task("t-2", 0.1, "true"));
        TaskInfo other = parts.share(task("t-3", 0.2, "true"));

        assertThat(parts.bookedResources(second)).isSameAs(parts.bookedResources(first))
                .isEqualTo(Task.bookedResources(second));
        assertThat(parts.bookedResources(other)).isEqualTo(Task.bookedResources(other))
                .isNotEqualTo(parts.bookedResources(first));
        assertThat(Task.bookedResources(first).toList()).as("booked without allocation info")
                .noneMatch(Resource::hasAllocationInfo);
    }

    @Test
    void partsThatDifferAreTheTasksOwn() throws Exception {
        TaskInfo first = parts.share(task("t-1", 0.1, "true"));
        TaskInfo second = task("t-2", 0.2, "sleep 1");

        TaskInfo kept = parts.share(second);

        assertThat(kept).isEqualTo(second);
        assertThat(kept.getResources(0)).isSameAs(second.getResources(0)).isNotSameAs(first.getResources(0));
        assertThat(kept.getResources(1)).as("mem is alike").isSameAs(first.getResources(1));
        assertThat(kept.getCommand()).isSameAs(second.getCommand());
    }

    @Test
    void pastTheLimitOfDistinctPartsANewOneStaysEachTasksOwn() throws Exception {
        for (int i = 0; i < SharedTaskParts.MAX_KEPT; i++) {
            parts.share(task("t-" + i, 1 + i, "true"));
        }
        TaskInfo known = task("known", 1, "true");
        TaskInfo newFirst = parts.share(task("new-1", 0.5, "true"));
        TaskInfo newSecond = task("new-2", 0.5, "true");

        assertThat(parts.share(known).getResources(0)).as("kept before the limit: shared").isNotSameAs(
                known.getResources(0));
        assertThat(parts.share(newSecond).getResources(0)).as("first seen past it: the task's own")
                .isSameAs(newSecond.getResources(0)).isNotSameAs(newFirst.getResources(0));
    }

    @Test
    void theFirstTaskIsKeptAsItCame() throws Exception {
        TaskInfo first = task("t-1", 0.1, "true");

        assertThat(parts.share(first)).isSameAs(first);
    }
}
