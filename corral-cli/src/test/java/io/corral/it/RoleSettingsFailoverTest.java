package io.corral.it;

import static io.corral.it.OperatorCalls.call;
import static io.corral.it.OperatorCalls.decode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.master.MasterServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.curator.test.KillSession;
import org.apache.mesos.v1.Protos.Value;
import org.apache.mesos.v1.Protos.WeightInfo;
import org.apache.mesos.v1.master.Protos.Call;
import org.apache.mesos.v1.master.Protos.Response;
import org.apache.mesos.v1.quota.Protos.QuotaConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weights and quota an operator sets through the operator API (UPDATE_WEIGHTS, UPDATE_QUOTA) are durable: the next
 * leader, after the first one's ZooKeeper session is killed, reports the same through GET_WEIGHTS, GET_QUOTA and
 * GET_ROLES. A call the master refuses changes nothing.
 */
class RoleSettingsFailoverTest {
    @TempDir
    Path workDir;

    @Test
    void weightsAndQuotaSurviveAMasterFailover() throws Exception {
        // A long session: the failover is forced (KillSession), and the new leader must not lose its own session to
        // a slow disk (CI once saw ZooKeeper's fsync take 1.5 s, and a 2 s session deposed both masters).
        try (InProcessCluster cluster = InProcessCluster.start(workDir, 2, 1, Duration.ofSeconds(10))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.leader().isPresent()
                    && call(cluster.leaderUrl(), Call.newBuilder().setType(Call.Type.GET_AGENTS).build()).statusCode()
                    == 200);
            await().atMost(Duration.ofSeconds(20)).until(() -> decode(call(cluster.leaderUrl(),
                    Call.newBuilder().setType(Call.Type.GET_AGENTS).build())).getGetAgents().getAgentsCount() == 1);

            HttpResponse<byte[]> weights = call(cluster.leaderUrl(), Call.newBuilder().setType(Call.Type.UPDATE_WEIGHTS)
                    .setUpdateWeights(Call.UpdateWeights.newBuilder()
                            .addWeightInfos(WeightInfo.newBuilder().setRole("eng/web").setWeight(2.5)))
                    .build());
            assertThat(weights.statusCode()).as(new String(weights.body())).isEqualTo(200);
            HttpResponse<byte[]> tooMuch = call(cluster.leaderUrl(), quotaCall("ops", 100, false));
            assertThat(tooMuch.statusCode()).isEqualTo(400);
            assertThat(new String(tooMuch.body())).contains("more than the cluster's 2.0");
            HttpResponse<byte[]> quota = call(cluster.leaderUrl(), quotaCall("ops", 1, false));
            assertThat(quota.statusCode()).as(new String(quota.body())).isEqualTo(200);

            MasterServer oldLeader = cluster.leader().orElseThrow();
            KillSession.kill(oldLeader.zookeeper().getZookeeperClient().getZooKeeper());
            await().atMost(Duration.ofSeconds(20)).until(() -> cluster.leader().filter(m -> m != oldLeader).isPresent()
                    && call(cluster.leaderUrl(), Call.newBuilder().setType(Call.Type.GET_WEIGHTS).build())
                    .statusCode() == 200);

            Response.GetWeights after = decode(call(cluster.leaderUrl(),
                    Call.newBuilder().setType(Call.Type.GET_WEIGHTS).build())).getGetWeights();
            assertThat(after.getWeightInfosList()).singleElement().satisfies(info -> {
                assertThat(info.getRole()).isEqualTo("eng/web");
                assertThat(info.getWeight()).isEqualTo(2.5);
            });
            Response.GetQuota quotaAfter = decode(call(cluster.leaderUrl(),
                    Call.newBuilder().setType(Call.Type.GET_QUOTA).build())).getGetQuota();
            assertThat(quotaAfter.getStatus().getConfigsList()).singleElement().satisfies(config -> {
                assertThat(config.getRole()).isEqualTo("ops");
                assertThat(config.getGuaranteesMap().get("cpus").getValue()).isEqualTo(1.0);
            });
            Response.GetRoles roles = decode(call(cluster.leaderUrl(),
                    Call.newBuilder().setType(Call.Type.GET_ROLES).build())).getGetRoles();
            assertThat(roles.getRolesList()).anySatisfy(role -> {
                assertThat(role.getName()).isEqualTo("eng/web");
                assertThat(role.getWeight()).isEqualTo(2.5);
            });
        }
    }

    private static Call quotaCall(String role, double cpus, boolean force) {
        return Call.newBuilder().setType(Call.Type.UPDATE_QUOTA).setUpdateQuota(Call.UpdateQuota.newBuilder()
                        .setForce(force)
                        .addQuotaConfigs(QuotaConfig.newBuilder().setRole(role)
                                .putGuarantees("cpus", Value.Scalar.newBuilder().setValue(cpus).build())))
                .build();
    }
}
