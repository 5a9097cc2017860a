package io.corral.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.Attribute;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.OfferID;
import org.apache.mesos.v1.Protos.Value;
import org.junit.jupiter.api.Test;

class OfferAttributesTest {
    @Test
    void everyAttributeTypeReadsAsText() {
        Offer offer = Offer.newBuilder().setId(OfferID.newBuilder().setValue("o"))
                .setFrameworkId(FrameworkID.newBuilder().setValue("f")).setAgentId(AgentID.newBuilder().setValue("a"))
                .setHostname("h")
                .addAttributes(Attribute.newBuilder().setName("rack").setType(Value.Type.TEXT)
                        .setText(Value.Text.newBuilder().setValue("r1")))
                .addAttributes(Attribute.newBuilder().setName("cores").setType(Value.Type.SCALAR)
                        .setScalar(Value.Scalar.newBuilder().setValue(8)))
                .addAttributes(Attribute.newBuilder().setName("speed").setType(Value.Type.SCALAR)
                        .setScalar(Value.Scalar.newBuilder().setValue(2.5)))
                .addAttributes(Attribute.newBuilder().setName("zones").setType(Value.Type.SET)
                        .setSet(Value.Set.newBuilder().addItem("a").addItem("b")))
                .addAttributes(Attribute.newBuilder().setName("slots").setType(Value.Type.RANGES)
                        .setRanges(Value.Ranges.newBuilder()
                                .addRange(Value.Range.newBuilder().setBegin(1).setEnd(5))
                                .addRange(Value.Range.newBuilder().setBegin(8).setEnd(9))))
                .addAttributes(Attribute.newBuilder().setName("rack").setType(Value.Type.TEXT)
                        .setText(Value.Text.newBuilder().setValue("r2")))
                .build();

        OfferAttributes attributes = OfferAttributes.of(offer);

        assertThat(attributes.text("rack")).as("the first of a repeated name").hasValue("r1");
        assertThat(attributes.text("cores")).hasValue("8");
        assertThat(attributes.text("speed")).hasValue("2.5");
        assertThat(attributes.text("zones")).hasValue("a,b");
        assertThat(attributes.text("slots")).hasValue("[1-5, 8-9]");
        assertThat(attributes.text("gpu")).isEmpty();
        assertThat(attributes.asMap()).containsOnlyKeys("rack", "cores", "speed", "zones", "slots");
    }
}
