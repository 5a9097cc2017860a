package io.corral.protocol.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.apache.mesos.v1.Protos.Attribute;
import org.apache.mesos.v1.Protos.Value;
import org.junit.jupiter.api.Test;

class AgentAttributesTest {
    @Test
    void readsEachKindOfValueAsMesosDoesAndRendersThemAsMesosStateDoes() {
        List<Attribute> attributes = AgentAttributes.parse("rack:r1; zone:us-east-1a;cores:8;speed:2.5;"
                + "slots:[1-4, 8-9];disks:{a,b}");

        assertThat(attributes).extracting(Attribute::getType).containsExactly(Value.Type.TEXT, Value.Type.TEXT,
                Value.Type.SCALAR, Value.Type.SCALAR, Value.Type.RANGES, Value.Type.SET);
        assertThat(attributes.get(0).getText().getValue()).isEqualTo("r1");
        assertThat(attributes.get(3).getScalar().getValue()).isEqualTo(2.5);
        assertThat(attributes.get(4).getRanges().getRangeCount()).isEqualTo(2);
        assertThat(AgentAttributes.toJson(attributes).toString()).isEqualTo("{\"rack\":\"r1\",\"zone\":\"us-east-1a\","
                + "\"cores\":8.0,\"speed\":2.5,\"slots\":\"[1-4, 8-9]\",\"disks\":\"{a,b}\"}");
        assertThat(AgentAttributes.parse("")).isEmpty();
    }

    @Test
    void badAttributesAreRefusedSayingWhy() {
        assertThatThrownBy(() -> AgentAttributes.parse("rack")).hasMessageContaining("no ':'");
        assertThatThrownBy(() -> AgentAttributes.parse("rack:r1;rack:r2")).hasMessageContaining("given twice");
        assertThatThrownBy(() -> AgentAttributes.parse("rack:a b")).hasMessageContaining("text may hold");
        assertThatThrownBy(() -> AgentAttributes.parse("r@ck:r1")).hasMessageContaining("Invalid attribute name");
        assertThatThrownBy(() -> AgentAttributes.parse("slots:[4-1]")).hasMessageContaining("begin > end")
                .hasMessageStartingWith("Invalid attribute 'slots:[4-1]'");
        assertThatThrownBy(() -> AgentAttributes.parse("x:" + "y".repeat(2000))).hasMessageContaining("1 to 1024");
    }
}
