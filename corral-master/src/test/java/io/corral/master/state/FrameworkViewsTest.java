package io.corral.master.state;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.corral.protocol.resources.ResourceSet;
import java.util.List;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.ExecutorID;
import org.apache.mesos.v1.Protos.ExecutorInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.junit.jupiter.api.Test;

/**
 * A framework's published views list its live tasks as they are, reusing the last list while nothing changed, and
 * show what its live tasks and executors use as they come and go.
 */
class FrameworkViewsTest {
    private static final FrameworkID ID = FrameworkID.newBuilder().setValue("f-1").build();
    private final Framework framework = new Framework(FrameworkInfo.newBuilder().setId(ID).setUser("u").setName("f")
            .build(), 1_700_000_000_000L);

    private Task add(String id, String agent, String resources) {
        TaskInfo info = TaskInfo.newBuilder().setName(id).setTaskId(TaskID.newBuilder().setValue(id))
                .setAgentId(AgentID.newBuilder().setValue(agent))
                .addAllResources(ResourceSet.parse(resources).toList())
                .build();
        Task task = new Task(info, ID, TaskState.TASK_STAGING);
        framework.addTask(task);
        return task;
    }

    private Task add(String id) {
        return add(id, "a-1", "cpus:1");
    }

    private void update(Task task, TaskState state) {
        task.apply(TaskStatus.newBuilder().setTaskId(task.info().getTaskId()).setState(state)
                .setUuid(ByteString.copyFromUtf8(state.name())).build());
    }

    private FrameworkView published() {
        return framework.view();
    }

    @Test
    void nothingChangedGivesTheSameListAndAnyChangeANewOneAsItIsNow() {
        Task first = add("t-1");
        add("t-2");
        List<TaskView> before = published().tasks();

        assertThat(published().tasks()).isSameAs(before);

        update(first, TaskState.TASK_RUNNING);
        List<TaskView> afterUpdate = published().tasks();
        assertThat(afterUpdate).isNotSameAs(before);
        assertThat(afterUpdate).extracting(TaskView::state)
                .containsExactly(TaskState.TASK_RUNNING, TaskState.TASK_STAGING);

        framework.completeTask(first);
        add("t-3"); // as many tasks as before, not the same ones
        assertThat(published().tasks()).extracting(view -> view.id().getValue()).containsExactly("t-2", "t-3");
    }

    @Test
    void theUsedResourcesAreTheLiveTasksAndExecutorsAsTheyComeAndGo() {
        Task web1 = add("web-1", "a-1", "cpus:1;mem:128;ports:[31000-31000]");
        Task web2 = add("web-2", "a-2", "cpus:1;mem:128;ports:[31000-31000]"); // the same port, on another agent
        Task batch = add("batch", "a-1", "cpus:0.5");
        Executor executor = new Executor(ID, AgentID.newBuilder().setValue("a-1").build(),
                ExecutorInfo.newBuilder().setExecutorId(ExecutorID.newBuilder().setValue("e-1")).build(),
                ResourceSet.parse("cpus:0.1;mem:32"), "*");
        framework.addExecutor(executor);
        assertThat(published().allocated()).isEqualTo(ResourceSet.parse("cpus:2.6;mem:288;ports:[31000-31000]"));

        update(web1, TaskState.TASK_RUNNING);
        update(web1, TaskState.TASK_FAILED);
        framework.taskEnded(web1); // as the master's table says when a task ends
        assertThat(published().allocated()).as("web-2 still holds port 31000")
                .isEqualTo(ResourceSet.parse("cpus:1.6;mem:160;ports:[31000-31000]"));

        framework.completeTask(web2);
        framework.removeExecutor(executor);
        framework.completeTask(web1);
        assertThat(published().allocated()).isEqualTo(ResourceSet.parse("cpus:0.5"));
        assertThat(published().allocated()).as("a new view of the same framework, the same sum")
                .isSameAs(published().allocated());

        framework.completeTask(batch);
        assertThat(published().allocated()).isEqualTo(ResourceSet.empty());
    }

    @Test
    void itsOffersAndCompletedTasksAreListedAsTheyAreAndTheListsGivenAgainWhileTheSame() {
        ResourceSet resources = ResourceSet.parse("cpus:1");
        Offer offer = new Offer(org.apache.mesos.v1.Protos.Offer.newBuilder()
                .setId(org.apache.mesos.v1.Protos.OfferID.newBuilder().setValue("o-1"))
                .setAgentId(AgentID.newBuilder().setValue("a-1")).setFrameworkId(ID).setHostname("h")
                .addAllResources(resources.toList()).build(), resources, "*");
        framework.addOffer(offer);
        Task done = add("t-1");
        framework.completeTask(done);
        FrameworkView before = published();

        assertThat(before.offers()).containsExactly(offer.proto());
        assertThat(before.completedTasks()).extracting(view -> view.id().getValue()).containsExactly("t-1");
        assertThat(published().offers()).isSameAs(before.offers());
        assertThat(published().completedTasks()).isSameAs(before.completedTasks());

        framework.removeOffer(offer);
        assertThat(published().offers()).isEmpty();
        framework.completeTask(add("t-2"));
        assertThat(published().completedTasks()).extracting(view -> view.id().getValue()).containsExactly("t-1", "t-2");
    }
}
