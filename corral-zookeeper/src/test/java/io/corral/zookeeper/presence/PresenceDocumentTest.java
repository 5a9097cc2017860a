package io.corral.zookeeper.presence;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PresenceDocumentTest {

    @Test
    void roundTrips() {
        PresenceDocument document = new PresenceDocument("a1-S0", "agent1.example:5051", 1_700_000_000_000L);

        assertThat(new String(document.toJson(), UTF_8)).isEqualTo(
                "{\"version\":1,\"agent_id\":\"a1-S0\",\"address\":\"agent1.example:5051\",\"since\":1700000000000}");
        assertThat(PresenceDocument.parse(document.toJson())).isEqualTo(document);
    }

    @Test
    void fieldsAddedByALaterVersionAreIgnored() {
        byte[] json = "{\"version\":2,\"agent_id\":\"a1\",\"address\":\"h:1\",\"since\":5,\"zone\":\"z\"}".getBytes(UTF_8);

        assertThat(PresenceDocument.parse(json)).isEqualTo(new PresenceDocument("a1", "h:1", 5));
    }

    @Test
    void malformedDataIsRefusedNamingTheProblem() {
        assertThatThrownBy(() -> PresenceDocument.parse("nope".getBytes(UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("presence data is not JSON");
        assertThatThrownBy(() -> PresenceDocument.parse("[1]".getBytes(UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("JSON object");
        assertThatThrownBy(() -> PresenceDocument.parse("{\"address\":\"h:1\",\"since\":5}".getBytes(UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"agent_id\"");
        assertThatThrownBy(() -> PresenceDocument.parse("{\"agent_id\":\"a1\",\"address\":\"h:1\",\"since\":\"x\"}"
                .getBytes(UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"since\"");
    }
}
