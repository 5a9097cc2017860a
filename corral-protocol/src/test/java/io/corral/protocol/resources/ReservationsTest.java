package io.corral.protocol.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.protocol.json.MesosJson;
import org.apache.mesos.v1.Protos.Resource;
import org.junit.jupiter.api.Test;

class ReservationsTest {

    private static Resource resource(String json) {
        return MesosJson.parse(json, Resource.getDefaultInstance());
    }

    @Test
    void theOldAndTheStackFormOfOneReservationAreTheSameResources() {
        ResourceSet old = ResourceSet.of(java.util.List.of(resource("""
                {"name":"cpus","type":"SCALAR","scalar":{"value":2},"role":"eng",
                 "reservation":{"principal":"ops"}}""")));
        ResourceSet stack = ResourceSet.of(java.util.List.of(resource("""
                {"name":"cpus","type":"SCALAR","scalar":{"value":2},
                 "reservations":[{"type":"DYNAMIC","role":"eng","principal":"ops"}]}""")));

        assertThat(old).isEqualTo(stack);
        assertThat(Reservations.role(stack.toList().get(0))).isEqualTo("eng");
        assertThat(Reservations.isDynamicallyReserved(stack.toList().get(0))).isTrue();
    }

    @Test
    void aStaticRoleIsAStackOfOneStaticReservation() {
        Resource cpus = ResourceSet.parse("cpus(eng):2").toList().get(0);

        assertThat(cpus.hasRole()).isFalse();
        assertThat(cpus.getReservations(0).getType()).isEqualTo(Resource.ReservationInfo.Type.STATIC);
        assertThat(Reservations.isCheckpointed(cpus)).isFalse();
        assertThat(Reservations.downgraded(cpus).getRole()).isEqualTo("eng");
        assertThat(Reservations.downgraded(cpus).hasReservation()).isFalse();
    }

    @Test
    void downgradingGivesFrameworksWithoutRefinementTheOldFieldsAndRefusesRefinedStacks() {
        Resource dynamic = ResourceSet.of(java.util.List.of(resource("""
                {"name":"mem","type":"SCALAR","scalar":{"value":64},
                 "reservations":[{"type":"DYNAMIC","role":"eng","principal":"ops"}]}"""))).toList().get(0);
        Resource refined = ResourceSet.of(java.util.List.of(resource("""
                {"name":"mem","type":"SCALAR","scalar":{"value":64},
                 "reservations":[{"type":"STATIC","role":"eng"},{"type":"DYNAMIC","role":"eng/web"}]}""")))
                .toList().get(0);

        assertThat(Reservations.downgraded(dynamic).getRole()).isEqualTo("eng");
        assertThat(Reservations.downgraded(dynamic).getReservation().getPrincipal()).isEqualTo("ops");
        assertThat(Reservations.downgraded(refined)).isNull();
        assertThat(Reservations.role(refined)).isEqualTo("eng/web");
        assertThat(Reservations.popped(refined).getReservationsCount()).isEqualTo(1);
        assertThat(Reservations.withoutDynamicReservations(refined).getReservations(0).getRole()).isEqualTo("eng");
    }

    @Test
    void invalidReservationsAreRefusedWithMesossReasons() {
        assertThatThrownBy(() -> ResourceSet.of(java.util.List.of(resource("""
                {"name":"cpus","type":"SCALAR","scalar":{"value":1},"role":"eng",
                 "reservations":[{"type":"DYNAMIC","role":"eng"}]}"""))))
                .hasMessageContaining("must not be set together with 'Resource.reservations'");
        assertThatThrownBy(() -> ResourceSet.of(java.util.List.of(resource("""
                {"name":"cpus","type":"SCALAR","scalar":{"value":1},"role":"*","reservation":{"principal":"p"}}"""))))
                .hasMessageContaining("unreserved");
        assertThatThrownBy(() -> ResourceSet.of(java.util.List.of(resource("""
                {"name":"cpus","type":"SCALAR","scalar":{"value":1},
                 "reservations":[{"type":"DYNAMIC","role":"eng"},{"type":"DYNAMIC","role":"ops"}]}"""))))
                .hasMessageContaining("strict subrole");
        assertThatThrownBy(() -> ResourceSet.of(java.util.List.of(resource("""
                {"name":"cpus","type":"SCALAR","scalar":{"value":1},"reservations":[{"type":"DYNAMIC","role":"*"}]}"""))))
                .hasMessageContaining("'*' cannot be reserved");
        assertThatThrownBy(() -> ResourceSet.of(java.util.List.of(resource("""
                {"name":"disk","type":"SCALAR","scalar":{"value":1},"reservations":[{"type":"DYNAMIC","role":"eng"}],
                 "disk":{"persistence":{"id":"v1"},"volume":{"container_path":"../../etc","mode":"RW"}}}"""))))
                .hasMessageContaining("invalid container path");
        assertThatThrownBy(() -> ResourceSet.of(java.util.List.of(resource("""
                {"name":"disk","type":"SCALAR","scalar":{"value":1},
                 "disk":{"persistence":{"id":"v1"},"volume":{"container_path":"data","mode":"RW"}}}"""))))
                .hasMessageContaining("reserved disk");
    }
}
