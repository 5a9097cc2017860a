package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.master.MasterFixture.RecordingLink;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.resources.ResourceSet;
import io.corral.protocol.security.Acls;
import java.util.List;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * ACL run_tasks at launch, as Mesos's master authorizes each task: a principal runs tasks only as the users the ACLs
 * give it; a task as another user ends TASK_ERROR REASON_TASK_UNAUTHORIZED and never reaches the agent.
 */
class RunTasksAclTest {
    private final MasterFixture fixture = new MasterFixture(acls("{\"run_tasks\": ["
            + "{\"principals\": {\"values\": [\"web\"]}, \"users\": {\"values\": [\"www\"]}},"
            + "{\"principals\": {\"type\": \"ANY\"}, \"users\": {\"type\": \"NONE\"}}]}"));

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void aTaskRunsOnlyAsAUserItsPrincipalMayUse() {
        RecordingLink agentLink = new RecordingLink();
        AgentID agentId = fixture.registerAgent(MasterFixture.agentInfo("cpus:4;mem:4096"), List.of(), List.of(),
                agentLink);
        RecordingLink frameworkLink = new RecordingLink();
        FrameworkID frameworkId = fixture.subscribe(MasterFixture.frameworkInfo(60).toBuilder().setUser("www")
                .setPrincipal("web").build(), frameworkLink);
        fixture.run(() -> fixture.master.offers.allocate());
        Offer offer = frameworkLink.schedulerEvents(Event.Type.OFFERS).get(0).getOffers().getOffers(0);

        TaskInfo asRoot = task("as-root", agentId, CommandInfo.newBuilder().setValue("id").setUser("root"));
        TaskInfo asFrameworkUser = task("as-www", agentId, CommandInfo.newBuilder().setValue("id"));
        fixture.run(() -> fixture.master.offers().accept(fixture.master.frameworks().get(frameworkId),
                Call.Accept.newBuilder().addOfferIds(offer.getId())
                        .addOperations(launch(asRoot)).addOperations(launch(asFrameworkUser)).build()));

        TaskStatus refused = frameworkLink.schedulerEvents(Event.Type.UPDATE).stream()
                .map(e -> e.getUpdate().getStatus()).filter(s -> s.getTaskId().getValue().equals("as-root"))
                .findFirst().orElseThrow();
        assertThat(refused.getState()).isEqualTo(TaskState.TASK_ERROR);
        assertThat(refused.getReason()).isEqualTo(TaskStatus.Reason.REASON_TASK_UNAUTHORIZED);
        assertThat(refused.getMessage()).contains("'root'").contains("run_tasks");
        assertThat(agentLink.agentEvents(AgentEvent.Type.LAUNCH)).extracting(e -> e.launch().task().getTaskId()
                .getValue()).containsExactly("as-www");
    }

    private static TaskInfo task(String id, AgentID agentId, CommandInfo.Builder command) {
        return TaskInfo.newBuilder().setName(id).setTaskId(TaskID.newBuilder().setValue(id)).setAgentId(agentId)
                .setCommand(command)
                .addAllResources(ResourceSet.parse("cpus:1;mem:128").withAllocationRole("*").toList()).build();
    }

    private static org.apache.mesos.v1.Protos.Offer.Operation launch(TaskInfo task) {
        return org.apache.mesos.v1.Protos.Offer.Operation.newBuilder()
                .setType(org.apache.mesos.v1.Protos.Offer.Operation.Type.LAUNCH)
                .setLaunch(org.apache.mesos.v1.Protos.Offer.Operation.Launch.newBuilder().addTaskInfos(task)).build();
    }

    private static Acls acls(String json) {
        try {
            return Acls.parse(new ObjectMapper().readTree(json), "test");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
