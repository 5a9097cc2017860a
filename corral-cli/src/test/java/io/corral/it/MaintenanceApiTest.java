package io.corral.it;

import static io.corral.it.OperatorCalls.get;
import static io.corral.it.OperatorCalls.machine;
import static io.corral.it.OperatorCalls.ok;
import static io.corral.it.OperatorCalls.refused;
import static io.corral.it.OperatorCalls.schedule;
import static io.corral.it.OperatorCalls.start;
import static io.corral.it.OperatorCalls.stop;
import static io.corral.it.OperatorCalls.window;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.corral.scheduler.FixedMasterLocator;
import io.corral.scheduler.SchedulerClient;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.mesos.v1.Protos.InverseOffer;
import org.apache.mesos.v1.Protos.MachineID;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.OfferID;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.allocator.Protos.InverseOfferStatus;
import org.apache.mesos.v1.maintenance.Protos.ClusterStatus;
import org.apache.mesos.v1.master.Protos.Call;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Maintenance through the operator API and Mesos's legacy endpoints on a real cluster: Mesos's validation of
 * schedules and machine lists (400 with Mesos's message, nothing changed), the UP / DRAINING / DOWN modes, inverse
 * offers to a framework with a task on a draining machine and its answers in GET_MAINTENANCE_STATUS, and a DOWN
 * machine's agent shut down and refused until the machine is brought up.
 */
class MaintenanceApiTest {
    @TempDir
    Path workDir;

    @Test
    void badSchedulesAndMachineListsAreRefusedWithMesossMessagesAndChangeNothing() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(workDir, 1, 0,
                InProcessCluster.LOGIC_SESSION_TIMEOUT)) {
            cluster.awaitLeader();
            String url = cluster.leaderUrl();

            refused(url, schedule(window(100, 3600)), 400, "List of machines in the maintenance window is empty");
            refused(url, schedule(window(100, 3600, machine(null, null))), 400,
                    "Both 'hostname' and 'ip' for a machine are empty");
            refused(url, schedule(window(100, 3600, machine("a", "999.0.0.1"))), 400, "Failed to parse IP");
            refused(url, schedule(window(100, 3600, machine("Node1", null)), window(200, 60, machine("node1", null))),
                    400, "appears more than once in the schedule");
            refused(url, schedule(window(100, -1, machine("a", null))), 400, "Unavailability 'duration' is negative");
            refused(url, schedule(window(100, 3600, machine("a".repeat(300), null))), 400, "must not be longer");
            refused(url, Call.newBuilder().setType(Call.Type.UPDATE_MAINTENANCE_SCHEDULE).build(), 400,
                    "Expecting 'update_maintenance_schedule' to be present");
            refused(url, start(), 400, "List of machines is empty");
            refused(url, start(machine("a", null)), 400, "is not part of a maintenance schedule");
            refused(url, stop(machine("a", null)), 400, "is not part of a maintenance schedule");
            assertThat(get(url, Call.Type.GET_MAINTENANCE_SCHEDULE).getGetMaintenanceSchedule().getSchedule()
                    .getWindowsCount()).isZero();

            MachineID a = machine("a", "10.0.0.1");
            ok(url, schedule(window(100, 3600, a)));
            refused(url, stop(a), 400, "is not in DOWN mode and cannot be brought up");
            ok(url, start(machine("A", "10.0.0.1"))); // hostnames are not case-sensitive
            refused(url, start(a), 400, "is not in DRAINING mode and cannot be brought down");
            refused(url, schedule(window(100, 3600, machine("b", null))), 400,
                    "is deactivated and cannot be removed from the schedule");
            ClusterStatus down = get(url, Call.Type.GET_MAINTENANCE_STATUS).getGetMaintenanceStatus().getStatus();
            assertThat(down.getDownMachinesList()).containsExactly(a);
            assertThat(down.getDrainingMachinesList()).isEmpty();

            ok(url, stop(a));
            assertThat(get(url, Call.Type.GET_MAINTENANCE_SCHEDULE).getGetMaintenanceSchedule().getSchedule()
                    .getWindowsCount()).as("a machine brought up leaves the schedule").isZero();
            assertThat(get(url, Call.Type.GET_MAINTENANCE_STATUS).getGetMaintenanceStatus().getStatus())
                    .isEqualTo(ClusterStatus.getDefaultInstance());
        }
    }

    @Test
    void theLegacyEndpointsSpeakMesossJson() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(workDir, 1, 0,
                InProcessCluster.LOGIC_SESSION_TIMEOUT)) {
            cluster.awaitLeader();
            String url = cluster.leaderUrl();
            String schedule = "{\"windows\":[{\"machine_ids\":[{\"hostname\":\"node1\",\"ip\":\"10.0.0.1\"}],"
                    + "\"unavailability\":{\"start\":{\"nanoseconds\":1443830400000000000},"
                    + "\"duration\":{\"nanoseconds\":3600000000000}}}]}";
            assertThat(post(url + "/master/maintenance/schedule", schedule).statusCode()).isEqualTo(200);
            assertThat(getText(url + "/master/maintenance/schedule")).contains("\"hostname\":\"node1\"")
                    .contains("1443830400000000000");
            assertThat(getText(url + "/master/maintenance/status")).contains("draining_machines")
                    .contains("node1");
            HttpResponse<String> bad = post(url + "/master/machine/down", "{\"hostname\":\"node1\"}");
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(bad.body()).contains("Expecting a JSON array of machines");
            HttpResponse<String> unscheduled = post(url + "/master/machine/down", "[{\"hostname\":\"node2\"}]");
            assertThat(unscheduled.statusCode()).isEqualTo(400);
            assertThat(unscheduled.body()).contains("is not part of a maintenance schedule");

            assertThat(post(url + "/master/machine/down", "[{\"hostname\":\"node1\",\"ip\":\"10.0.0.1\"}]")
                    .statusCode()).isEqualTo(200);
            assertThat(getText(url + "/master/maintenance/status")).contains("down_machines");
            assertThat(post(url + "/master/machine/up", "[{\"hostname\":\"node1\",\"ip\":\"10.0.0.1\"}]")
                    .statusCode()).isEqualTo(200);
            assertThat(getText(url + "/master/maintenance/schedule")).doesNotContain("node1");
        }
    }

    @Test
    void randomMaintenanceAndDrainCallsNeverGetA500AndAlwaysSayWhy() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(workDir, 1, 0,
                InProcessCluster.LOGIC_SESSION_TIMEOUT)) {
            cluster.awaitLeader();
            String url = cluster.leaderUrl();
            java.util.Random random = new java.util.Random(Long.getLong("corral.fuzz.seed", 7L));
            String[] strings = {"", "a", "NODE", "10.0.0.1", "::1", "1.2.3.4.5", "a/b", "..", ".", "\u0000",
                    "x".repeat(300), "é", " ", "300.1.1.1", "node,1"};
            for (int i = 0; i < 300; i++) {
                MachineID machine = machine(strings[random.nextInt(strings.length)],
                        strings[random.nextInt(strings.length)]);
                String id = strings[random.nextInt(strings.length)];
                Call call = switch (random.nextInt(7)) {
                    case 0 -> schedule(window(random.nextLong(), random.nextInt(7200) - 100, machine));
                    case 1 -> start(machine);
                    case 2 -> stop(machine);
                    case 3 -> OperatorCalls.drain(OperatorCalls.agentId(id), (long) random.nextInt(100) - 10,
                            random.nextBoolean());
                    case 4 -> OperatorCalls.deactivate(OperatorCalls.agentId(id));
                    case 5 -> OperatorCalls.reactivate(OperatorCalls.agentId(id));
                    default -> OperatorCalls.gone(OperatorCalls.agentId(id));
                };
                HttpResponse<byte[]> response = OperatorCalls.call(url, call);
                String body = new String(response.body(), java.nio.charset.StandardCharsets.UTF_8);
                assertThat(response.statusCode()).as(call + " -> " + body).isIn(200, 400, 404, 409, 503);
                if (response.statusCode() != 200) {
                    assertThat(body).as(call.toString()).isNotBlank();
                }
            }
            for (String json : List.of("not json", "[1]", "[{\"hostname\":7}]", "{}", "[]", "[[]]")) {
                assertThat(post(url + "/master/machine/down", json).statusCode()).as(json).isEqualTo(400);
                assertThat(post(url + "/master/maintenance/schedule", json).statusCode()).as(json)
                        .isIn(200, 400);
            }
            assertThat(OperatorCalls.call(url, Call.newBuilder().setType(Call.Type.GET_MAINTENANCE_STATUS).build())
                    .statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aFrameworkWithATaskOnADrainingMachineGetsInverseOffersAndItsAnswersShowInTheStatus() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(workDir, 1, 1)) {
            cluster.awaitLeader();
            String url = cluster.leaderUrl();
            RecordingScheduler scheduler = new RecordingScheduler();
            try (SchedulerClient client = SchedulerClient.builder(new FixedMasterLocator(url),
                    Tasks.framework("drained", 60), scheduler).autoAcknowledge(true).build()) {
                client.start();
                Offer offer = scheduler.nextOffer();
                client.launch(List.of(offer.getId()), List.of(Tasks.shell("sleeper", "sleep 300", offer, 0.5, 64)))
                        .join();
                scheduler.awaitState("sleeper", TaskState.TASK_RUNNING);
                MachineID machine = machine(offer.getHostname(), null);

                ok(url, schedule(window(4_000_000_000L, 600, machine)));
                InverseOffer first = scheduler.nextInverseOffer();
                assertThat(first.getAgentId()).isEqualTo(offer.getAgentId());
                assertThat(first.getUnavailability().getStart().getNanoseconds())
                        .isEqualTo(4_000_000_000L * 1_000_000_000L);
                await().atMost(Duration.ofSeconds(10)).until(() -> {
                    List<Offer> batch = scheduler.offers.poll();
                    return batch != null && batch.get(0).hasUnavailability();
                });

                assertThatThrownBy(() -> client.send(inverse(false, OfferID.newBuilder().setValue("nope").build()))
                        .join()).hasMessageContaining("Inverse offer nope is no longer valid");
                client.send(inverse(false, first.getId())).join();
                assertThat(statuses(url)).singleElement().satisfies(status -> {
                    assertThat(status.getStatus()).isEqualTo(InverseOfferStatus.Status.DECLINE);
                    assertThat(status.getFrameworkId()).isEqualTo(scheduler.frameworkId);
                });
                assertThatThrownBy(() -> client.send(inverse(true, first.getId())).join())
                        .as("an answered inverse offer is gone").hasMessageContaining("is no longer valid");

                ok(url, schedule(window(4_000_003_600L, 600, machine)));
                InverseOffer second = scheduler.nextInverseOffer();
                assertThat(second.getUnavailability().getStart().getNanoseconds())
                        .isEqualTo(4_000_003_600L * 1_000_000_000L);
                assertThat(statuses(url)).as("answers to the old unavailability are forgotten").isEmpty();
                ok(url, schedule(window(4_000_007_200L, 600, machine)));
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> scheduler.rescindedInverseOffers.contains(second.getId()));
                InverseOffer third = scheduler.nextInverseOffer();
                client.send(inverse(true, third.getId())).join();
                assertThat(statuses(url)).singleElement().satisfies(status ->
                        assertThat(status.getStatus()).isEqualTo(InverseOfferStatus.Status.ACCEPT));

                ok(url, start(machine));
                scheduler.awaitState("sleeper", TaskState.TASK_LOST);
                assertThat(get(url, Call.Type.GET_MAINTENANCE_STATUS).getGetMaintenanceStatus().getStatus()
                        .getDownMachinesList()).containsExactly(machine);
                assertThat(get(url, Call.Type.GET_AGENTS).getGetAgents().getAgentsList()).singleElement()
                        .satisfies(agent -> assertThat(agent.getActive()).isFalse());

                ok(url, stop(machine));
                await().atMost(Duration.ofSeconds(90)).until(() -> get(url, Call.Type.GET_AGENTS).getGetAgents()
                        .getAgentsList().stream().anyMatch(agent -> agent.getActive()));
            }
        }
    }

    private static List<InverseOfferStatus> statuses(String url) throws Exception {
        ClusterStatus status = get(url, Call.Type.GET_MAINTENANCE_STATUS).getGetMaintenanceStatus().getStatus();
        assertThat(status.getDrainingMachinesList()).hasSize(1);
        return status.getDrainingMachines(0).getStatusesList();
    }

    private static org.apache.mesos.v1.scheduler.Protos.Call inverse(boolean accept, OfferID id) {
        var call = org.apache.mesos.v1.scheduler.Protos.Call.newBuilder();
        if (accept) {
            call.setType(org.apache.mesos.v1.scheduler.Protos.Call.Type.ACCEPT_INVERSE_OFFERS)
                    .setAcceptInverseOffers(org.apache.mesos.v1.scheduler.Protos.Call.AcceptInverseOffers.newBuilder()
                            .addInverseOfferIds(id));
        } else {
            call.setType(org.apache.mesos.v1.scheduler.Protos.Call.Type.DECLINE_INVERSE_OFFERS)
                    .setDeclineInverseOffers(org.apache.mesos.v1.scheduler.Protos.Call.DeclineInverseOffers
                            .newBuilder().addInverseOfferIds(id));
        }
        return call.build();
    }

    private static HttpResponse<String> post(String url, String json) throws Exception {
        return OperatorCalls.HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String getText(String url) throws Exception {
        HttpResponse<String> response = OperatorCalls.HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body();
    }
}
