package io.corral.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Builders;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.ExecutorID;
import org.apache.mesos.v1.Protos.Label;
import org.apache.mesos.v1.Protos.Labels;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.ResourceProviderID;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.Protos.TimeInfo;
import org.apache.mesos.v1.Protos.Value;

/** Random Mesos messages survive proto -> JSON -> proto and JSON -> proto -> JSON unchanged. */
class MesosJsonRoundTripPropertyTest {

    @Property(tries = 250)
    void resourcesRoundTrip(@ForAll("resources") Resource resource) {
        assertRoundTrips(resource);
    }

    @Property(tries = 250)
    void taskStatusesRoundTrip(@ForAll("statuses") TaskStatus status) {
        assertRoundTrips(status);
    }

    private static void assertRoundTrips(Message message) {
        String json = MesosJson.print(message);
        Message parsed = MesosJson.parse(json, message.getDefaultInstanceForType());

        assertThat(parsed).isEqualTo(message);
        assertThat(MesosJson.print(parsed)).isEqualTo(json);
        assertThat(MesosJson.parse(MesosJson.printBytes(message), message.getDefaultInstanceForType()))
                .isEqualTo(message);
        assertThat(streamedTwice(json, message)).containsExactly(message, message);
    }

    /** Read token by token twice from one document, as the agent protocol's decoder reads embedded messages. */
    private static List<Message> streamedTwice(String json, Message message) {
        try (JsonParser p = new ObjectMapper().createParser("[" + json + "," + json + "]")) {
            p.nextToken();
            List<Message> read = new ArrayList<>();
            while (p.nextToken() == JsonToken.START_OBJECT) {
                read.add(MesosJson.merge(p, message.newBuilderForType()).build());
            }
            return read;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Provide
    Arbitrary<Resource> resources() {
        return Builders.withBuilder(Resource::newBuilder)
                .use(text()).in(Resource.Builder::setName)
                .use(Arbitraries.oneOf(scalar(), ranges(), set())).in(Resource.Builder::mergeFrom)
                .use(text()).withProbability(0.5).in(Resource.Builder::setRole)
                .use(text()).withProbability(0.5).in((b, role) -> b.setAllocationInfo(Resource.AllocationInfo.newBuilder().setRole(role)))
                .use(reservations()).in(Resource.Builder::addAllReservations)
                .use(Arbitraries.just(true)).withProbability(0.2).in((b, yes) -> b.setRevocable(Resource.RevocableInfo.getDefaultInstance()))
                .use(text()).withProbability(0.2)
                .in((b, id) -> b.setProviderId(ResourceProviderID.newBuilder().setValue(id)))
                .build(Resource.Builder::build);
    }

    @Provide
    Arbitrary<TaskStatus> statuses() {
        return Builders.withBuilder(TaskStatus::newBuilder)
                .use(text()).in((b, id) -> b.setTaskId(TaskID.newBuilder().setValue(id)))
                .use(Arbitraries.of(TaskState.class)).in(TaskStatus.Builder::setState)
                .use(text()).withProbability(0.5).in(TaskStatus.Builder::setMessage)
                .use(Arbitraries.of(TaskStatus.Source.class)).withProbability(0.5).in(TaskStatus.Builder::setSource)
                .use(Arbitraries.of(TaskStatus.Reason.class)).withProbability(0.5).in(TaskStatus.Builder::setReason)
                .use(bytes()).withProbability(0.5).in(TaskStatus.Builder::setData)
                .use(bytes()).withProbability(0.5).in(TaskStatus.Builder::setUuid)
                .use(text()).withProbability(0.5).in((b, id) -> b.setAgentId(AgentID.newBuilder().setValue(id)))
                .use(text()).withProbability(0.3).in((b, id) -> b.setExecutorId(ExecutorID.newBuilder().setValue(id)))
                .use(doubles()).withProbability(0.7).in(TaskStatus.Builder::setTimestamp)
                .use(Arbitraries.of(true, false)).withProbability(0.5).in(TaskStatus.Builder::setHealthy)
                .use(labels()).withProbability(0.3).in(TaskStatus.Builder::setLabels)
                .use(Arbitraries.longs()).withProbability(0.3)
                .in((b, ns) -> b.setUnreachableTime(TimeInfo.newBuilder().setNanoseconds(ns)))
                .build(TaskStatus.Builder::build);
    }

    private static Arbitrary<Resource> scalar() {
        return doubles().map(v -> Resource.newBuilder().setType(Value.Type.SCALAR)
                .setScalar(Value.Scalar.newBuilder().setValue(v)).buildPartial());
    }

    /** Any 64-bit bounds: negative longs are uint64 values above Long.MAX_VALUE. */
    private static Arbitrary<Resource> ranges() {
        Arbitrary<Value.Range> range = Arbitraries.longs().tuple2()
                .map(t -> Value.Range.newBuilder().setBegin(t.get1()).setEnd(t.get2()).build());
        return range.list().ofMaxSize(4).map(list -> Resource.newBuilder().setType(Value.Type.RANGES)
                .setRanges(Value.Ranges.newBuilder().addAllRange(list)).buildPartial());
    }

    private static Arbitrary<Resource> set() {
        return text().list().ofMaxSize(4).map(items -> Resource.newBuilder().setType(Value.Type.SET)
                .setSet(Value.Set.newBuilder().addAllItem(items)).buildPartial());
    }

    private static Arbitrary<List<Resource.ReservationInfo>> reservations() {
        return Builders.withBuilder(Resource.ReservationInfo::newBuilder)
                .use(Arbitraries.of(Resource.ReservationInfo.Type.class)).withProbability(0.8)
                .in(Resource.ReservationInfo.Builder::setType)
                .use(text()).in(Resource.ReservationInfo.Builder::setRole)
                .use(text()).withProbability(0.5).in(Resource.ReservationInfo.Builder::setPrincipal)
                .use(labels()).withProbability(0.3).in(Resource.ReservationInfo.Builder::setLabels)
                .build(Resource.ReservationInfo.Builder::build)
                .list().ofMaxSize(2);
    }

    private static Arbitrary<Labels> labels() {
        Arbitrary<Label> label = Arbitraries.oneOf(
                text().map(key -> Label.newBuilder().setKey(key).build()),
                text().tuple2().map(t -> Label.newBuilder().setKey(t.get1()).setValue(t.get2()).build()));
        return label.list().ofMaxSize(3).map(list -> Labels.newBuilder().addAllLabels(list).build());
    }

    /** Any finite double, from every bit pattern (subnormals, huge exponents) and from Mesos-like milli values. */
    private static Arbitrary<Double> doubles() {
        Arbitrary<Double> anyBits = Arbitraries.longs().map(Double::longBitsToDouble)
                .filter(Double::isFinite)
                .map(v -> v == 0 ? 0.0 : v); // JSON numbers have no negative zero
        Arbitrary<Double> milli = Arbitraries.longs().between(0, 10_000_000_000L).map(m -> m / 1000.0);
        return Arbitraries.oneOf(anyBits, milli);
    }

    /** Text without lone surrogates (not representable in UTF-8), including control characters and quotes. */
    private static Arbitrary<String> text() {
        return Arbitraries.strings().withCharRange('\u0000', '\uD7FF').withChars('"', '\\', '✓')
                .ofMaxLength(12);
    }

    private static Arbitrary<ByteString> bytes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(24).map(ByteString::copyFrom);
    }
}
