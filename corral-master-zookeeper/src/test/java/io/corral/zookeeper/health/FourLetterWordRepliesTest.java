package io.corral.zookeeper.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Answers as ZooKeeper 3.9 prints them (abbreviated mntr: the real one has about 150 lines). */
class FourLetterWordRepliesTest {
    static final String MNTR_LEADER = """
            zk_version\t3.9.5-293c895a8d966a3ecb92872be4a1daf87d725da2, built on 2026-02-11 20:18 UTC
            zk_server_state\tleader
            zk_ephemerals_count\t3
            zk_num_alive_connections\t7
            zk_avg_latency\t0.4375
            zk_outstanding_requests\t2
            zk_znode_count\t57
            zk_min_latency\t0
            zk_max_latency\t12
            zk_avg_socket_closing_time\t0.0
            zk_followers\t2
            zk_synced_followers\t2
            """;
    static final String SRVR_FOLLOWER = """
            Zookeeper version: 3.9.5-293c895a8d966a3ecb92872be4a1daf87d725da2, built on 2026-02-11 20:18 UTC
            Latency min/avg/max: 1/19.5/25
            Received: 4
            Sent: 5
            Connections: 3
            Outstanding: 1
            Zxid: 0x100000002
            Mode: follower
            Node count: 41
            """;

    @Test
    void mntrGivesModeLatencyQueueZnodesAndConnections() {
        assertThat(FourLetterWordReplies.parseMntr("zk1:2181", MNTR_LEADER))
                .isEqualTo(new ServerHealth("zk1:2181", true, ServerMode.LEADER, 0.4375, 12, 2, 57, 7, Optional.empty()));
    }

    @Test
    void srvrGivesTheSameFigures() {
        assertThat(FourLetterWordReplies.parseSrvr("zk2:2181", SRVR_FOLLOWER))
                .isEqualTo(new ServerHealth("zk2:2181", true, ServerMode.FOLLOWER, 19.5, 25, 1, 41, 3, Optional.empty()));
    }

    @Test
    void aServerWithoutQuorumIsReachableButNotServing() {
        ServerHealth health = FourLetterWordReplies.parseMntr("zk3:2181",
                "This ZooKeeper instance is not currently serving requests\n");

        assertThat(health.reachable()).isTrue();
        assertThat(health.isServing()).isFalse();
        assertThat(health.mode()).isEqualTo(ServerMode.UNKNOWN);
        assertThat(health.lastError()).contains(FourLetterWordReplies.NOT_SERVING);
    }

    @Test
    void aRefusalAndAnUnexpectedAnswerAreRecognised() {
        assertThat(FourLetterWordReplies.isRefused("mntr is not executed because it is not in the whitelist.\n"))
                .isTrue();
        assertThat(FourLetterWordReplies.isRefused(MNTR_LEADER)).isFalse();
        assertThat(FourLetterWordReplies.parseSrvr("x:1", "HTTP/1.1 400 Bad Request\r\n\r\n").lastError())
                .contains("unexpected answer to srvr: HTTP/1.1 400 Bad Request");
    }

    @Test
    void oddFiguresBecomeZeroWithoutHidingTheMode() {
        ServerHealth health = FourLetterWordReplies.parseMntr("x:1", "zk_server_state\tobserver\nzk_avg_latency\tn/a\n");

        assertThat(health.mode()).isEqualTo(ServerMode.OBSERVER);
        assertThat(health.latencyAvgMs()).isZero();
        assertThat(health.znodeCount()).isZero();
    }
}
