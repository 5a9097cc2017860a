package io.corral.frameworks.services;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.frameworks.common.FrameworkJson;
import io.corral.protocol.resources.ResourceSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.Attribute;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.OfferID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.Value;
import org.junit.jupiter.api.Test;

/** Packing instances into offers, with resources, ports and constraints. */
class OfferMatcherTest {
    private final AtomicInteger ids = new AtomicInteger();

    private static AppDefinition app(String json) throws Exception {
        return AppValidator.parse(FrameworkJson.mapper().readTree(json), null).withVersion(1, "t");
    }

    private static Offer offer(String host, String resources, String rack) {
        Offer.Builder offer = Offer.newBuilder().setId(OfferID.newBuilder().setValue("o-" + host))
                .setFrameworkId(FrameworkID.newBuilder().setValue("fw"))
                .setAgentId(AgentID.newBuilder().setValue("agent-" + host)).setHostname(host)
                .addAllResources(ResourceSet.parse(resources).withAllocationRole("*").toList());
        if (rack != null) {
            offer.addAttributes(Attribute.newBuilder().setName("rack").setType(Value.Type.TEXT)
                    .setText(Value.Text.newBuilder().setValue(rack)));
        }
        return offer.build();
    }

    private OfferMatcher.Result match(List<Offer> offers, AppDefinition app, int count) {
        return OfferMatcher.match(offers, List.of(new OfferMatcher.Want(app, count, List.of())),
                id -> id + ".t" + ids.incrementAndGet(), "now");
    }

    @Test
    void anOfferTakesAsManyInstancesAsFitWithTheirOwnPorts() throws Exception {
        AppDefinition web = app("{\"id\": \"web\", \"cmd\": \"x\", \"cpus\": 0.5, \"mem\": 100, \"ports\": 2,"
                + " \"env\": {\"A\": \"b\"}}");
        Offer big = offer("h1", "cpus:2;mem:1000;ports:[31000-31005]", null);

        OfferMatcher.Result result = match(List.of(big), web, 5);

        List<OfferMatcher.Launch> launches = result.launches().get(big);
        assertThat(launches).hasSize(3); // 6 ports: three instances of two
        assertThat(launches.stream().flatMap(l -> l.record().ports().stream()).distinct()).hasSize(6);
        TaskInfo first = launches.get(0).task();
        assertThat(first.getResourcesList()).allMatch(r -> r.getAllocationInfo().getRole().equals("*"));
        assertThat(first.getCommand().getEnvironment().getVariablesList())
                .anyMatch(v -> v.getName().equals("PORT0") && v.getValue().equals("31000"))
                .anyMatch(v -> v.getName().equals("A") && v.getValue().equals("b"));
        assertThat(result.unused()).isEmpty();
    }

    @Test
    void uniqueHostnameAndClusterDecideWhereInstancesGo() throws Exception {
        AppDefinition unique = app("{\"id\": \"web\", \"cmd\": \"x\", \"constraints\": [[\"hostname\", \"UNIQUE\"]]}");
        Offer h1 = offer("h1", "cpus:4;mem:4000", "r1");
        Offer h2 = offer("h2", "cpus:4;mem:4000", "r2");

        OfferMatcher.Result result = match(List.of(h1, h2), unique, 3);
        assertThat(result.launches().get(h1)).hasSize(1);
        assertThat(result.launches().get(h2)).hasSize(1);

        AppDefinition onR2 = app("{\"id\": \"db\", \"cmd\": \"x\", \"constraints\": [[\"rack\", \"CLUSTER\", \"r2\"]]}");
        OfferMatcher.Result clustered = match(List.of(h1, h2), onR2, 2);
        assertThat(clustered.unused()).containsExactly(h1);
        assertThat(clustered.launches().get(h2)).hasSize(2);
    }

    @Test
    void constraintsCountInstancesAlreadyRunning() {
        Constraints.Place r1 = new Constraints.Place("h1", Map.of("rack", "r1"));
        Constraints.Place r2 = new Constraints.Place("h2", Map.of("rack", "r2"));
        List<List<String>> groupBy = List.of(List.of("rack", "GROUP_BY", "2"));
        List<List<String>> maxPer = List.of(List.of("rack", "MAX_PER", "2"));
        List<List<String>> unlike = List.of(List.of("hostname", "UNLIKE", "h1"));

        assertThat(Constraints.allow(groupBy, r1, List.of(r1))).isFalse();
        assertThat(Constraints.allow(groupBy, r2, List.of(r1))).isTrue();
        assertThat(Constraints.allow(groupBy, r1, List.of(r1, r2))).isTrue();
        assertThat(Constraints.allow(maxPer, r1, List.of(r1))).isTrue();
        assertThat(Constraints.allow(maxPer, r1, List.of(r1, r1))).isFalse();
        assertThat(Constraints.allow(unlike, r1, List.of())).isFalse();
        assertThat(Constraints.allow(unlike, r2, List.of())).isTrue();
    }

    @Test
    void anInstanceThatDoesNotFitLeavesTheOfferUnused() throws Exception {
        AppDefinition big = app("{\"id\": \"big\", \"cmd\": \"x\", \"cpus\": 3, \"mem\": 10}");
        Offer small = offer("h1", "cpus:2;mem:1000", null);
        OfferMatcher.Result result = match(List.of(small), big, 1);
        assertThat(result.launches()).isEmpty();
        assertThat(result.unused()).containsExactly(small);
    }

    @Test
    void healthChecksContainersAndKillPolicyReachTheTask() throws Exception {
        AppDefinition web = app("{\"id\": \"web\", \"cmd\": \"x\", \"ports\": 1, \"user\": \"nobody\","
                + " \"killGracePeriodSeconds\": 7, \"container\": {\"docker\": {\"image\": \"busybox\"}},"
                + " \"healthChecks\": [{\"protocol\": \"HTTP\", \"path\": \"/ping\"}], \"labels\": {\"tier\": \"1\"}}");
        TaskInfo task = match(List.of(offer("h1", "cpus:2;mem:1000;ports:[31000-31000]", null)), web, 1)
                .launches().values().iterator().next().get(0).task();

        assertThat(task.getHealthCheck().getHttp().getPort()).isEqualTo(31000);
        assertThat(task.getHealthCheck().getHttp().getPath()).isEqualTo("/ping");
        assertThat(task.getContainer().getMesos().getImage().getDocker().getName()).isEqualTo("busybox");
        assertThat(task.getKillPolicy().getGracePeriod().getNanoseconds()).isEqualTo(7_000_000_000L);
        assertThat(task.getCommand().getUser()).isEqualTo("nobody");
        assertThat(task.getLabels().getLabels(0).getKey()).isEqualTo("tier");
    }
}
