package io.corral.protocol.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.apache.mesos.v1.Protos.Address;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.CSIPluginContainerInfo;
import org.apache.mesos.v1.Protos.Environment;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.Protos.Value;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.junit.jupiter.api.Test;

class MesosJsonTest {
    /** An ACCEPT with a LAUNCH, as clients send it (see {@code docs/mesos-compatibility.md}, "JSON encoding"). */
    private static final String ACCEPT_LAUNCH = """
            {"framework_id":{"value":"M-0002"},"type":"ACCEPT","accept":{"offer_ids":[{"value":"M-O7"}],
             "operations":[{"type":"LAUNCH","launch":{"task_infos":[{"name":"t1","task_id":{"value":"t1"},"agent_id":{"value":"M-S0"},
             "command":{"shell":true,"value":"sleep 100","uris":[{"value":"http://x/app.tgz","extract":true}],
              "environment":{"variables":[{"name":"FOO","value":"bar"}]}},
             "resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":1},"role":"*","allocation_info":{"role":"eng"}},
              {"name":"mem","type":"SCALAR","scalar":{"value":128},"role":"*","allocation_info":{"role":"eng"}}]}]}}],
             "filters":{"refuse_seconds":5.0}}}
            """;

    /** Sixteen bytes whose base64 needs '+' and '/' (so '-' and '_' in the URL-safe alphabet). */
    private static final byte[] UUID_BYTES = {(byte) 0xfb, (byte) 0xff, (byte) 0xbf, 0x78, (byte) 0x9a,
        (byte) 0xbc, (byte) 0xde, (byte) 0xf0, 0x0f, (byte) 0xed, (byte) 0xcb, (byte) 0xa9, (byte) 0x87, 0x65, 0x43,
        0x21};

    @Test
    void frameworkInfoAlwaysShowsItsExplicitDefaultsButNotTheDeprecatedRole() {
        FrameworkInfo info = FrameworkInfo.newBuilder().setUser("root").setName("jfw").build();

        assertThat(MesosJson.print(info))
                .isEqualTo("{\"checkpoint\":false,\"failover_timeout\":0.0,\"name\":\"jfw\",\"user\":\"root\"}");
        assertThat(MesosJson.print(info.toBuilder().setId(FrameworkID.newBuilder().setValue("f"))))
                .isEqualTo("{\"checkpoint\":false,\"failover_timeout\":0.0,\"id\":{\"value\":\"f\"},\"name\":\"jfw\","
                        + "\"user\":\"root\"}");
    }

    @Test
    void subscribeCallFromTheReferenceParsesAndPrintsWithSortedKeys() {
        String json = """
                {"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"root","name":"jfw","failover_timeout":604800,
                 "checkpoint":true,"roles":["eng"],"capabilities":[{"type":"MULTI_ROLE"},{"type":"PARTITION_AWARE"}]}}}
                """;

        Call call = MesosJson.parse(json, Call.getDefaultInstance());

        FrameworkInfo info = call.getSubscribe().getFrameworkInfo();
        assertThat(call.getType()).isEqualTo(Call.Type.SUBSCRIBE);
        assertThat(info.getFailoverTimeout()).isEqualTo(604800.0);
        assertThat(info.getCheckpoint()).isTrue();
        assertThat(info.getRolesList()).containsExactly("eng");
        assertThat(info.getCapabilitiesList()).extracting(FrameworkInfo.Capability::getType)
                .containsExactly(FrameworkInfo.Capability.Type.MULTI_ROLE,
                        FrameworkInfo.Capability.Type.PARTITION_AWARE);
        assertThat(MesosJson.print(call)).isEqualTo("{\"subscribe\":{\"framework_info\":{"
                + "\"capabilities\":[{\"type\":\"MULTI_ROLE\"},{\"type\":\"PARTITION_AWARE\"}],"
                + "\"checkpoint\":true,\"failover_timeout\":604800.0,\"name\":\"jfw\",\"roles\":[\"eng\"],"
                + "\"user\":\"root\"}},\"type\":\"SUBSCRIBE\"}");
    }

    @Test
    void acceptWithLaunchFromTheReferenceRoundTrips() {
        Call call = MesosJson.parse(ACCEPT_LAUNCH, Call.getDefaultInstance());

        Offer.Operation launch = call.getAccept().getOperations(0);
        TaskInfo task = launch.getLaunch().getTaskInfos(0);
        assertThat(call.getFrameworkId().getValue()).isEqualTo("M-0002");
        assertThat(call.getAccept().getOfferIds(0).getValue()).isEqualTo("M-O7");
        assertThat(call.getAccept().getFilters().getRefuseSeconds()).isEqualTo(5.0);
        assertThat(launch.getType()).isEqualTo(Offer.Operation.Type.LAUNCH);
        assertThat(task.getCommand().getValue()).isEqualTo("sleep 100");
        assertThat(task.getCommand().getUris(0).getExtract()).isTrue();
        assertThat(task.getCommand().getEnvironment().getVariables(0).getValue()).isEqualTo("bar");
        assertThat(task.getResources(1).getScalar().getValue()).isEqualTo(128.0);
        assertThat(task.getResources(1).getAllocationInfo().getRole()).isEqualTo("eng");

        // Printing adds the explicit default Environment.Variable.type=VALUE; past that, both directions are stable.
        String printed = MesosJson.print(call);
        Call reparsed = MesosJson.parse(printed, Call.getDefaultInstance());
        assertThat(printed).contains("\"scalar\":{\"value\":128.0}", "\"refuse_seconds\":5.0", "\"role\":\"*\"",
                "{\"name\":\"FOO\",\"type\":\"VALUE\",\"value\":\"bar\"}");
        Call.Builder withDefault = call.toBuilder();
        withDefault.getAcceptBuilder().getOperationsBuilder(0).getLaunchBuilder().getTaskInfosBuilder(0)
                .getCommandBuilder().getEnvironmentBuilder().getVariablesBuilder(0)
                .setType(Environment.Variable.Type.VALUE);
        assertThat(reparsed).isEqualTo(withDefault.build());
        assertThat(MesosJson.print(reparsed)).isEqualTo(printed);
        assertThat(MesosJson.parse(MesosJson.print(reparsed), Call.getDefaultInstance())).isEqualTo(reparsed);
    }

    @Test
    void subscribedEventPrintsUnsigned32BitIpAndDoublesAsNumbers() {
        Event event = Event.newBuilder().setType(Event.Type.SUBSCRIBED)
                .setSubscribed(Event.Subscribed.newBuilder()
                        .setFrameworkId(FrameworkID.newBuilder().setValue("M-0002"))
                        .setHeartbeatIntervalSeconds(15)
                        .setMasterInfo(MasterInfo.newBuilder().setId("M").setIp(0xFFFF_FFFE).setPort(5050)
                                .setAddress(Address.newBuilder().setIp("10.0.0.1").setPort(5050))))
                .build();

        String json = MesosJson.print(event);

        assertThat(json).isEqualTo("{\"subscribed\":{\"framework_id\":{\"value\":\"M-0002\"},"
                + "\"heartbeat_interval_seconds\":15.0,\"master_info\":{\"address\":{\"ip\":\"10.0.0.1\","
                + "\"port\":5050},\"id\":\"M\",\"ip\":4294967294,\"port\":5050}},\"type\":\"SUBSCRIBED\"}");
        assertThat(MesosJson.parse(json, Event.getDefaultInstance())).isEqualTo(event);
    }

    @Test
    void offersEventWritesRangeBoundsAsNumbersIncludingUnsignedBeyondLongMax() {
        Resource ports = Resource.newBuilder().setName("ports").setType(Value.Type.RANGES)
                .setRanges(Value.Ranges.newBuilder()
                        .addRange(Value.Range.newBuilder().setBegin(31000).setEnd(32000))
                        .addRange(Value.Range.newBuilder().setBegin(Long.MAX_VALUE).setEnd(-1L)))
                .build();
        Event event = Event.newBuilder().setType(Event.Type.OFFERS)
                .setOffers(Event.Offers.newBuilder().addOffers(Offer.newBuilder()
                        .setId(org.apache.mesos.v1.Protos.OfferID.newBuilder().setValue("M-O7"))
                        .setFrameworkId(FrameworkID.newBuilder().setValue("M-0002"))
                        .setAgentId(AgentID.newBuilder().setValue("M-S0"))
                        .setHostname("a1")
                        .addResources(ports)))
                .build();

        String json = MesosJson.print(event);

        assertThat(json).contains("\"range\":[{\"begin\":31000,\"end\":32000},"
                + "{\"begin\":9223372036854775807,\"end\":18446744073709551615}]");
        assertThat(MesosJson.parse(json, Event.getDefaultInstance())).isEqualTo(event);
    }

    @Test
    void updateEventCarriesUuidAsBase64AndTimestampAsPlainDouble() {
        TaskStatus status = TaskStatus.newBuilder().setTaskId(TaskID.newBuilder().setValue("t1"))
                .setState(TaskState.TASK_RUNNING).setSource(TaskStatus.Source.SOURCE_EXECUTOR)
                .setTimestamp(1.7e9).setUuid(ByteString.copyFrom(UUID_BYTES)).setHealthy(true).build();
        Event event = Event.newBuilder().setType(Event.Type.UPDATE)
                .setUpdate(Event.Update.newBuilder().setStatus(status)).build();

        String json = MesosJson.print(event);

        assertThat(json).isEqualTo("{\"type\":\"UPDATE\",\"update\":{\"status\":{\"healthy\":true,"
                + "\"source\":\"SOURCE_EXECUTOR\",\"state\":\"TASK_RUNNING\",\"task_id\":{\"value\":\"t1\"},"
                + "\"timestamp\":1700000000.0,\"uuid\":\"" + Base64.getEncoder().encodeToString(UUID_BYTES)
                + "\"}}}");
        assertThat(MesosJson.parse(json, Event.getDefaultInstance())).isEqualTo(event);
    }

    @Test
    void bytesAcceptUrlSafeAndUnpaddedBase64() {
        String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(UUID_BYTES);
        assertThat(urlSafe).containsAnyOf("-", "_");

        TaskStatus status = MesosJson.parse("{\"task_id\":{\"value\":\"t\"},\"state\":\"TASK_LOST\",\"uuid\":\""
                + urlSafe + "\"}", TaskStatus.getDefaultInstance());

        assertThat(status.getUuid().toByteArray()).isEqualTo(UUID_BYTES);
        String broken = Base64.getEncoder().encodeToString(UUID_BYTES).substring(0, 12) + "\\r\\n "
                + Base64.getEncoder().encodeToString(UUID_BYTES).substring(12);
        TaskStatus withLineBreaks = MesosJson.parse("{\"task_id\":{\"value\":\"t\"},\"state\":\"TASK_LOST\","
                + "\"uuid\":\"" + broken + "\"}", TaskStatus.getDefaultInstance());
        assertThat(withLineBreaks.getUuid().toByteArray()).as("line breaks ignored").isEqualTo(UUID_BYTES);
    }

    @Test
    void exponentFloatsAndNumbersSentAsStringsAreAccepted() {
        TaskStatus status = MesosJson.parse("{\"task_id\":{\"value\":\"t\"},\"state\":\"TASK_RUNNING\","
                + "\"timestamp\":1.79e+09,\"healthy\":\"true\"}", TaskStatus.getDefaultInstance());
        Resource ports = MesosJson.parse("{\"name\":\"ports\",\"type\":\"RANGES\",\"ranges\":{\"range\":"
                + "[{\"begin\":\"31000\",\"end\":3.2e4}]}}", Resource.getDefaultInstance());
        MasterInfo master = MesosJson.parse("{\"id\":\"m\",\"ip\":\"16777343\",\"port\":\"5050\"}",
                MasterInfo.getDefaultInstance());

        assertThat(status.getTimestamp()).isEqualTo(1.79e9);
        assertThat(status.getHealthy()).isTrue();
        assertThat(ports.getRanges().getRange(0).getBegin()).isEqualTo(31000L);
        assertThat(ports.getRanges().getRange(0).getEnd()).isEqualTo(32000L);
        assertThat(master.getIp()).isEqualTo(16777343);
        assertThat(master.getPort()).isEqualTo(5050);
    }

    @Test
    void unknownKeysAndExplicitNullsAreIgnored() {
        String json = """
                {"type":"SUBSCRIBE","future_field":{"x":[1,2]},"subscribe":{"framework_info":{"user":"u","name":"n",
                 "id":null,"role":null,"capabilities":null,"roles":[null,"eng"],"labels":{"labels":null}}}}
                """;

        Call call = MesosJson.parse(json, Call.getDefaultInstance());

        FrameworkInfo info = call.getSubscribe().getFrameworkInfo();
        assertThat(info.hasId()).isFalse();
        assertThat(info.hasRole()).isFalse();
        assertThat(info.getCapabilitiesCount()).isZero();
        assertThat(info.getRolesList()).containsExactly("eng");
        assertThat(info.getLabels().getLabelsCount()).isZero();
    }

    @Test
    void commandUrisNullIsAnEmptyList() {
        TaskInfo task = MesosJson.parse("{\"name\":\"t\",\"task_id\":{\"value\":\"t\"},\"agent_id\":{\"value\":\"a\"},"
                + "\"command\":{\"value\":\"true\",\"uris\":null}}", TaskInfo.getDefaultInstance());

        assertThat(task.getCommand().getUrisCount()).isZero();
        assertThat(MesosJson.print(task.getCommand())).isEqualTo("{\"shell\":true,\"value\":\"true\"}");
    }

    @Test
    void unknownEnumNameIsDroppedFromOptionalAndRepeatedFields() {
        FrameworkInfo info = MesosJson.parse("{\"user\":\"u\",\"name\":\"n\",\"capabilities\":"
                + "[{\"type\":\"TELEPATHY\"},{\"type\":\"MULTI_ROLE\"}]}", FrameworkInfo.getDefaultInstance());
        CSIPluginContainerInfo csi = MesosJson.merge("{\"services\":[\"NODE_SERVICE\",\"WARP_SERVICE\"]}",
                CSIPluginContainerInfo.newBuilder()).buildPartial();

        assertThat(info.getCapabilities(0).hasType()).isFalse();
        assertThat(info.getCapabilities(1).getType()).isEqualTo(FrameworkInfo.Capability.Type.MULTI_ROLE);
        assertThat(csi.getServicesList()).containsExactly(CSIPluginContainerInfo.Service.NODE_SERVICE);
    }

    @Test
    void unknownEnumNameInRequiredFieldIsAnError() {
        assertThatThrownBy(() -> MesosJson.parse("{\"name\":\"cpus\",\"type\":\"QUANTUM\"}",
                Resource.getDefaultInstance()))
                .isInstanceOf(MesosJsonException.class)
                .hasMessage("field 'type': unknown Type value \"QUANTUM\"");
    }

    @Test
    void mapFieldsAreJsonObjects() {
        String json = "{\"agent_id\":{\"value\":\"a\"},\"limits\":{\"mem\":{\"value\":128.0},"
                + "\"cpus\":{\"value\":1.5}},\"name\":\"t\",\"task_id\":{\"value\":\"t\"}}";

        TaskInfo task = MesosJson.parse(json, TaskInfo.getDefaultInstance());

        assertThat(task.getLimitsMap()).containsOnlyKeys("cpus", "mem");
        assertThat(task.getLimitsMap().get("cpus").getValue()).isEqualTo(1.5);
        assertThat(MesosJson.print(task)).isEqualTo("{\"agent_id\":{\"value\":\"a\"},\"limits\":{\"cpus\":"
                + "{\"value\":1.5},\"mem\":{\"value\":128.0}},\"name\":\"t\",\"task_id\":{\"value\":\"t\"}}");
    }

    @Test
    void frameworkOfferFiltersMapRoundTrips() {
        String json = "{\"checkpoint\":false,\"failover_timeout\":0.0,\"name\":\"n\",\"offer_filters\":{\"eng\":"
                + "{\"min_allocatable_resources\":{\"quantities\":[{\"quantities\":{\"cpus\":{\"value\":0.5}}}]}}},"
                + "\"user\":\"u\"}";

        FrameworkInfo info = MesosJson.parse(json, FrameworkInfo.getDefaultInstance());

        assertThat(info.getOfferFiltersMap()).containsOnlyKeys("eng");
        assertThat(MesosJson.print(info)).isEqualTo(json);
    }

    @Test
    void missingRequiredFieldsAreNamedByPath() {
        assertThatThrownBy(() -> MesosJson.parse(
                "{\"type\":\"SUBSCRIBE\",\"subscribe\":{\"framework_info\":{\"name\":\"x\"}}}",
                Call.getDefaultInstance()))
                .isInstanceOf(MesosJsonException.class)
                .hasMessage("Missing required fields: subscribe.framework_info.user");
        assertThatThrownBy(() -> MesosJson.parse("{}", FrameworkInfo.getDefaultInstance()))
                .hasMessage("Missing required fields: user, name");
    }

    @Test
    void mergeDoesNotCheckRequiredFields() {
        FrameworkInfo.Builder builder = MesosJson.merge("{\"name\":\"x\"}".getBytes(StandardCharsets.UTF_8),
                FrameworkInfo.newBuilder().setUser("kept"));

        assertThat(builder.getUser()).isEqualTo("kept");
        assertThat(builder.getName()).isEqualTo("x");
    }

    @Test
    void wrongTypesNameTheFieldPath() {
        assertThatThrownBy(() -> MesosJson.parse(
                "{\"name\":\"cpus\",\"type\":\"SCALAR\",\"scalar\":{\"value\":\"abc\"}}",
                Resource.getDefaultInstance()))
                .isInstanceOf(MesosJsonException.class)
                .hasMessage("field 'scalar.value': expected a number, got \"abc\"");
        String badMem = ACCEPT_LAUNCH.replace("\"scalar\":{\"value\":128}", "\"scalar\":{\"value\":[128]}");
        assertThatThrownBy(() -> MesosJson.parse(badMem, Call.getDefaultInstance()))
                .hasMessage("field 'accept.operations[0].launch.task_infos[0].resources[1].scalar.value': "
                        + "expected a number, got [128]");
        assertThatThrownBy(() -> MesosJson.parse("{\"user\":7,\"name\":\"n\"}", FrameworkInfo.getDefaultInstance()))
                .hasMessage("field 'user': expected a string, got 7");
        assertThatThrownBy(() -> MesosJson.parse("{\"user\":\"u\",\"name\":\"n\",\"id\":\"f1\"}",
                FrameworkInfo.getDefaultInstance()))
                .hasMessage("field 'id': expected a JSON object, got \"f1\"");
        assertThatThrownBy(() -> MesosJson.merge("{\"checkpoint\":1}", FrameworkInfo.newBuilder()))
                .hasMessage("field 'checkpoint': expected true or false, got 1");
        assertThatThrownBy(() -> MesosJson.merge("{\"uuid\":\"not base64!\"}", TaskStatus.newBuilder()))
                .hasMessage("field 'uuid': expected a base64 string, got \"not base64!\"");
        assertThatThrownBy(() -> MesosJson.merge("{\"limits\":{\"cpus\":{\"value\":true}}}", TaskInfo.newBuilder()))
                .hasMessage("field 'limits[\"cpus\"].value': expected a number, got true");
    }

    @Test
    void aLoneSurrogateIsNotAString() {
        // It has no UTF-8 form: a SUBSCRIBE carrying one was accepted, then the registry could not store it (a 503).
        assertThatThrownBy(() -> MesosJson.parse("{\"user\":\"u\",\"name\":\"a\\ud800b\"}",
                FrameworkInfo.getDefaultInstance()))
                .isInstanceOf(MesosJsonException.class)
                .hasMessage("field 'name': expected a string of Unicode characters, got one with an unpaired"
                        + " surrogate (\\ud800)");
        assertThatThrownBy(() -> MesosJson.parse("{\"user\":\"u\",\"name\":\"\\udca5\"}",
                FrameworkInfo.getDefaultInstance()))
                .hasMessageEndingWith("unpaired surrogate (\\udca5)");
        assertThat(MesosJson.parse("{\"user\":\"u\",\"name\":\"\\ud83d\\udca5\"}",
                FrameworkInfo.getDefaultInstance()).getName()).isEqualTo(new String(Character.toChars(0x1F4A5)));
    }

    @Test
    void integersAreRangeCheckedAndMustBeWhole() {
        assertThatThrownBy(() -> MesosJson.merge("{\"range\":[{\"begin\":1.5,\"end\":2}]}", Value.Ranges.newBuilder()))
                .hasMessage("field 'range[0].begin': expected an integer, got 1.5");
        assertThatThrownBy(() -> MesosJson.merge("{\"range\":[{\"begin\":-1,\"end\":2}]}", Value.Ranges.newBuilder()))
                .hasMessage("field 'range[0].begin': number out of range 0..18446744073709551615, got -1");
        assertThatThrownBy(() -> MesosJson.merge("{\"port\":5000000000}", Address.newBuilder()))
                .hasMessage("field 'port': number out of range -2147483648..2147483647, got 5000000000");
        assertThatThrownBy(() -> MesosJson.merge("{\"ip\":4294967296}", MasterInfo.newBuilder()))
                .hasMessageStartingWith("field 'ip': number out of range 0..4294967295");
        assertThatThrownBy(() -> MesosJson.merge("{\"port\":1e999999999}", Address.newBuilder()))
                .hasMessage("field 'port': number out of range, got 1E+999999999");
        assertThatThrownBy(() -> MesosJson.merge("{\"timestamp\":1e999}", TaskStatus.newBuilder()))
                .hasMessageStartingWith("field 'timestamp': number out of range");
        assertThat(MesosJson.merge("{\"port\":5.05e3}", Address.newBuilder()).getPort()).isEqualTo(5050);
    }

    @Test
    void malformedJsonIsReportedAsSuch() {
        assertThatThrownBy(() -> MesosJson.parse("{\"type\":", Call.getDefaultInstance()))
                .isInstanceOf(MesosJsonException.class)
                .hasMessageStartingWith("Malformed JSON: ");
        assertThatThrownBy(() -> MesosJson.parse("{} {}", Call.getDefaultInstance()))
                .hasMessageStartingWith("Malformed JSON: ").hasMessageEndingWith("(line 1, column 5)");
        assertThatThrownBy(() -> MesosJson.parse(new byte[0], Call.getDefaultInstance()))
                .hasMessage("Expected a JSON object for mesos.v1.scheduler.Call, got nothing");
        assertThatThrownBy(() -> MesosJson.parse("[1]", Call.getDefaultInstance()))
                .hasMessage("Expected a JSON object for mesos.v1.scheduler.Call, got ARRAY");
    }

    @Test
    void aKeyGivenTwiceCountsWithItsLastValueAsInATree() throws Exception {
        String json = """
                {"name":"cpus","name":"mem","type":"SCALAR","scalar":{"value":1},"scalar":{"value":2},
                 "reservations":[{"role":"a"},{"role":"b"}],"reservations":[{"role":"c"}],
                 "role":"x","role":null}
                """;
        Resource expected = Resource.newBuilder().setName("mem").setType(Value.Type.SCALAR)
                .setScalar(Value.Scalar.newBuilder().setValue(2))
                .addReservations(Resource.ReservationInfo.newBuilder().setRole("c")).buildPartial();

        assertThat(mergeStreamed(json, Resource.newBuilder()).buildPartial()).isEqualTo(expected);
        assertThat(MesosJson.merge(json, Resource.newBuilder()).buildPartial()).isEqualTo(expected);
    }

    @Test
    void aMessageInsideALargerDocumentIsReadTokenByTokenAndThoseAfterItAreLeft() throws Exception {
        try (JsonParser p = new ObjectMapper().createParser("""
                [{"value":"a","ignored":{"deep":[1,{"x":2}]}}, {"value":"b"}, "end"]""")) {
            p.nextToken(); // the array
            p.nextToken();
            assertThat(MesosJson.merge(p, TaskID.newBuilder()).build().getValue()).isEqualTo("a");
            p.nextToken();
            assertThat(MesosJson.merge(p, TaskID.newBuilder()).build().getValue()).isEqualTo("b");
            assertThat(p.nextTextValue()).isEqualTo("end");
        }
    }

    @Test
    void aStreamedValueThatIsNotAnObjectOrHasABadFieldIsRefusedAsFromATree() {
        assertThatThrownBy(() -> mergeStreamed("[1]", Call.newBuilder()))
                .isInstanceOf(MesosJsonException.class)
                .hasMessage("Expected a JSON object for mesos.v1.scheduler.Call, got ARRAY");
        assertThatThrownBy(() -> mergeStreamed("{\"port\":5000000000}", Address.newBuilder()))
                .hasMessage("field 'port': number out of range -2147483648..2147483647, got 5000000000");
        assertThatThrownBy(() -> mergeStreamed("{\"id\":\"f1\",\"user\":\"u\"}", FrameworkInfo.newBuilder()))
                .hasMessage("field 'id': expected a JSON object, got \"f1\"");
        assertThatThrownBy(() -> mergeStreamed("{\"scalar\":{\"value\":{\"a\":[1,2]}}}", Resource.newBuilder()))
                .hasMessage("field 'scalar.value': expected a number, got {\"a\":[1,2]}");
    }

    /** Through a parser as the agent protocol's decoder holds one: floats read as doubles, not exact decimals. */
    private static <B extends com.google.protobuf.Message.Builder> B mergeStreamed(String json, B builder)
            throws Exception {
        try (JsonParser p = new ObjectMapper().createParser(json)) {
            p.nextToken();
            return MesosJson.merge(p, builder);
        }
    }

    @Test
    void printBytesIsUtf8OfPrint() {
        TaskStatus status = TaskStatus.newBuilder().setTaskId(TaskID.newBuilder().setValue("t"))
                .setState(TaskState.TASK_FAILED).setMessage("échec \"quoted\" ✓").build();

        assertThat(new String(MesosJson.printBytes(status), StandardCharsets.UTF_8)).isEqualTo(MesosJson.print(status));
        assertThat(MesosJson.parse(MesosJson.printBytes(status), TaskStatus.getDefaultInstance())).isEqualTo(status);
    }

    @Test
    void toJsonIsTheSameDocumentAsATree() {
        FrameworkInfo info = FrameworkInfo.newBuilder().setUser("u").setName("n").setFailoverTimeout(1.5)
                .addRoles("eng").build();

        ObjectNode tree = MesosJson.toJson(info);

        assertThat(tree.toString()).isEqualTo(MesosJson.print(info));
        assertThat(tree.get("failover_timeout").isNumber()).isTrue();
        assertThat(tree.get("failover_timeout").doubleValue()).isEqualTo(1.5);
        assertThat(tree.get("checkpoint").isBoolean()).isTrue();
        assertThat(MesosJson.merge(tree, FrameworkInfo.newBuilder()).build()).isEqualTo(
                info.toBuilder().setCheckpoint(false).build());
    }

    @Test
    void doublesAreFormattedLikeMesos() {
        assertThat(MesosJsonWriter.formatDouble(15)).isEqualTo("15.0");
        assertThat(MesosJsonWriter.formatDouble(0.5)).isEqualTo("0.5");
        assertThat(MesosJsonWriter.formatDouble(-2)).isEqualTo("-2.0");
        assertThat(MesosJsonWriter.formatDouble(1.7123456789e9)).isEqualTo("1.7123456789E9");
        assertThat(MesosJsonWriter.formatDouble(1e20)).isEqualTo("1.0E20");
    }
}
