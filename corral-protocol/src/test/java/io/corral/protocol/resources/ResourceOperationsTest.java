package io.corral.protocol.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.protocol.json.MesosJson;
import java.util.List;
import java.util.Set;
import org.apache.mesos.v1.Protos.Resource;
import org.junit.jupiter.api.Test;

class ResourceOperationsTest {
    private static final ResourceSet AGENT = ResourceSet.parse("cpus:4;mem:1024;disk:1000");
    private static final ResourceOperations.Context FRAMEWORK_IN_ENG =
            new ResourceOperations.Context("eng", "web", AGENT, Set.of());

    private static Resource r(String json) {
        return MesosJson.parse(json, Resource.getDefaultInstance());
    }

    private static Resource reserved(String name, double value, String role) {
        return r("{\"name\":\"" + name + "\",\"type\":\"SCALAR\",\"scalar\":{\"value\":" + value + "},"
                + "\"reservations\":[{\"type\":\"DYNAMIC\",\"role\":\"" + role + "\",\"principal\":\"web\"}]}");
    }

    private static Resource volume(String id, double size, String path) {
        return r("{\"name\":\"disk\",\"type\":\"SCALAR\",\"scalar\":{\"value\":" + size + "},"
                + "\"reservations\":[{\"type\":\"DYNAMIC\",\"role\":\"eng\",\"principal\":\"web\"}],"
                + "\"disk\":{\"persistence\":{\"id\":\"" + id + "\",\"principal\":\"web\"},"
                + "\"volume\":{\"container_path\":\"" + path + "\",\"mode\":\"RW\"}}}");
    }

    @Test
    void reserveThenCreateThenDestroyThenUnreserveComesBackToThePool() {
        ResourceSet reserved = ResourceOperations.reserve(AGENT, List.of(),
                List.of(reserved("cpus", 1, "eng"), reserved("disk", 500, "eng")), FRAMEWORK_IN_ENG);
        assertThat(reserved.scalar("cpus")).isEqualTo(4.0);
        assertThat(reserved.filter(Reservations::isUnreserved)).isEqualTo(ResourceSet.parse("cpus:3;mem:1024;disk:500"));

        ResourceSet withVolume = ResourceOperations.create(reserved, List.of(volume("db", 200, "data")),
                FRAMEWORK_IN_ENG);
        assertThat(ResourceOperations.volumeIds(withVolume, "eng")).containsExactly("db");
        assertThat(withVolume.filter(Reservations::isPersistentVolume).scalar("disk")).isEqualTo(200.0);

        ResourceSet destroyed = ResourceOperations.destroy(withVolume, List.of(volume("db", 200, "data")),
                FRAMEWORK_IN_ENG);
        assertThat(destroyed).isEqualTo(reserved);

        ResourceSet back = ResourceOperations.unreserve(destroyed,
                List.of(reserved("cpus", 1, "eng"), reserved("disk", 500, "eng")), FRAMEWORK_IN_ENG);
        assertThat(back).isEqualTo(AGENT);
    }

    @Test
    void refusesWhatMesosRefuses() {
        assertThatThrownBy(() -> ResourceOperations.reserve(AGENT, List.of(), List.of(reserved("cpus", 5, "eng")),
                FRAMEWORK_IN_ENG)).hasMessageContaining("only cpus:4;mem:1024;disk:1000 are available");
        assertThatThrownBy(() -> ResourceOperations.reserve(AGENT, List.of(), List.of(reserved("cpus", 1, "ops")),
                FRAMEWORK_IN_ENG)).hasMessageContaining("does not match the offer's allocation role 'eng'");
        assertThatThrownBy(() -> ResourceOperations.reserve(AGENT, List.of(), List.of(), FRAMEWORK_IN_ENG))
                .hasMessageContaining("needs resources");
        assertThatThrownBy(() -> ResourceOperations.reserve(AGENT, List.of(), List.of(reserved("cpus", 1, "eng")),
                new ResourceOperations.Context("eng", "intruder", AGENT, Set.of())))
                .hasMessageContaining("does not match principal 'web'");
        assertThatThrownBy(() -> ResourceOperations.unreserve(AGENT, List.of(reserved("cpus", 1, "eng")),
                FRAMEWORK_IN_ENG)).hasMessageContaining("are available");
        assertThatThrownBy(() -> ResourceOperations.unreserve(ResourceSet.parse("cpus(eng):1"),
                List.of(r("{\"name\":\"cpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":1},\"role\":\"eng\"}")),
                FRAMEWORK_IN_ENG)).hasMessageContaining("is not dynamically reserved");
    }

    @Test
    void volumesNeedAFreeIdAndCannotBeDestroyedInUseOrUnreserved() {
        ResourceSet pool = ResourceOperations.reserve(AGENT, List.of(), List.of(reserved("disk", 500, "eng")),
                FRAMEWORK_IN_ENG);
        ResourceSet withVolume = ResourceOperations.create(pool, List.of(volume("db", 100, "data")),
                FRAMEWORK_IN_ENG);
        ResourceOperations.Context onAgentWithVolume =
                new ResourceOperations.Context("eng", "web", withVolume, Set.of("db"));

        assertThatThrownBy(() -> ResourceOperations.create(withVolume, List.of(volume("db", 100, "other")),
                onAgentWithVolume)).hasMessageContaining("'db' is already used");
        assertThatThrownBy(() -> ResourceOperations.create(pool, List.of(volume("a", 100, "x"),
                volume("a", 100, "y")), FRAMEWORK_IN_ENG)).hasMessageContaining("already used");
        assertThatThrownBy(() -> ResourceOperations.destroy(withVolume, List.of(volume("db", 100, "data")),
                onAgentWithVolume)).hasMessageContaining("in use by a task");
        assertThatThrownBy(() -> ResourceOperations.unreserve(withVolume, List.of(volume("db", 100, "data")),
                FRAMEWORK_IN_ENG)).hasMessageContaining("cannot be unreserved");
        assertThatThrownBy(() -> ResourceOperations.create(AGENT, List.of(volume("v", 100, "d")), FRAMEWORK_IN_ENG))
                .hasMessageContaining("are available");
    }

    @Test
    void aVolumeGrowsFromReservedDiskAndShrinksBackToIt() {
        ResourceSet pool = ResourceOperations.reserve(AGENT, List.of(), List.of(reserved("disk", 500, "eng")),
                FRAMEWORK_IN_ENG);
        ResourceSet withVolume = ResourceOperations.create(pool, List.of(volume("db", 100, "data")),
                FRAMEWORK_IN_ENG);

        ResourceSet grown = ResourceOperations.grow(withVolume, volume("db", 100, "data"),
                reserved("disk", 150, "eng"), FRAMEWORK_IN_ENG);
        assertThat(grown.filter(Reservations::isPersistentVolume).scalar("disk")).isEqualTo(250.0);
        assertThat(grown.scalar("disk")).isEqualTo(1000.0);

        ResourceSet shrunk = ResourceOperations.shrink(grown, volume("db", 250, "data"), 200, FRAMEWORK_IN_ENG);
        assertThat(shrunk.filter(Reservations::isPersistentVolume).scalar("disk")).isEqualTo(50.0);
        assertThat(shrunk.filter(r -> !Reservations.isPersistentVolume(r) && !Reservations.isUnreserved(r))
                .scalar("disk")).isEqualTo(450.0);

        assertThatThrownBy(() -> ResourceOperations.shrink(shrunk, volume("db", 50, "data"), 50, FRAMEWORK_IN_ENG))
                .hasMessageContaining("below the volume's size");
        assertThatThrownBy(() -> ResourceOperations.grow(shrunk, volume("db", 50, "data"),
                ResourceSet.parse("disk:10").toList().get(0), FRAMEWORK_IN_ENG))
                .hasMessageContaining("the volume's reservations");
        assertThatThrownBy(() -> ResourceOperations.grow(shrunk, volume("db", 50, "data"),
                reserved("disk", 5000, "eng"), FRAMEWORK_IN_ENG)).hasMessageContaining("are available");
        assertThatThrownBy(() -> ResourceOperations.shrink(shrunk, volume("db", 50, "data"), 10,
                new ResourceOperations.Context("eng", "web", shrunk, Set.of("db"))))
                .hasMessageContaining("in use by a task");
    }
}
