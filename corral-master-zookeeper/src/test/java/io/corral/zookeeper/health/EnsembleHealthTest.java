package io.corral.zookeeper.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EnsembleHealthTest {

    @Test
    void aMajorityWithALeaderIsAQuorum() {
        EnsembleHealth health = ensemble(up("a:1", ServerMode.FOLLOWER), up("b:1", ServerMode.LEADER), down("c:1"));

        assertThat(health.quorumSize()).isEqualTo(2);
        assertThat(health.serversUp()).isEqualTo(2);
        assertThat(health.hasQuorum()).isTrue();
        assertThat(health.leader()).contains("b:1");
    }

    @Test
    void aMinorityOrNoLeaderIsNoQuorum() {
        assertThat(ensemble(up("a:1", ServerMode.LEADER), down("b:1"), down("c:1")).hasQuorum()).isFalse();
        EnsembleHealth leaderless = ensemble(up("a:1", ServerMode.FOLLOWER), up("b:1", ServerMode.FOLLOWER), down("c:1"));
        assertThat(leaderless.hasQuorum()).isFalse();
        assertThat(leaderless.leader()).isEmpty();
    }

    @Test
    void observersDoNotVoteAndAStandaloneServerIsItsOwnQuorum() {
        EnsembleHealth withObserver = ensemble(up("a:1", ServerMode.LEADER), up("b:1", ServerMode.FOLLOWER),
                down("c:1"), up("o:1", ServerMode.OBSERVER));
        assertThat(withObserver.quorumSize()).isEqualTo(2);
        assertThat(withObserver.hasQuorum()).isTrue();

        EnsembleHealth standalone = ensemble(up("s:1", ServerMode.STANDALONE));
        assertThat(standalone.hasQuorum()).isTrue();
        assertThat(standalone.leader()).contains("s:1");
        assertThat(EnsembleHealth.unchecked(List.of("s:1")).hasQuorum()).isFalse();
    }

    @Test
    void jsonRoundTripsAndCarriesTheDerivedFields() throws Exception {
        EnsembleHealth health = new EnsembleHealth(List.of(
                new ServerHealth("a:1", true, ServerMode.LEADER, 0.25, 9, 1, 57, 4, Optional.empty()),
                ServerHealth.failed("b:1", false, "connection refused")), 1_700_000_000_500L);

        String json = new String(EnsembleHealthJson.toBytes(health), java.nio.charset.StandardCharsets.UTF_8);

        assertThat(json).isEqualTo("{\"checked_at\":1.7000000005E9,\"quorum_size\":2,\"servers_up\":1,"
                + "\"has_quorum\":false,\"leader\":\"a:1\",\"servers\":["
                + "{\"address\":\"a:1\",\"reachable\":true,\"serving\":true,\"mode\":\"leader\",\"latency_avg_ms\":0.25,"
                + "\"latency_max_ms\":9,\"outstanding_requests\":1,\"znode_count\":57,\"connections\":4},"
                + "{\"address\":\"b:1\",\"reachable\":false,\"serving\":false,\"mode\":\"unknown\",\"latency_avg_ms\":0.0,"
                + "\"latency_max_ms\":0,\"outstanding_requests\":0,\"znode_count\":0,\"connections\":0,"
                + "\"last_error\":\"connection refused\"}]}");
        assertThat(EnsembleHealthJson.fromJson(new ObjectMapper().readTree(json))).isEqualTo(health);
    }

    @Test
    void jsonWithoutServersIsRefusedWithTheReason() {
        assertThatThrownBy(() -> EnsembleHealthJson.fromJson(new ObjectMapper().readTree("{\"servers_up\":1}")))
                .hasMessageContaining("\"servers\"");
    }

    private static EnsembleHealth ensemble(ServerHealth... servers) {
        return new EnsembleHealth(List.of(servers), 1);
    }

    private static ServerHealth up(String address, ServerMode mode) {
        return new ServerHealth(address, true, mode, 0, 0, 0, 5, 1, Optional.empty());
    }

    private static ServerHealth down(String address) {
        return ServerHealth.failed(address, false, "connection refused");
    }
}
