package io.corral.zookeeper.registry;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Optional;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.Value;
import org.apache.mesos.v1.quota.Protos.QuotaConfig;
import org.junit.jupiter.api.Test;

class RegistryCodecTest {

    @Test
    void everyRecordSurvivesARoundTrip() {
        AgentRecord unreachable = new AgentRecord(TestRecords.agentInfo("S1"),
                AgentState.unreachable(Instant.ofEpochMilli(1_700_000_123_456L)), TestRecords.T0, TestRecords.T0.plusSeconds(5));
        FrameworkRecord disconnected = FrameworkRecord.disconnected(TestRecords.frameworkInfo("F1"),
                Instant.ofEpochMilli(1_700_000_999_000L));
        RoleRecord role = new RoleRecord("eng/web", 2.5, Optional.of(QuotaConfig.newBuilder().setRole("eng/web")
                .putGuarantees("cpus", Value.Scalar.newBuilder().setValue(4).build()).build()));
        RegistryMeta meta = new RegistryMeta(42, Optional.of(new RegistryMeta.Leader("m1", "m1.example:5050")));

        assertThat(RegistryCodec.decodeAgent(RegistryCodec.encodeAgent(unreachable))).isEqualTo(unreachable);
        assertThat(RegistryCodec.decodeFramework(RegistryCodec.encodeFramework(disconnected))).isEqualTo(disconnected);
        assertThat(RegistryCodec.decodeRole(RegistryCodec.encodeRole(role))).isEqualTo(role);
        assertThat(RegistryCodec.decodeMeta(RegistryCodec.encodeMeta(meta))).isEqualTo(meta);
        assertThat(RegistryCodec.decodeMeta(RegistryCodec.encodeMeta(RegistryMeta.UNCLAIMED))).isEqualTo(RegistryMeta.UNCLAIMED);
    }

    @Test
    void anAgentsReservationsAndVolumesSurviveARoundTrip() {
        org.apache.mesos.v1.Protos.Resource volume = io.corral.protocol.json.MesosJson.parse("""
                {"name":"disk","type":"SCALAR","scalar":{"value":128},
                 "reservations":[{"type":"DYNAMIC","role":"eng","principal":"ops"}],
                 "disk":{"persistence":{"id":"db"},"volume":{"container_path":"data","mode":"RW"}}}""",
                org.apache.mesos.v1.Protos.Resource.getDefaultInstance());
        AgentRecord agent = TestRecords.agent("S1").withCheckpointed(java.util.List.of(volume), TestRecords.T0);

        AgentRecord read = RegistryCodec.decodeAgent(RegistryCodec.encodeAgent(agent));

        assertThat(read).isEqualTo(agent);
        assertThat(read.checkpointed()).containsExactly(volume);
        assertThat(RegistryCodec.decodeAgent(RegistryCodec.encodeAgent(TestRecords.agent("S2"))).checkpointed())
                .isEmpty();
    }

    @Test
    void maintenanceAndAgentModesSurviveARoundTrip() {
        org.apache.mesos.v1.Protos.MachineID node1 = org.apache.mesos.v1.Protos.MachineID.newBuilder()
                .setHostname("node1").setIp("10.0.0.1").build();
        org.apache.mesos.v1.maintenance.Protos.Schedule schedule = org.apache.mesos.v1.maintenance.Protos.Schedule
                .newBuilder().addWindows(org.apache.mesos.v1.maintenance.Protos.Window.newBuilder()
                        .addMachineIds(node1)
                        .setUnavailability(org.apache.mesos.v1.Protos.Unavailability.newBuilder()
                                .setStart(org.apache.mesos.v1.Protos.TimeInfo.newBuilder().setNanoseconds(7))))
                .build();
        MaintenanceRecord maintenance = new MaintenanceRecord(schedule, java.util.List.of(node1));
        assertThat(RegistryCodec.decodeMaintenance(RegistryCodec.encodeMaintenance(maintenance)))
                .isEqualTo(maintenance);

        org.apache.mesos.v1.Protos.DrainInfo drain = org.apache.mesos.v1.Protos.DrainInfo.newBuilder()
                .setState(org.apache.mesos.v1.Protos.DrainState.DRAINED)
                .setConfig(org.apache.mesos.v1.Protos.DrainConfig.newBuilder().setMarkGone(true)
                        .setMaxGracePeriod(org.apache.mesos.v1.Protos.DurationInfo.newBuilder().setNanoseconds(5)))
                .build();
        for (AgentModeRecord mode : java.util.List.of(new AgentModeRecord("a-S1", true, Optional.of(drain)),
                new AgentModeRecord("a-S2", true, Optional.empty()))) {
            assertThat(RegistryCodec.decodeAgentMode(RegistryCodec.encodeAgentMode(mode))).isEqualTo(mode);
        }
        assertThatThrownBy(() -> new AgentModeRecord("a-S3", false, Optional.of(drain)))
                .hasMessageContaining("must be deactivated too");
        assertThatThrownBy(() -> RegistryCodec.decodeAgentMode("{\"format\":2,\"agent_id\":\"x\"}"
                .getBytes(UTF_8))).isInstanceOf(RegistryFormatException.class)
                .hasMessageContaining("\"deactivated\" must be true or false");
    }

    @Test
    void timesAreKeptToTheMillisecondSoStoredRecordsCompareEqual() {
        Instant precise = Instant.ofEpochSecond(1_700_000_000L, 123_456_789);
        AgentRecord agent = new AgentRecord(TestRecords.agentInfo("S1"), AgentState.gone(precise), precise, precise);

        assertThat(agent.registeredAt()).isEqualTo(Instant.ofEpochMilli(1_700_000_000_123L));
        assertThat(RegistryCodec.decodeAgent(RegistryCodec.encodeAgent(agent))).isEqualTo(agent);
    }

    @Test
    void everyDocumentCarriesTheCurrentFormat() {
        assertThat(new String(RegistryCodec.encodeAgent(TestRecords.agent("S1")), UTF_8)).startsWith("{\"format\":2,");
        assertThat(new String(RegistryCodec.encodeMeta(RegistryMeta.UNCLAIMED), UTF_8)).startsWith("{\"format\":2,");
        assertThat(RegistryCodec.CURRENT_FORMAT).isEqualTo(RegistryCodec.MIGRATIONS.size() + 1);
    }

    @Test
    void aDocumentFromANewerCorralIsRefusedWithAnUpgradeHint() {
        assertThatThrownBy(() -> RegistryCodec.decodeMeta("{\"format\":3,\"epoch\":1}".getBytes(UTF_8)))
                .isInstanceOf(RegistryFormatException.class)
                .hasMessageContaining("format 3").hasMessageContaining("upgrade this master");
    }

    @Test
    void malformedDocumentsSayWhatIsWrong() {
        assertThatThrownBy(() -> RegistryCodec.decodeMeta("{\"epoch\":1}".getBytes(UTF_8)))
                .isInstanceOf(RegistryFormatException.class).hasMessageContaining("\"format\"");
        assertThatThrownBy(() -> RegistryCodec.decodeMeta("not json".getBytes(UTF_8)))
                .isInstanceOf(RegistryFormatException.class).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> RegistryCodec.decodeMeta(new byte[0]))
                .isInstanceOf(RegistryFormatException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> RegistryCodec.decodeAgent(("{\"format\":2,\"agent_info\":{\"hostname\":\"h\","
                + "\"id\":{\"value\":\"S1\"}},\"state\":{\"kind\":\"SLEEPING\"},\"registered_at\":1,\"updated_at\":1}")
                .getBytes(UTF_8)))
                .isInstanceOf(RegistryFormatException.class).hasMessageContaining("SLEEPING").hasMessageContaining("ACTIVE");
        assertThatThrownBy(() -> RegistryCodec.decodeAgent(("{\"format\":2,\"agent_info\":{\"id\":{\"value\":\"S1\"}},"
                + "\"state\":{\"kind\":\"ACTIVE\"},\"registered_at\":1,\"updated_at\":1}").getBytes(UTF_8)))
                .isInstanceOf(RegistryFormatException.class).hasMessageContaining("hostname");
        assertThatThrownBy(() -> RegistryCodec.decodeAgent(("{\"format\":2,\"agent_info\":{\"hostname\":\"h\","
                + "\"id\":{\"value\":\"S1\"}},\"state\":{\"kind\":\"UNREACHABLE\"},\"registered_at\":1,\"updated_at\":1}")
                .getBytes(UTF_8)))
                .isInstanceOf(RegistryFormatException.class).hasMessageContaining("UNREACHABLE needs the time");
    }

    @Test
    void recordsRefuseWhatCannotBeStored() {
        assertThatThrownBy(() -> new AgentRecord(AgentInfo.newBuilder().setHostname("h").build(), AgentState.active(),
                TestRecords.T0, TestRecords.T0)).hasMessageContaining("has no id");
        assertThatThrownBy(() -> RoleRecord.weighted("web", 0)).hasMessageContaining("positive");
        assertThatThrownBy(() -> RoleRecord.weighted("..", 1)).hasMessageContaining("cannot name a znode");
        assertThatThrownBy(() -> new AgentState(AgentState.Kind.ACTIVE, Optional.of(TestRecords.T0)))
                .hasMessageContaining("no start time");
    }

    @Test
    void idsBecomeSafeZnodeNames() {
        RegistryPaths paths = new RegistryPaths("/corral");

        assertThat(paths.role("eng/web")).isEqualTo("/corral/registry/roles/eng%2Fweb");
        assertThat(paths.agent("7c1e-a3-S12")).isEqualTo("/corral/registry/agents/7c1e-a3-S12");
        assertThatThrownBy(() -> new RegistryPaths("corral/")).hasMessageContaining("absolute");
    }
}
