package io.corral.it;

import static io.corral.it.OperatorCalls.call;
import static io.corral.it.OperatorCalls.decode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.master.MasterServer;
import io.corral.protocol.http.Encoding;
import io.corral.protocol.json.MesosJson;
import io.corral.protocol.recordio.RecordIODecoder;
import io.corral.protocol.resources.Reservations;
import io.corral.protocol.resources.ResourceSet;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.curator.test.KillSession;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.master.Protos.Call;
import org.apache.mesos.v1.master.Protos.Event;
import org.apache.mesos.v1.master.Protos.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reservations and persistent volumes an operator makes are durable: after the leader's ZooKeeper session is killed,
 * the next leader reports them in GET_AGENTS and /master/state. An operator watching the event stream sees its
 * stream end with the old leader, and SUBSCRIBED from the new one, whose state holds them.
 */
class ReservationsFailoverTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path workDir;

    @Test
    void reservationsAndVolumesSurviveAMasterFailoverAndTheOperatorStreamFollowsTheNewLeader() throws Exception {
        try (InProcessCluster cluster = InProcessCluster.start(workDir, 2, 1)) {
            AgentID agent = await().atMost(Duration.ofSeconds(30)).until(() -> firstAgent(cluster),
                    java.util.Objects::nonNull);
            Resource cpus = reserved("{\"name\":\"cpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":1}}");
            Resource disk = reserved("{\"name\":\"disk\",\"type\":\"SCALAR\",\"scalar\":{\"value\":64}}");
            Resource volume = disk.toBuilder().setDisk(Resource.DiskInfo.newBuilder()
                    .setPersistence(Resource.DiskInfo.Persistence.newBuilder().setId("db"))
                    .setVolume(org.apache.mesos.v1.Protos.Volume.newBuilder().setContainerPath("data")
                            .setMode(org.apache.mesos.v1.Protos.Volume.Mode.RW))).build();
            assertThat(call(cluster.leaderUrl(), Call.newBuilder().setType(Call.Type.RESERVE_RESOURCES)
                    .setReserveResources(Call.ReserveResources.newBuilder().setAgentId(agent)
                            .addResources(cpus).addResources(disk)).build()).statusCode()).isEqualTo(202);
            assertThat(call(cluster.leaderUrl(), Call.newBuilder().setType(Call.Type.CREATE_VOLUMES)
                    .setCreateVolumes(Call.CreateVolumes.newBuilder().setAgentId(agent).addVolumes(volume))
                    .build()).statusCode()).isEqualTo(202);
            StreamWatcher watcher = StreamWatcher.open(cluster.leaderUrl());
            await().atMost(Duration.ofSeconds(10)).until(() -> watcher.events().stream()
                    .anyMatch(e -> e.getType() == Event.Type.SUBSCRIBED));

            MasterServer oldLeader = cluster.leader().orElseThrow();
            KillSession.kill(oldLeader.zookeeper().getZookeeperClient().getZooKeeper());
            await().atMost(Duration.ofSeconds(20)).until(() -> cluster.leader().filter(m -> m != oldLeader).isPresent()
                    && firstAgent(cluster) != null);
            await("the old leader's stream ends").atMost(Duration.ofSeconds(20)).until(watcher.ended::isDone);

            ResourceSet total = ResourceSet.of(decode(call(cluster.leaderUrl(),
                    Call.newBuilder().setType(Call.Type.GET_AGENTS).build())).getGetAgents().getAgents(0)
                    .getTotalResourcesList()).withoutAllocationInfo();
            assertThat(total.filter(r -> Reservations.role(r).equals("eng")).scalar("cpus")).isEqualTo(1.0);
            assertThat(total.filter(Reservations::isPersistentVolume).scalar("disk")).isEqualTo(64.0);

            StreamWatcher next = StreamWatcher.open(cluster.leaderUrl());
            Event subscribed = await().atMost(Duration.ofSeconds(10)).until(() -> next.events().stream()
                    .filter(e -> e.getType() == Event.Type.SUBSCRIBED).findFirst().orElse(null),
                    java.util.Objects::nonNull);
            assertThat(subscribed.getSubscribed().getGetState().getGetAgents().getAgents(0).getTotalResourcesList())
                    .anySatisfy(r -> assertThat(r.getDisk().getPersistence().getId()).isEqualTo("db"));
            assertThat(subscribed.getSubscribed().getGetState().getGetAgents().getAgents(0).getAgentInfo().getId())
                    .isEqualTo(agent);
            next.ended.cancel(true);
        }
    }

    private static Resource reserved(String json) {
        return MesosJson.parse(json, Resource.getDefaultInstance()).toBuilder()
                .addReservations(Resource.ReservationInfo.newBuilder()
                        .setType(Resource.ReservationInfo.Type.DYNAMIC).setRole("eng").setPrincipal("ops"))
                .build();
    }

    private static AgentID firstAgent(InProcessCluster cluster) throws Exception {
        if (cluster.leader().isEmpty()) {
            return null;
        }
        HttpResponse<byte[]> agents = call(cluster.leaderUrl(), Call.newBuilder().setType(Call.Type.GET_AGENTS).build());
        if (agents.statusCode() != 200) {
            return null;
        }
        Response.GetAgents get = decode(agents).getGetAgents();
        return get.getAgentsCount() == 1 && get.getAgents(0).getActive()
                ? get.getAgents(0).getAgentInfo().getId() : null;
    }

    /** An operator's SUBSCRIBE stream, read on its own thread: the events so far, and when it ended. */
    private record StreamWatcher(List<Event> received, CompletableFuture<Void> ended) {
        static StreamWatcher open(String master) throws Exception {
            HttpResponse<InputStream> response = HTTP.send(HttpRequest.newBuilder(URI.create(master + "/api/v1"))
                    .header("Content-Type", Encoding.PROTOBUF.mediaType())
                    .header("Accept", Encoding.PROTOBUF.mediaType())
                    .POST(HttpRequest.BodyPublishers.ofByteArray(
                            Call.newBuilder().setType(Call.Type.SUBSCRIBE).build().toByteArray()))
                    .build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(response.statusCode()).isEqualTo(200);
            StreamWatcher watcher = new StreamWatcher(java.util.Collections.synchronizedList(new ArrayList<>()),
                    new CompletableFuture<>());
            CompletableFuture.runAsync(() -> watcher.read(response.body()));
            return watcher;
        }

        List<Event> events() {
            synchronized (received) {
                return List.copyOf(received);
            }
        }

        private void read(InputStream in) {
            RecordIODecoder decoder = new RecordIODecoder();
            byte[] buffer = new byte[8192];
            try (in) {
                for (int n; (n = in.read(buffer)) >= 0 && !ended.isDone(); ) {
                    for (byte[] record : decoder.feed(buffer, 0, n)) {
                        received.add(Encoding.PROTOBUF.decode(record, Event.getDefaultInstance()));
                    }
                }
            } catch (java.io.IOException e) {
                // the connection ended: as good as the end of the stream
            }
            ended.complete(null);
        }
    }
}
