package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.apache.mesos.v1.master.Protos.Event.Type.FRAMEWORK_ADDED;
import static org.apache.mesos.v1.master.Protos.Event.Type.HEARTBEAT;
import static org.apache.mesos.v1.master.Protos.Event.Type.SUBSCRIBED;
import static org.apache.mesos.v1.master.Protos.Event.Type.TASK_ADDED;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.master.MasterFixture.RecordingLink;
import io.corral.master.state.FrameworkView;
import io.corral.master.state.TaskView;
import io.corral.protocol.resources.ResourceSet;
import io.corral.protocol.security.Acls;
import java.util.List;
import java.util.Optional;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.ExecutorID;
import org.apache.mesos.v1.Protos.ExecutorInfo;
import org.apache.mesos.v1.Protos.Filters;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.master.Protos.Event;
import org.apache.mesos.v1.master.Protos.Response;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Mesos's view ACLs on the master's reads ({@link ViewApprover}, {@link VisibleView}, the operator event stream):
 * principal {@code viewer} may see what runs as user {@code bob} and role {@code web}; {@code ops} sees everything.
 * Framework {@code alice} (user alice, role db) runs a1; framework {@code bob} (user bob, role web) runs b1 as bob,
 * b2 as alice (its command's user), b3 under executor e1 whose command runs as alice, b4 under executor e2 (bob's).
 */
class ViewAclsTest {
    private static final String ACLS = "{\"permissive\": false,"
            + " \"view_frameworks\": [" + rule("viewer", "users", "bob") + "," + anything("ops", "users") + "],"
            + " \"view_tasks\": [" + rule("viewer", "users", "bob") + "," + anything("ops", "users") + "],"
            + " \"view_executors\": [" + rule("viewer", "users", "bob") + "," + anything("ops", "users") + "],"
            + " \"view_roles\": [" + rule("viewer", "roles", "web") + "," + anything("ops", "roles") + "],"
            + " \"get_quotas\": [" + anything("ops", "roles") + "],"
            + " \"view_flags\": [" + anything("ops", "flags") + "],"
            + " \"run_tasks\": [{\"principals\": {\"type\": \"ANY\"}, \"users\": {\"type\": \"ANY\"}}]}";

    private final Acls acls = acls(ACLS);
    private final MasterFixture fixture = new MasterFixture(acls);
    private final Master master = fixture.master;
    private final AgentID reservedAgent = fixture.registerAgent(
            MasterFixture.agentInfo("cpus:4;mem:4096;disk:1000;cpus(db):1;cpus(web):1"), List.of(), List.of(),
            new RecordingLink());
    private final AgentID otherAgent = fixture.registerAgent(MasterFixture.agentInfo("cpus:4;mem:4096;disk:1000")
            .toBuilder().setHostname("a2").build(), List.of(), List.of(), new RecordingLink());
    private final ViewApprover viewer = ViewApprover.of(acls, Optional.of("viewer"));

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void aReaderSeesOnlyTheFrameworksTasksAndExecutorsOfItsUsers() {
        runBothFrameworks();
        MasterView whole = fixture.onLoop(() -> master.view()).join();
        MasterView visible = VisibleView.of(whole, viewer);

        assertThat(visible.frameworks()).extracting(f -> f.info().getName()).containsExactly("bob");
        FrameworkView bob = visible.frameworks().get(0);
        assertThat(bob.tasks()).extracting(t -> t.id().getValue()).containsExactlyInAnyOrder("b1", "b4");
        assertThat(bob.executors()).extracting(e -> e.id().getValue()).containsExactly("e2");
        Response.GetState state = OperatorResponses.state(visible).getGetState();
        assertThat(state.getGetTasks().getTasksList()).extracting(t -> t.getTaskId().getValue())
                .containsExactlyInAnyOrder("b1", "b4");
        assertThat(state.getGetAgents().getAgentsList()).as("agents are shown to every reader").hasSize(2);
        assertThat(state.getGetAgents().getAgentsList().stream()
                .filter(agent -> agent.getAgentInfo().getId().equals(reservedAgent)).findFirst().orElseThrow()
                .getTotalResourcesList()).as("but not db's reservation")
                .noneMatch(r -> r.getReservationsList().stream().anyMatch(res -> res.getRole().equals("db")))
                .anyMatch(r -> r.getReservationsList().stream().anyMatch(res -> res.getRole().equals("web")));

        ViewApprover ops = ViewApprover.of(acls, Optional.of("ops"));
        assertThat(ops).as("ANY for every action: nothing to check").isSameAs(ViewApprover.all());
        assertThat(VisibleView.of(whole, ops)).as("no copy for a reader who sees all").isSameAs(whole);
        assertThat(ViewApprover.of(Acls.permitAll(), Optional.of("anyone"))).isSameAs(ViewApprover.all());
        assertThat(whole.frameworks().stream().mapToInt(f -> f.tasks().size()).sum()).isEqualTo(5);
    }

    @Test
    void rolesWeightsAndQuotaAreFilteredByRole() {
        runBothFrameworks();
        MasterView whole = fixture.onLoop(() -> master.view()).join();
        assertThat(OperatorResponses.roles(whole, viewer).getGetRoles().getRolesList())
                .extracting(r -> r.getName()).containsExactly("web");
        assertThat(OperatorResponses.roles(whole, ViewApprover.all()).getGetRoles().getRolesList())
                .extracting(r -> r.getName()).containsExactly("db", "web");
        assertThat(viewer.quota("web")).as("get_quotas names only ops").isFalse();
        assertThat(viewer.flags()).isFalse();
    }

    @Test
    void aResourceIsShownOnlyWhenEveryRoleItNamesIs() {
        Resource unreserved = ResourceSet.parse("cpus:1").toList().get(0);
        Resource web = ResourceSet.parse("cpus(web):1").toList().get(0);
        Resource db = ResourceSet.parse("cpus(db):1").toList().get(0);
        assertThat(viewer.resource(unreserved)).isTrue();
        assertThat(viewer.resource(web)).isTrue();
        assertThat(viewer.resource(db)).isFalse();
        assertThat(viewer.resource(ResourceSet.of(List.of(unreserved)).withAllocationRole("db").toList().get(0)))
                .as("allocated to a role it may not see").isFalse();
    }

    @Test
    void theEventStreamSendsASubscriberOnlyWhatItMaySee() {
        RecordingLink viewerStream = new RecordingLink();
        RecordingLink opsStream = new RecordingLink();
        fixture.run(() -> master.subscribeOperator(viewerStream, viewer));
        fixture.run(() -> master.subscribeOperator(opsStream, ViewApprover.of(acls, Optional.of("ops"))));
        runBothFrameworks();
        RecordingLink lateViewer = new RecordingLink();
        fixture.run(() -> master.subscribeOperator(lateViewer, viewer));

        List<Event> seen = events(viewerStream);
        assertThat(seen).filteredOn(e -> e.getType() == FRAMEWORK_ADDED)
                .extracting(e -> e.getFrameworkAdded().getFramework().getFrameworkInfo().getName())
                .containsExactly("bob");
        assertThat(seen).filteredOn(e -> e.getType() == TASK_ADDED)
                .extracting(e -> e.getTaskAdded().getTask().getTaskId().getValue()).containsExactly("b1", "b4");
        assertThat(events(opsStream)).filteredOn(e -> e.getType() == TASK_ADDED).hasSize(5);
        assertThat(events(opsStream)).filteredOn(e -> e.getType() == FRAMEWORK_ADDED).hasSize(2);

        Event snapshot = events(lateViewer).get(0);
        assertThat(snapshot.getType()).isEqualTo(SUBSCRIBED);
        Response.GetState state = snapshot.getSubscribed().getGetState();
        assertThat(state.getGetFrameworks().getFrameworksList())
                .extracting(f -> f.getFrameworkInfo().getName()).containsExactly("bob");
        assertThat(state.getGetTasks().getTasksList()).extracting(t -> t.getTaskId().getValue())
                .containsExactlyInAnyOrder("b1", "b4");
        assertThat(state.getGetExecutors().getExecutorsList())
                .extracting(e -> e.getExecutorInfo().getExecutorId().getValue()).containsExactly("e2");
    }

    /** alice's framework runs a1; bob's runs b1..b4 (see the class comment), each on the agent it was offered. */
    private void runBothFrameworks() {
        RecordingLink aliceLink = new RecordingLink();
        FrameworkID alice = fixture.subscribe(framework("alice", "db"), aliceLink);
        RecordingLink bobLink = new RecordingLink();
        FrameworkID bob = fixture.subscribe(framework("bob", "web"), bobLink);
        fixture.run(master.offers()::allocate); // one agent's unreserved resources each, by DRF
        launch(alice, aliceLink, task("a1", CommandInfo.newBuilder().setValue("sleep 100"), "db"));
        launch(bob, bobLink,
                task("b1", CommandInfo.newBuilder().setValue("sleep 100"), "web"),
                task("b2", CommandInfo.newBuilder().setValue("sleep 100").setUser("alice"), "web"),
                task("b3", null, "web").setExecutor(executor("e1", "alice")),
                task("b4", null, "web").setExecutor(executor("e2", null)));
    }

    /** Launches {@code tasks} on the framework's offer of unreserved resources. */
    private void launch(FrameworkID framework, RecordingLink link, TaskInfo.Builder... tasks) {
        Offer offer = link.schedulerEvents(org.apache.mesos.v1.scheduler.Protos.Event.Type.OFFERS).stream()
                .flatMap(event -> event.getOffers().getOffersList().stream())
                .filter(o -> o.getResourcesList().stream().anyMatch(r -> r.getReservationsCount() == 0
                        && r.getName().equals("cpus") && r.getScalar().getValue() >= 2))
                .findFirst().orElseThrow();
        Offer.Operation.Launch.Builder launch = Offer.Operation.Launch.newBuilder();
        for (TaskInfo.Builder task : tasks) {
            launch.addTaskInfos(task.setAgentId(offer.getAgentId()));
        }
        fixture.run(() -> master.offers().accept(master.frameworks().get(framework), Call.Accept.newBuilder()
                .addOfferIds(offer.getId())
                .setFilters(Filters.newBuilder().setRefuseSeconds(0))
                .addOperations(Offer.Operation.newBuilder().setType(Offer.Operation.Type.LAUNCH).setLaunch(launch))
                .build()));
    }

    private static TaskInfo.Builder task(String id, CommandInfo.Builder command, String role) {
        TaskInfo.Builder task = TaskInfo.newBuilder().setName(id).setTaskId(TaskID.newBuilder().setValue(id))
                .addAllResources(ResourceSet.parse("cpus:0.5;mem:64").withAllocationRole(role).toList());
        if (command != null) {
            task.setCommand(command);
        }
        return task;
    }

    private static ExecutorInfo executor(String id, String user) {
        CommandInfo.Builder command = CommandInfo.newBuilder().setValue("./executor");
        if (user != null) {
            command.setUser(user);
        }
        return ExecutorInfo.newBuilder().setType(ExecutorInfo.Type.CUSTOM)
                .setExecutorId(ExecutorID.newBuilder().setValue(id)).setCommand(command)
                .addAllResources(ResourceSet.parse("cpus:0.1;mem:32;disk:10").toList()).build();
    }

    private static FrameworkInfo framework(String user, String role) {
        return FrameworkInfo.newBuilder().setUser(user).setName(user).setRole(role).setFailoverTimeout(60).build();
    }

    private static List<Event> events(RecordingLink link) {
        return link.events.stream().filter(e -> e instanceof Event).map(Event.class::cast)
                .filter(e -> e.getType() != HEARTBEAT).toList();
    }

    private static String rule(String principal, String objects, String value) {
        return "{\"principals\": {\"values\": [\"" + principal + "\"]}, \"" + objects + "\": {\"values\": [\"" + value
                + "\"]}}";
    }

    private static String anything(String principal, String objects) {
        return "{\"principals\": {\"values\": [\"" + principal + "\"]}, \"" + objects + "\": {\"type\": \"ANY\"}}";
    }

    private static Acls acls(String json) {
        try {
            return Acls.parse(new ObjectMapper().readTree(json), "test");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
