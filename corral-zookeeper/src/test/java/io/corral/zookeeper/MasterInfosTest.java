package io.corral.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.protocol.MasterInfos;
import io.corral.protocol.json.MesosJson;
import org.apache.mesos.v1.Protos.Address;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** MasterInfo as Mesos fills it (it lives in corral-protocol; tested here next to its main reader, the detector). */
class MasterInfosTest {

    @Test
    void fillsEveryFieldLikeMesos() {
        MasterInfo info = MasterInfos.create("m-1", "master.example", "127.0.0.1", 5050, "1.11.0");

        assertThat(info.getId()).isEqualTo("m-1");
        assertThat(info.getIp()).isEqualTo(16777343); // MESOS-1201: network byte order read as little-endian
        assertThat(info.getPort()).isEqualTo(5050);
        assertThat(info.getPid()).isEqualTo("master@127.0.0.1:5050");
        assertThat(info.getHostname()).isEqualTo("master.example");
        assertThat(info.getVersion()).isEqualTo("1.11.0");
        assertThat(info.getAddress()).isEqualTo(
                Address.newBuilder().setHostname("master.example").setIp("127.0.0.1").setPort(5050).build());
        assertThat(info.getCapabilitiesList()).as("no capability Corral does not honour yet").isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"127.0.0.1, 16777343", "10.0.0.1, 16777226", "0.0.0.0, 0", "255.255.255.255, -1", "192.168.1.200, -939415360"})
    void encodesIpv4AsMesosDoes(String ip, int expected) {
        assertThat(MasterInfos.ipAsMesosUint32(ip)).isEqualTo(expected);
        assertThat(MasterInfos.ipFromMesosUint32(expected)).isEqualTo(ip);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"localhost|not an IPv4 address", "1.2.3|not an IPv4 address",
            "1.2.3.256|octet above 255", "1.2..3|not an IPv4 address", "-1.2.3.4|not an IPv4 address"})
    void rejectsBadAddressesSayingWhatToUse(String ip, String problem) {
        assertThatThrownBy(() -> MasterInfos.create("m", "h", ip, 5050, "1.11.0"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(problem)
                .hasMessageContaining("10.0.0.1");
    }

    @Test
    void rejectsBadPortAndMissingFields() {
        assertThatThrownBy(() -> MasterInfos.create("m", "h", "10.0.0.1", 0, "1.11.0")).hasMessageContaining("1..65535");
        assertThatThrownBy(() -> MasterInfos.create(" ", "h", "10.0.0.1", 5050, "1.11.0")).hasMessageContaining("master id");
        assertThatThrownBy(() -> MasterInfos.create("m", null, "10.0.0.1", 5050, "1.11.0")).hasMessageContaining("hostname");
    }

    @Test
    void httpAddressPrefersAddressHostnameThenHostnameThenIp() {
        MasterInfo full = MasterInfos.create("m", "master.example", "10.0.0.1", 5050, "1.11.0");
        assertThat(MasterInfos.httpAddress(full)).isEqualTo("master.example:5050");

        MasterInfo legacy = full.toBuilder().clearAddress().setHostname("legacy.example").build();
        assertThat(MasterInfos.httpAddress(legacy)).isEqualTo("legacy.example:5050");

        MasterInfo addressIpOnly = full.toBuilder().clearHostname()
                .setAddress(Address.newBuilder().setIp("10.0.0.9").setPort(6060)).build();
        assertThat(MasterInfos.httpAddress(addressIpOnly)).isEqualTo("10.0.0.9:6060");

        MasterInfo ipOnly = full.toBuilder().clearAddress().clearHostname().build();
        assertThat(MasterInfos.httpAddress(ipOnly)).isEqualTo("10.0.0.1:5050");
    }

    @Test
    void jsonCarriesWhatMesosClientsRead() throws Exception {
        MasterInfo info = MasterInfos.create("m-1", "master.example", "127.0.0.1", 5050, "1.11.0");

        JsonNode json = new ObjectMapper().readTree(MesosJson.print(info));

        assertThat(json.get("ip").isNumber()).isTrue();
        assertThat(json.get("ip").asLong()).isEqualTo(16777343L);
        assertThat(json.get("port").asInt()).isEqualTo(5050);
        assertThat(json.get("hostname").asText()).isEqualTo("master.example");
        assertThat(json.get("pid").asText()).isEqualTo("master@127.0.0.1:5050");
        assertThat(json.at("/address/hostname").asText()).isEqualTo("master.example");
        assertThat(json.at("/address/ip").asText()).isEqualTo("127.0.0.1");
        assertThat(json.at("/address/port").isNumber()).isTrue();
        assertThat(json.has("capabilities")).isFalse();
    }
}
