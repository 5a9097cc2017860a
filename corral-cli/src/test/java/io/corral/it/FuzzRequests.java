package io.corral.it;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.UnknownFieldSet;
import io.corral.protocol.agent.AgentProtocol;
import io.corral.protocol.json.MesosJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;
import org.apache.mesos.v1.scheduler.Protos.Call;

/**
 * What the fuzz test sends: a generated {@link FuzzRequest} is a plan (which call, which mutations, which headers,
 * which of the live ids to use), rendered into bytes only when it is sent, against the world as it is then
 * ({@link #render}). Every choice is a small number whose 0 means "as a well-behaved client would", so that jqwik
 * shrinks a failing request towards the normal one and the report shows what matters.
 *
 * <p>Mutations work on the JSON tree for JSON requests (drop, duplicate keys, wrong types, extreme numbers, odd
 * strings, unknown enum names, nulls, lone values for arrays) and on the protobuf message for protobuf requests
 * (the same, plus NaN and infinities, which JSON cannot carry, unknown enum numbers and wrong wire types).
 */
final class FuzzRequests {
    private FuzzRequests() {}

    enum Template {
        SUBSCRIBE, RESUBSCRIBE_MAIN, TEARDOWN, ACCEPT, DECLINE, KILL, ACKNOWLEDGE, RECONCILE, REVIVE, SUPPRESS,
        UNSUPPORTED, NO_TYPE, AGENT_REGISTER, AGENT_REREGISTER_FUZZ_AGENT, AGENT_UPDATE, AGENT_PONG,
        OPERATOR_GET, OPERATOR_ROLES, OPERATOR_TEARDOWN, OPERATOR_RESERVE, OPERATOR_UNRESERVE,
        OPERATOR_CREATE_VOLUMES, OPERATOR_DESTROY_VOLUMES, OPERATOR_LOGGING, OPERATOR_SUBSCRIBE;

        boolean agent() {
            return name().startsWith("AGENT_");
        }

        boolean operator() {
            return name().startsWith("OPERATOR_");
        }

        /** An operator call on the fuzz agent's reservations or volumes: refused, it must change nothing. */
        boolean changesReservations() {
            return this == OPERATOR_RESERVE || this == OPERATOR_UNRESERVE || this == OPERATOR_CREATE_VOLUMES
                    || this == OPERATOR_DESTROY_VOLUMES;
        }

        boolean opensStream() {
            return this == SUBSCRIBE || this == RESUBSCRIBE_MAIN || this == AGENT_REGISTER
                    || this == AGENT_REREGISTER_FUZZ_AGENT || this == OPERATOR_SUBSCRIBE;
        }
    }

    enum Kind { DROP, DUPLICATE, WRONG_TYPE, NUMBER, STRING, ENUM, NULL, WRAP }

    enum BodyMode { NORMAL, TRUNCATED, RANDOM_BYTES, EMPTY, GARBAGE_SUFFIX, DEEP_NESTING }

    record Mutation(Kind kind, int selector, int variant) {}

    /** Each is 0..99; below the threshold of its resolver the header is what a good client sends. */
    record Headers(int contentType, int secondContentType, int accept, int secondAccept, int streamId,
                   int secondStreamId) {}

    /**
     * Which live ids (or made-up ones) the call uses; each 0..99, 0 the most ordinary. {@code op} (0..9999) chooses
     * the resource operations of an ACCEPT ({@link FuzzReservations#acceptOperations}) and the roles and formats of the operator's
     * reservation calls: its last two digits which operations, the rest how they are written.
     */
    record Refs(int framework, int offer, int task, int uuid, int agent, int number, int extreme, int op) {

        /** From 80 on, one field of the call (which one: {@code slot}) holds a well-formed but odd value. */
        boolean extreme(int slot, int slots) {
            return extreme >= 80 && extreme % slots == slot;
        }

        double number(int slot, int slots, double normal) {
            return extreme(slot, slots) ? EXTREME_NUMBERS[(extreme / slots) % EXTREME_NUMBERS.length] : normal;
        }

        String id(int slot, int slots, String normal) {
            return extreme(slot, slots) ? EXTREME_IDS[(extreme / slots) % EXTREME_IDS.length] : normal;
        }
    }

    /** Numbers a JSON (or protobuf) client can send where a size, a timeout or an amount is expected. */
    static final double[] EXTREME_NUMBERS = {-1, -5, 1e300, 0, -0.0, 1e12, 1e12 + 1, 1e10, 1e-9,
        (double) Long.MAX_VALUE, 2.5e-4, -1e300, 9.3e9};

    /** Ids that Mesos refuses (they would name directories or znodes), and some it accepts. */
    static final String[] EXTREME_IDS = {"", ".", "..", "a/b", "../../../tmp/fuzz-escape", "\u0001", "tab\tid", "\\",
        "i".repeat(256), " ", "\u00e9t\u00e9", "%2F", "x\u0000y", "...", "a\\b"};

    record FuzzRequest(Template template, boolean protobuf, List<Mutation> mutations, BodyMode body,
                       int bodyVariant, Headers headers, Refs refs, int route) {}

    // ---- generation ----

    static Arbitrary<FuzzRequest> requests() {
        Arbitrary<Template> template = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.just(Template.SUBSCRIBE)),
                Tuple.of(1, Arbitraries.just(Template.RESUBSCRIBE_MAIN)),
                Tuple.of(2, Arbitraries.just(Template.TEARDOWN)),
                Tuple.of(26, Arbitraries.just(Template.ACCEPT)),
                Tuple.of(6, Arbitraries.just(Template.DECLINE)),
                Tuple.of(6, Arbitraries.just(Template.KILL)),
                Tuple.of(6, Arbitraries.just(Template.ACKNOWLEDGE)),
                Tuple.of(5, Arbitraries.just(Template.RECONCILE)),
                Tuple.of(3, Arbitraries.just(Template.REVIVE)),
                Tuple.of(2, Arbitraries.just(Template.SUPPRESS)),
                Tuple.of(3, Arbitraries.just(Template.UNSUPPORTED)),
                Tuple.of(1, Arbitraries.just(Template.NO_TYPE)),
                Tuple.of(6, Arbitraries.just(Template.AGENT_REGISTER)),
                Tuple.of(1, Arbitraries.just(Template.AGENT_REREGISTER_FUZZ_AGENT)),
                Tuple.of(10, Arbitraries.just(Template.AGENT_UPDATE)),
                Tuple.of(2, Arbitraries.just(Template.AGENT_PONG)),
                Tuple.of(6, Arbitraries.just(Template.OPERATOR_GET)),
                Tuple.of(3, Arbitraries.just(Template.OPERATOR_ROLES)),
                Tuple.of(1, Arbitraries.just(Template.OPERATOR_TEARDOWN)),
                Tuple.of(5, Arbitraries.just(Template.OPERATOR_RESERVE)),
                Tuple.of(3, Arbitraries.just(Template.OPERATOR_UNRESERVE)),
                Tuple.of(3, Arbitraries.just(Template.OPERATOR_CREATE_VOLUMES)),
                Tuple.of(2, Arbitraries.just(Template.OPERATOR_DESTROY_VOLUMES)),
                Tuple.of(1, Arbitraries.just(Template.OPERATOR_LOGGING)),
                Tuple.of(2, Arbitraries.just(Template.OPERATOR_SUBSCRIBE)));
        Arbitrary<Boolean> protobuf = Arbitraries.frequencyOf(
                Tuple.of(55, Arbitraries.just(false)), Tuple.of(45, Arbitraries.just(true)));
        Arbitrary<Mutation> mutation = Combinators.combine(Arbitraries.of(Kind.class),
                Arbitraries.integers().between(0, 10_000), Arbitraries.integers().between(0, 10_000))
                .as(Mutation::new);
        Arbitrary<List<Mutation>> mutations = Arbitraries.frequencyOf(
                Tuple.of(35, Arbitraries.just(List.of())),
                Tuple.of(40, mutation.list().ofSize(1)),
                Tuple.of(25, mutation.list().ofMinSize(2).ofMaxSize(4)));
        Arbitrary<BodyMode> body = Arbitraries.frequencyOf(
                Tuple.of(84, Arbitraries.just(BodyMode.NORMAL)),
                Tuple.of(6, Arbitraries.just(BodyMode.TRUNCATED)),
                Tuple.of(3, Arbitraries.just(BodyMode.RANDOM_BYTES)),
                Tuple.of(2, Arbitraries.just(BodyMode.EMPTY)),
                Tuple.of(3, Arbitraries.just(BodyMode.GARBAGE_SUFFIX)),
                Tuple.of(2, Arbitraries.just(BodyMode.DEEP_NESTING)));
        Arbitrary<Integer> percent = Arbitraries.integers().between(0, 99);
        Arbitrary<Headers> headers = Combinators.combine(percent, percent, percent, percent, percent, percent)
                .as(Headers::new);
        Arbitrary<Refs> refs = Combinators.combine(percent, percent, percent, percent, percent, percent, percent,
                        Arbitraries.integers().between(0, 9_999))
                .as(Refs::new);
        return Combinators.combine(template, protobuf, mutations, body,
                        Arbitraries.integers().between(0, 1_000_000), headers, refs, percent)
                .as(FuzzRequest::new);
    }

    // ---- rendering ----

    /**
     * A request ready to send. {@code offerIds} are the live offers it names (the world forgets them once the master
     * accepted the call); {@code summary} shows it in failure reports.
     */
    record Rendered(FuzzHttp.Request request, boolean opensStream, List<String> offerIds, String summary) {}

    static Rendered render(FuzzRequest plan, FuzzWorld world) {
        Template template = plan.template();
        boolean agent = template.agent();
        boolean operator = template.operator();
        boolean protobuf = agent ? plan.protobuf() && plan.bodyVariant() % 4 == 0 : plan.protobuf();
        List<String> offerIds = new ArrayList<>();
        ObjectNode tree = agent ? agentCall(plan, world)
                : operator ? FuzzOperatorCalls.call(plan, world) : schedulerCall(plan, world, offerIds);

        IdentityHashMap<JsonNode, Map<String, JsonNode>> duplicates = new IdentityHashMap<>();
        byte[] body;
        if (protobuf && !agent) {
            Message.Builder call = operator ? org.apache.mesos.v1.master.Protos.Call.newBuilder()
                    : Call.newBuilder();
            boolean asProto = true;
            try {
                MesosJson.merge(tree, call);
            } catch (RuntimeException e) {
                asProto = false;
            }
            if (asProto) {
                for (Mutation mutation : plan.mutations()) {
                    ProtoMutator.apply(call, mutation);
                }
                body = call.buildPartial().toByteArray();
            } else {
                body = writeJson(tree, duplicates);
            }
        } else {
            for (Mutation mutation : plan.mutations()) {
                JsonMutator.apply(tree, mutation, duplicates);
            }
            body = writeJson(tree, duplicates);
        }
        body = shapeBody(body, plan.body(), plan.bodyVariant(), protobuf);

        String path = agent ? AgentProtocol.PATH : operator ? "/api/v1" : "/api/v1/scheduler";
        String method = "POST";
        int route = plan.route();
        if (route >= 94) {
            String[][] variants = {
                {"GET", path}, {"PUT", path}, {"DELETE", path}, {"POST", "/master" + path},
                {"POST", path + "/"}, {"POST", path + "?x=%00&y"}, {"POST", path.replace("/v1/", "/v1//")},
                {"POST", path.toUpperCase()}, {"PATCH", path},
                {"POST", agent ? "/api/v1/scheduler" : AgentProtocol.PATH}};
            String[] variant = variants[Math.floorMod(plan.bodyVariant() + route, variants.length)];
            method = variant[0];
            path = variant[1];
        }

        List<Map.Entry<String, String>> headers = new ArrayList<>();
        String mediaType = protobuf ? "application/x-protobuf" : "application/json";
        Headers h = plan.headers();
        String contentType = pick(h.contentType(), 90, mediaType, CONTENT_TYPES);
        if (contentType != null) {
            headers.add(Map.entry("Content-Type", contentType));
        }
        if (h.secondContentType() >= 95) {
            headers.add(Map.entry("Content-Type", CONTENT_TYPES.get(h.secondContentType() % CONTENT_TYPES.size())
                    .orElse(protobuf ? "application/json" : "application/x-protobuf")));
        }
        String accept = pick(h.accept(), 80, null, ACCEPTS);
        if (accept == null && h.accept() >= 50 && h.accept() < 80) {
            accept = agent || plan.refs().number() % 2 == 0 ? "application/json" : "application/x-protobuf";
        }
        if (accept != null) {
            headers.add(Map.entry("Accept", accept));
        }
        if (h.secondAccept() >= 90) {
            headers.add(Map.entry("Accept", ACCEPTS.get(h.secondAccept() % ACCEPTS.size()).orElse("*/*")));
        }
        String streamHeader = agent ? AgentProtocol.STREAM_ID_HEADER : SchedulerHeaders.STREAM_ID;
        FuzzWorld.Scheduler actor = actor(plan.refs(), world);
        String normalStream = template.opensStream() || operator ? null
                : agent ? world.agentStreamId : actor.streamId;
        String streamId = h.streamId() < 80 ? normalStream : streamIdVariant(h.streamId(), agent, actor, world);
        if (streamId != null) {
            headers.add(Map.entry(streamHeader, streamId));
        }
        if (h.secondStreamId() >= 95) {
            headers.add(Map.entry(streamHeader, streamIdVariant(h.secondStreamId(), agent, actor, world) + ""));
        }

        FuzzHttp.Request request = new FuzzHttp.Request(method, path, headers, body);
        return new Rendered(request, template.opensStream(), offerIds, summary(request, protobuf));
    }

    /** Values of one header: index 0 of a plan's range keeps {@code normal}; {@code Optional.empty()} means absent. */
    private static String pick(int choice, int normalBelow, String normal,
                               List<java.util.Optional<String>> alternatives) {
        if (choice < normalBelow) {
            return normal;
        }
        return alternatives.get((choice - normalBelow) % alternatives.size()).orElse(null);
    }

    private static final List<java.util.Optional<String>> CONTENT_TYPES = options(null,
            "application/json; charset=utf-8", "APPLICATION/JSON", "text/plain", "", ";", " ; ",
            "application/x-protobuf;q=0.1", "application/json, application/x-protobuf", "*/*", "application/", "/",
            "x".repeat(300), "application/json;;;;", "application/x-protobuf ", "application/jsonx",
            "application/json;charset=\"", "multipart/form-data; boundary=x");

    private static final List<java.util.Optional<String>> ACCEPTS = options(null, ";", "", "*", "*/*", ",",
            ";;;", ",;,", "application/*;q=0.5", "text/html", "application/json;q=abc", "application/json;q=2",
            "q=1", "*/*;q=0", ";q=1", "application/x-protobuf;q=0, application/json;q=0", "/", "a/",
            "application/json;q=", "application/json;q=NaN", "application/x-protobuf;q=1e-400",
            String.join(",", java.util.Collections.nCopies(400, "text/x-fuzz;q=0.1")),
            "application/json;q=0.5;q=0.9", "*/x-protobuf", "application/x-protobuf;q=0.9, application/json;q=0.8",
            "*;q=0.1", "application/json;q=-1", "application/json ;q = 0.3", ";;application/json");

    private static List<java.util.Optional<String>> options(String... values) {
        List<java.util.Optional<String>> options = new ArrayList<>();
        for (String value : values) {
            options.add(java.util.Optional.ofNullable(value));
        }
        return options;
    }

    private static String streamIdVariant(int choice, boolean agent, FuzzWorld.Scheduler actor, FuzzWorld world) {
        List<String> old = agent ? world.oldAgentStreamIds : actor.oldStreamIds;
        return switch (choice % 9) {
            case 0 -> null;
            case 1 -> UUID.randomUUID().toString();
            case 2 -> "";
            case 3 -> "s".repeat(2000);
            case 4 -> old.isEmpty() ? "no-old-stream" : old.get(choice % old.size());
            case 5 -> agent ? actor.streamId : choice % 2 == 0 ? world.agentStreamId
                    : (actor == world.main ? world.rival : world.main).streamId;
            case 6 -> "\u0001abc";
            case 7 -> " " + (agent ? world.agentStreamId : actor.streamId) + " ";
            default -> "../" + UUID.randomUUID();
        };
    }

    // ---- the calls, as a well-behaved client would send them ----

    /** The well-behaved framework whose stream (and, mostly, id) the call uses. */
    static FuzzWorld.Scheduler actor(Refs refs, FuzzWorld world) {
        boolean main = refs.framework() < 45 || (refs.framework() >= 75 && refs.framework() % 2 == 0);
        return main ? world.main : world.rival;
    }

    private static FuzzWorld.Scheduler other(FuzzWorld.Scheduler actor, FuzzWorld world) {
        return actor == world.main ? world.rival : world.main;
    }

    private static ObjectNode schedulerCall(FuzzRequest plan, FuzzWorld world, List<String> offerIds) {
        Refs refs = plan.refs();
        ObjectNode call = FuzzWorld.JSON.createObjectNode();
        FuzzWorld.Scheduler actor = actor(refs, world);
        String framework = frameworkId(refs.framework(), plan.template() == Template.TEARDOWN, actor, world);
        switch (plan.template()) {
            case SUBSCRIBE -> {
                call.put("type", "SUBSCRIBE");
                // A framework may subscribe with an id it chose (or a failed-over master gave it).
                String id = refs.id(1, 3, refs.task() < 20 ? "fw-" + refs.task() : null);
                if (id != null) {
                    call.putObject("framework_id").put("value", id);
                }
                frameworkInfo(call.putObject("subscribe").putObject("framework_info"), refs, id);
            }
            case RESUBSCRIBE_MAIN -> {
                call.put("type", "SUBSCRIBE");
                call.putObject("framework_id").put("value", actor.id);
                frameworkInfo(call.putObject("subscribe").putObject("framework_info"), refs, actor.id);
            }
            case TEARDOWN -> {
                call.put("type", "TEARDOWN");
                putId(call, "framework_id", framework);
            }
            case ACCEPT -> {
                call.put("type", "ACCEPT");
                putId(call, "framework_id", framework);
                ObjectNode accept = call.putObject("accept");
                offerIds(accept.putArray("offer_ids"), refs, actor, world, offerIds);
                String offerAgent = offerIds.isEmpty() ? null : actor.offerAgent(offerIds.get(0));
                ArrayNode operations = accept.putArray("operations");
                List<ObjectNode> volumes = FuzzReservations.acceptOperations(operations, plan, actor,
                        offerIds.isEmpty() ? List.of() : actor.offerResources(offerIds.get(0)));
                ObjectNode launch = operations.addObject().put("type", "LAUNCH");
                ArrayNode taskInfos = launch.putObject("launch").putArray("task_infos");
                int tasks = refs.number() % 5 == 0 ? 2 : 1;
                for (int i = 0; i < tasks; i++) {
                    ObjectNode task = taskInfos.addObject();
                    taskInfo(task, refs, i, agentId(refs.agent(), offerAgent, world), plan, actor.role);
                    if (i == 0) {
                        volumes.forEach(volume -> ((ArrayNode) task.get("resources")).add(volume.deepCopy()));
                    }
                }
                underExecutors(launch, taskInfos, refs);
                if (refs.number() % 13 != 3) { // else Mesos's default filter: 5 s
                    accept.putObject("filters").put("refuse_seconds",
                            refs.number(4, 5, refs.number() % 13 == 5 ? 0.2 : 0));
                }
            }
            case DECLINE -> {
                call.put("type", "DECLINE");
                putId(call, "framework_id", framework);
                ObjectNode decline = call.putObject("decline");
                offerIds(decline.putArray("offer_ids"), refs, actor, world, offerIds);
                decline.putObject("filters").put("refuse_seconds",
                        refs.number(0, 1, refs.number() % 9 == 0 ? 0.2 : 0));
            }
            case KILL -> {
                call.put("type", "KILL");
                putId(call, "framework_id", framework);
                ObjectNode kill = call.putObject("kill");
                putId(kill, "task_id", refs.id(0, 2, taskId(refs.task(), world)));
                putId(kill, "agent_id", agentId(refs.agent(), world.agentId, world));
                if (refs.number() % 2 == 0 || refs.extreme(1, 2)) {
                    long[] odd = {-1, Long.MIN_VALUE, Long.MAX_VALUE, 0};
                    kill.putObject("kill_policy").putObject("grace_period").put("nanoseconds",
                            refs.extreme(1, 2) ? odd[(refs.extreme() / 2) % odd.length] : 1_000_000);
                }
            }
            case ACKNOWLEDGE -> {
                call.put("type", "ACKNOWLEDGE");
                putId(call, "framework_id", framework);
                ObjectNode ack = call.putObject("acknowledge");
                FuzzWorld.Update update = (refs.uuid() % 5 == 4 ? other(actor, world) : actor).someUpdate(refs.task());
                String task = update != null && refs.task() < 60 ? update.taskId() : taskId(refs.task(), world);
                putId(ack, "agent_id", agentId(refs.agent(), update != null ? update.agentId() : world.agentId,
                        world));
                putId(ack, "task_id", task);
                ack.put("uuid", uuid(refs.uuid(), update));
            }
            case RECONCILE -> {
                call.put("type", "RECONCILE");
                putId(call, "framework_id", framework);
                ArrayNode tasks = call.putObject("reconcile").putArray("tasks");
                for (int i = 0; i < refs.number() % 3; i++) {
                    ObjectNode task = tasks.addObject();
                    putId(task, "task_id", refs.id(0, 1, taskId(refs.task() + i, world)));
                    putId(task, "agent_id", agentId(refs.agent() + i * 7, world.agentId, world));
                }
            }
            case REVIVE, SUPPRESS -> {
                String type = plan.template().name();
                call.put("type", type);
                putId(call, "framework_id", framework);
                if (refs.number() % 2 == 0) {
                    call.putObject(type.toLowerCase()).putArray("roles").add("*");
                }
            }
            case UNSUPPORTED -> unsupported(call, refs, framework, world);
            case NO_TYPE -> {
                putId(call, "framework_id", framework);
                call.putObject("revive");
            }
            default -> throw new IllegalStateException(plan.template().name());
        }
        return call;
    }

    private static void unsupported(ObjectNode call, Refs refs, String framework, FuzzWorld world) {
        putId(call, "framework_id", framework);
        switch (refs.number() % 8) {
            case 0 -> {
                call.put("type", "SHUTDOWN");
                ObjectNode shutdown = call.putObject("shutdown");
                putId(shutdown, "executor_id", "e-1");
                putId(shutdown, "agent_id", world.agentId);
            }
            case 1 -> {
                call.put("type", "MESSAGE");
                ObjectNode message = call.putObject("message");
                putId(message, "agent_id", world.agentId);
                putId(message, "executor_id", "e-1");
                message.put("data", "aGVsbG8=");
            }
            case 2 -> {
                call.put("type", "REQUEST");
                call.putObject("request").putArray("requests").addObject().putArray("resources")
                        .add(FuzzWorld.scalar("cpus", 1));
            }
            case 3 -> {
                call.put("type", "UPDATE_FRAMEWORK");
                frameworkInfo(call.putObject("update_framework").putObject("framework_info"), refs, framework);
            }
            case 4 -> {
                call.put("type", "ACCEPT_INVERSE_OFFERS");
                call.putObject("accept_inverse_offers").putArray("inverse_offer_ids").addObject().put("value", "i");
            }
            case 5 -> {
                call.put("type", "RECONCILE_OPERATIONS");
                call.putObject("reconcile_operations").putArray("operations");
            }
            case 6 -> {
                call.put("type", "ACKNOWLEDGE_OPERATION_STATUS");
                ObjectNode ack = call.putObject("acknowledge_operation_status");
                putId(ack, "agent_id", world.agentId);
                ack.put("uuid", Base64.getEncoder().encodeToString(new byte[16]));
                putId(ack, "operation_id", "op-1");
            }
            default -> call.put("type", "UNKNOWN");
        }
    }

    private static void frameworkInfo(ObjectNode info, Refs refs, String id) {
        info.put("user", "fuzz");
        info.put("name", "fuzz-" + refs.number());
        info.put("failover_timeout", refs.number(0, 3, switch (refs.number() % 4) {
            case 0 -> 0;
            case 1 -> 1;
            case 2 -> 5;
            default -> 3600;
        }));
        if (refs.number() % 5 == 0) {
            info.putArray("capabilities").addObject().put("type", "MULTI_ROLE");
            info.putArray("roles").add("fuzz-role");
        } else {
            info.put("role", refs.id(2, 3, "*"));
            if (refs.number() % 3 == 0) {
                info.putArray("capabilities").addObject().put("type", "PARTITION_AWARE");
            }
        }
        if (id != null) {
            info.putObject("id").put("value", id);
        }
    }

    private static void taskInfo(ObjectNode task, Refs refs, int index, String agentId, FuzzRequest plan,
                                 String role) {
        // A small id space now and then: the same id again (a duplicate), or the other framework's id.
        int space = refs.number() % 3 == 0 ? 20 : 100_000;
        String id = refs.id(2, 5, "t-" + (plan.bodyVariant() % space) + (index > 0 ? "-" + index : ""));
        task.put("name", "fuzz-task");
        putId(task, "task_id", id);
        putId(task, "agent_id", agentId);
        ArrayNode resources = task.putArray("resources");
        double cpus = refs.number(0, 5, 0.1 * (1 + refs.number() % 4));
        double mem = refs.number(1, 5, 16 * (1 + refs.number() % 8));
        ObjectNode c = resources.addObject().setAll(FuzzWorld.scalar("cpus", cpus));
        ObjectNode m = resources.addObject().setAll(FuzzWorld.scalar("mem", mem));
        if (refs.number() % 2 == 0) {
            c.putObject("allocation_info").put("role", role);
            m.putObject("allocation_info").put("role", role);
        }
        if (refs.number() % 6 == 1 || refs.extreme(3, 5)) {
            ObjectNode ports = resources.addObject();
            ports.put("name", "ports");
            ports.put("type", "RANGES");
            ObjectNode range = ports.putObject("ranges").putArray("range").addObject();
            long begin = 31000 + refs.number();
            long[][] odd = {{32000, 31000}, {0, Long.MAX_VALUE}, {-1, 5}, {31000, 40000}, {65535, 65536}};
            long[] bounds = refs.extreme(3, 5) ? odd[(refs.extreme() / 5) % odd.length] : new long[] {begin, begin};
            range.put("begin", bounds[0]);
            range.put("end", bounds[1]);
        }
        ObjectNode command = task.putObject("command");
        command.put("shell", true);
        command.put("value", "true");
    }

    /**
     * Now and then the tasks of an ACCEPT run under an executor: each with a custom one (LAUNCH), or all as a group
     * under the default one (LAUNCH_GROUP); the executor's id, type and resources vary like the rest.
     */
    private static void underExecutors(ObjectNode launch, ArrayNode taskInfos, Refs refs) {
        switch (refs.number() % 11) {
            case 1 -> taskInfos.forEach(task -> {
                ((ObjectNode) task).remove("command");
                executorInfo(((ObjectNode) task).putObject("executor"), refs, "CUSTOM");
            });
            case 2 -> {
                launch.put("type", "LAUNCH_GROUP");
                launch.remove("launch");
                ObjectNode group = launch.putObject("launch_group");
                executorInfo(group.putObject("executor"), refs, "DEFAULT");
                group.putObject("task_group").set("tasks", taskInfos);
            }
            default -> { }
        }
    }

    private static void executorInfo(ObjectNode executor, Refs refs, String type) {
        if (refs.number() % 4 != 0) { // else untyped, as older frameworks send it
            executor.put("type", type);
        }
        putId(executor, "executor_id", refs.id(1, 6, "e-" + refs.number() % 3));
        if (type.equals("CUSTOM")) {
            executor.putObject("command").put("shell", true).put("value", "true");
        }
        ArrayNode resources = executor.putArray("resources");
        resources.addObject().setAll(FuzzWorld.scalar("cpus", refs.number(2, 6, 0.1)));
        resources.addObject().setAll(FuzzWorld.scalar("mem", 32));
        if (type.equals("DEFAULT")) {
            resources.addObject().setAll(FuzzWorld.scalar("disk", 10));
        }
    }

    static String frameworkId(int choice, boolean teardown, FuzzWorld.Scheduler actor, FuzzWorld world) {
        if (teardown ? choice % 5 == 0 : choice < 75) {
            return actor.id;
        }
        if (choice < 79) {
            return other(actor, world).id; // right id, wrong stream
        }
        if (choice < 84 && !world.otherFrameworkIds.isEmpty()) {
            return world.otherFrameworkIds.get(choice % world.otherFrameworkIds.size());
        }
        if (choice < 90) {
            return actor.id + "-" + choice;
        }
        if (choice < 95) {
            return world.agentId;
        }
        return null;
    }

    private static void offerIds(ArrayNode ids, Refs refs, FuzzWorld.Scheduler actor, FuzzWorld world,
                                 List<String> used) {
        int choice = refs.offer();
        if (choice < 72 && other(actor, world).newestOffer() == null) { // else the other one holds the agent
            actor.awaitOffer(25);
        }
        String newest = actor.newestOffer();
        List<String> chosen = new ArrayList<>();
        if (choice < 65) {
            chosen.add(newest);
        } else if (choice < 72) {
            chosen.add(newest);
            chosen.add(newest);
        } else if (choice < 80) {
            chosen.add(actor.staleOffer());
        } else if (choice < 83) {
            chosen.add("O-" + choice);
        } else if (choice < 86) {
            chosen.add(other(actor, world).newestOffer()); // another framework's offer
        } else if (choice < 92) {
            chosen.add(newest);
            chosen.add("O-" + choice);
        } else if (choice < 96) {
            chosen.add(actor.id); // the wrong kind of id
        }
        for (String id : chosen) {
            String value = id != null ? id : "no-offer-yet";
            ids.addObject().put("value", value);
            if (id != null && id.equals(newest)) {
                used.add(id);
            }
        }
    }

    static String agentId(int choice, String normal, FuzzWorld world) {
        if (choice < 80) {
            return normal != null ? normal : world.agentId;
        }
        if (choice < 88 && !world.otherAgentIds.isEmpty()) {
            return world.otherAgentIds.get(choice % world.otherAgentIds.size());
        }
        if (choice < 94) {
            return world.agentId + "-" + choice;
        }
        return null;
    }

    private static String taskId(int choice, FuzzWorld world) {
        if (choice < 60) {
            String launched = world.someLaunchedTask(choice);
            if (launched != null) {
                return launched;
            }
        }
        if (choice < 90) {
            return "t-" + choice;
        }
        return "";
    }

    private static String uuid(int choice, FuzzWorld.Update update) {
        if (choice < 60 && update != null) {
            return update.uuid();
        }
        int length = choice < 75 ? 16 : choice < 85 ? 15 : choice < 90 ? 0 : 17;
        byte[] bytes = new byte[length];
        new Random(choice).nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    static void putId(ObjectNode parent, String field, String value) {
        if (value != null) {
            parent.putObject(field).put("value", value);
        }
    }

    // ---- the agent protocol ----

    private static final String[] TASK_STATES = {"TASK_RUNNING", "TASK_FINISHED", "TASK_STARTING", "TASK_FAILED",
        "TASK_KILLED", "TASK_LOST", "TASK_ERROR", "TASK_STAGING", "TASK_KILLING", "TASK_DROPPED", "TASK_UNREACHABLE",
        "TASK_GONE", "TASK_GONE_BY_OPERATOR", "TASK_UNKNOWN"};

    private static ObjectNode agentCall(FuzzRequest plan, FuzzWorld world) {
        Refs refs = plan.refs();
        ObjectNode call = FuzzWorld.JSON.createObjectNode();
        switch (plan.template()) {
            case AGENT_REGISTER, AGENT_REREGISTER_FUZZ_AGENT -> {
                boolean fuzzAgent = plan.template() == Template.AGENT_REREGISTER_FUZZ_AGENT;
                call.put("type", "REGISTER");
                ObjectNode register = call.putObject("register");
                register.put("protocol_version", AgentProtocol.VERSION);
                ObjectNode info = register.putObject("agent_info");
                info.put("hostname", "fuzz-fake-" + refs.number());
                info.put("port", 5051);
                String id = refs.id(2, 4,
                        fuzzAgent ? world.agentId : refs.agent() < 50 ? null : "fake-" + refs.agent());
                if (fuzzAgent && refs.number() % 2 == 0) {
                    ArrayNode small = info.putArray("resources");
                    small.add(FuzzWorld.scalar("cpus", 0.1));
                    small.add(FuzzWorld.scalar("mem", 16));
                } else {
                    ArrayNode resources = FuzzWorld.agentResources();
                    resources.set(0, FuzzWorld.scalar("cpus", refs.number(0, 4, 8)));
                    resources.set(1, FuzzWorld.scalar("mem", refs.number(1, 4, 8192)));
                    info.set("resources", resources);
                }
                if (id != null) {
                    putId(call, "agent_id", id);
                    putId(info, "id", id);
                }
                if (refs.task() < 40) {
                    ObjectNode running = register.putArray("tasks").addObject();
                    putId(running, "framework_id", (refs.framework() % 2 == 0 ? world.main : world.rival).id);
                    ObjectNode task = running.putObject("task");
                    task.put("name", "reported");
                    String taskId = refs.task() < 20 && world.someLaunchedTask(refs.task()) != null
                            ? world.someLaunchedTask(refs.task()) : "reported-" + refs.task();
                    putId(task, "task_id", taskId);
                    putId(task, "agent_id", refs.agent() % 3 == 0 ? world.agentId : id);
                    ArrayNode resources = task.putArray("resources");
                    resources.add(FuzzWorld.scalar("cpus", refs.number(3, 4, 0.5)));
                    resources.add(FuzzWorld.scalar("mem", 64));
                    task.putObject("command").put("value", "true");
                    ObjectNode status = running.putObject("latest_status");
                    putId(status, "task_id", taskId);
                    status.put("state", TASK_STATES[refs.uuid() % TASK_STATES.length]);
                    if (refs.uuid() % 2 == 0) {
                        ObjectNode framework = register.putArray("frameworks").addObject();
                        framework.put("user", "fuzz");
                        framework.put("name", "reported-framework");
                        putId(framework, "id", refs.framework() < 50 ? world.main.id : "reported-fw");
                    }
                }
            }
            case AGENT_UPDATE -> {
                call.put("type", "UPDATE");
                putId(call, "agent_id", agentId(refs.agent(), world.agentId, world));
                ObjectNode update = call.putObject("update");
                String[] launched = world.someLaunched(refs.task());
                boolean own = launched != null && refs.task() < 60 && refs.framework() < 60;
                putId(update, "framework_id", own ? launched[0]
                        : frameworkId(refs.framework(), false, actor(refs, world), world));
                ObjectNode status = update.putObject("status");
                String task = refs.id(0, 2, own ? launched[1] : taskId(refs.task(), world));
                putId(status, "task_id", task);
                status.put("state", TASK_STATES[refs.number() % TASK_STATES.length]);
                status.put("source", "SOURCE_EXECUTOR");
                putId(status, "agent_id", world.agentId);
                status.put("timestamp", refs.number(1, 2, 1.7e9));
                status.put("message", "fuzz");
                byte[] uuid = new byte[16];
                new Random(plan.bodyVariant()).nextBytes(uuid);
                status.put("uuid", Base64.getEncoder().encodeToString(uuid));
            }
            case AGENT_PONG -> {
                call.put("type", "PONG");
                putId(call, "agent_id", agentId(refs.agent(), world.agentId, world));
            }
            default -> throw new IllegalStateException(plan.template().name());
        }
        return call;
    }

    // ---- bodies ----

    private static byte[] shapeBody(byte[] body, BodyMode mode, int variant, boolean protobuf) {
        Random random = new Random(variant);
        return switch (mode) {
            case NORMAL -> body;
            case TRUNCATED -> java.util.Arrays.copyOf(body, body.length == 0 ? 0 : variant % body.length);
            case RANDOM_BYTES -> {
                byte[] bytes = new byte[variant % 3000];
                random.nextBytes(bytes);
                yield bytes;
            }
            case EMPTY -> new byte[0];
            case GARBAGE_SUFFIX -> {
                byte[] suffix = new byte[1 + variant % 50];
                random.nextBytes(suffix);
                byte[] all = java.util.Arrays.copyOf(body, body.length + suffix.length);
                System.arraycopy(suffix, 0, all, body.length, suffix.length);
                yield all;
            }
            case DEEP_NESTING -> protobuf ? deepProtobuf(2000 + variant % 20_000) : deepJson(2000 + variant % 100_000);
        };
    }

    private static byte[] deepJson(int depth) {
        StringBuilder json = new StringBuilder("{\"type\":\"ACCEPT\",\"accept\":");
        json.append("[".repeat(depth)).append("]".repeat(depth)).append('}');
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Start-group tags of an unknown field, nested far beyond protobuf's recursion limit. */
    private static byte[] deepProtobuf(int depth) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int field = 999;
        int start = (field << 3) | 3;
        int end = (field << 3) | 4;
        for (int i = 0; i < depth; i++) {
            writeVarint(bytes, start);
        }
        for (int i = 0; i < depth; i++) {
            writeVarint(bytes, end);
        }
        return bytes.toByteArray();
    }

    private static void writeVarint(ByteArrayOutputStream out, long value) {
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }

    private static String summary(FuzzHttp.Request request, boolean protobuf) {
        StringBuilder text = new StringBuilder(request.method()).append(' ').append(request.target());
        for (Map.Entry<String, String> header : request.headers()) {
            String value = visible(header.getValue());
            text.append(" [").append(header.getKey()).append(": ")
                    .append(value.length() > 80 ? value.substring(0, 80) + "...(" + value.length() + ")" : value)
                    .append(']');
        }
        byte[] body = request.body();
        String shown;
        if (protobuf) {
            shown = "protobuf " + HexFormat.of().formatHex(body, 0, Math.min(body.length, 400));
        } else {
            shown = new String(body, 0, Math.min(body.length, 1500), StandardCharsets.UTF_8);
        }
        return text.append(' ').append(shown).append(body.length > 1500 ? "...(" + body.length + " bytes)" : "")
                .toString();
    }

    /** Control characters as Java escapes, so that a report shows them. */
    private static String visible(String text) {
        StringBuilder shown = new StringBuilder();
        text.chars().forEach(c -> shown.append(c < 0x20 || c == 0x7f ? String.format("\\u%04x", c) : (char) c));
        return shown.toString();
    }

    // ---- JSON: writing (with duplicate keys) and mutating ----

    static byte[] writeJson(JsonNode tree, IdentityHashMap<JsonNode, Map<String, JsonNode>> duplicates) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator out = FuzzWorld.JSON.getFactory().createGenerator(bytes)) {
            write(out, tree, duplicates);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void write(JsonGenerator out, JsonNode node, IdentityHashMap<JsonNode, Map<String, JsonNode>> dups)
            throws IOException {
        if (node.isObject()) {
            out.writeStartObject();
            Map<String, JsonNode> again = dups.get(node);
            for (var field : (Iterable<Map.Entry<String, JsonNode>>) node::fields) {
                out.writeFieldName(field.getKey());
                write(out, field.getValue(), dups);
                if (again != null && again.containsKey(field.getKey())) {
                    out.writeFieldName(field.getKey());
                    write(out, again.get(field.getKey()), dups);
                }
            }
            out.writeEndObject();
        } else if (node.isArray()) {
            out.writeStartArray();
            for (JsonNode element : node) {
                write(out, element, dups);
            }
            out.writeEndArray();
        } else {
            out.writeTree(node);
        }
    }

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    static final List<JsonNode> NUMBERS = List.of(IntNode.valueOf(-1), DoubleNode.valueOf(-5),
            DoubleNode.valueOf(1e300), TextNode.valueOf("NaN"), TextNode.valueOf("Infinity"),
            TextNode.valueOf("-Infinity"), DecimalNode.valueOf(new BigDecimal("1e309")),
            LongNode.valueOf(Long.MAX_VALUE), BigIntegerNode.valueOf(BigInteger.TWO.pow(64)),
            DecimalNode.valueOf(new BigDecimal("-9223372036854775809")), DoubleNode.valueOf(0.0),
            DoubleNode.valueOf(-0.0), DoubleNode.valueOf(1e-300), TextNode.valueOf("12abc"), TextNode.valueOf("-1"),
            TextNode.valueOf(""), DoubleNode.valueOf(0.0001), IntNode.valueOf(Integer.MIN_VALUE),
            DoubleNode.valueOf(1e12), DoubleNode.valueOf(1e13), DoubleNode.valueOf(2.5), DoubleNode.valueOf(-1e300),
            TextNode.valueOf("1e300"), TextNode.valueOf("0x10"), IntNode.valueOf(0));

    static final List<String> STRINGS = List.of("", "/", "..", ".", "a/b", "../../../../tmp/fuzz-escape", "\u0000",
            "\u0001\u0002\u001f", "x".repeat(100_000), "\u00e9\u6f22\u5b57\ud83d\udca5", "%2e%2e", "\\", "a\\b", " ",
            "\t", "null", "true", "{}", "\n", "-", "i".repeat(300), "*", "/role", "role/", "a b", "\ud800",
            "O-1", "..\\..\\x");

    static final List<String> ENUM_NAMES = List.of("NO_SUCH_VALUE", "", "accept", "SUBSCRIBE", "ACCEPT", "TEARDOWN",
            "LAUNCH", "LAUNCH_GROUP", "RESERVE", "TASK_RUNNING", "TASK_ERROR", "TASK_FINISHED", "TASK_UNKNOWN",
            "TASK_KILLING", "TASK_STAGING", "SCALAR", "RANGES", "SET", "TEXT", "REGISTER", "UPDATE", "PONG",
            "PARTITION_AWARE", "MULTI_ROLE", "SOURCE_MASTER", "UNKNOWN", "0", "1", "REASON_TASK_INVALID");

    /** Mutations of a JSON tree; a location is any value below the root. */
    static final class JsonMutator {
        private record Location(ContainerNode<?> parent, String key, int index, JsonNode value) {}

        static void apply(ObjectNode root, Mutation mutation,
                          IdentityHashMap<JsonNode, Map<String, JsonNode>> duplicates) {
            List<Location> all = new ArrayList<>();
            collect(root, all);
            if (all.isEmpty()) {
                return;
            }
            List<Location> candidates = switch (mutation.kind()) {
                case NUMBER -> filter(all, l -> l.value().isNumber());
                case STRING, ENUM -> filter(all, l -> l.value().isTextual());
                default -> all;
            };
            if (candidates.isEmpty()) {
                candidates = all;
            }
            Location at = candidates.get(mutation.selector() % candidates.size());
            int v = mutation.variant();
            switch (mutation.kind()) {
                case DROP -> remove(at);
                case DUPLICATE -> {
                    if (at.parent() instanceof ObjectNode object) {
                        JsonNode second = v % 2 == 0 ? at.value().deepCopy() : wrongType(at.value(), v);
                        duplicates.computeIfAbsent(object, k -> new java.util.HashMap<>()).put(at.key(), second);
                    } else {
                        ((ArrayNode) at.parent()).insert(at.index(), at.value().deepCopy());
                    }
                }
                case WRONG_TYPE -> replace(at, wrongType(at.value(), v));
                case NUMBER -> replace(at, NUMBERS.get(v % NUMBERS.size()));
                case STRING -> replace(at, TextNode.valueOf(STRINGS.get(v % STRINGS.size())));
                case ENUM -> replace(at, TextNode.valueOf(ENUM_NAMES.get(v % ENUM_NAMES.size())));
                case NULL -> replace(at, NullNode.getInstance());
                case WRAP -> {
                    ArrayNode wrapped = NODES.arrayNode();
                    wrapped.add(at.value());
                    replace(at, wrapped);
                }
            }
        }

        private static List<Location> filter(List<Location> all, java.util.function.Predicate<Location> keep) {
            return all.stream().filter(keep).toList();
        }

        private static void collect(JsonNode node, List<Location> into) {
            if (node instanceof ObjectNode object) {
                for (var field : (Iterable<Map.Entry<String, JsonNode>>) object::fields) {
                    into.add(new Location(object, field.getKey(), -1, field.getValue()));
                    collect(field.getValue(), into);
                }
            } else if (node instanceof ArrayNode array) {
                for (int i = 0; i < array.size(); i++) {
                    into.add(new Location(array, null, i, array.get(i)));
                    collect(array.get(i), into);
                }
            }
        }

        private static void remove(Location at) {
            if (at.parent() instanceof ObjectNode object) {
                object.remove(at.key());
            } else {
                ((ArrayNode) at.parent()).remove(at.index());
            }
        }

        private static void replace(Location at, JsonNode value) {
            if (at.parent() instanceof ObjectNode object) {
                object.set(at.key(), value);
            } else {
                ((ArrayNode) at.parent()).set(at.index(), value);
            }
        }

        private static JsonNode wrongType(JsonNode value, int variant) {
            List<JsonNode> options = new ArrayList<>();
            if (!value.isObject()) {
                options.add(NODES.objectNode().put("value", "x"));
            }
            if (!value.isArray()) {
                options.add(NODES.arrayNode().add("x"));
            }
            if (!value.isTextual()) {
                options.add(TextNode.valueOf(value.isContainerNode() ? "{}" : value.asText()));
            }
            if (!value.isNumber()) {
                options.add(IntNode.valueOf(42));
            }
            if (!value.isBoolean()) {
                options.add(BooleanNode.TRUE);
            }
            options.add(NODES.arrayNode());
            options.add(NODES.objectNode());
            return options.get(variant % options.size());
        }
    }

    /** Mutations of a protobuf message; a location is any set field (or element of a repeated one). */
    static final class ProtoMutator {
        private record Location(Message.Builder owner, FieldDescriptor field, int index) {}

        static void apply(Message.Builder root, Mutation mutation) {
            List<Location> all = new ArrayList<>();
            collect(root, all);
            if (all.isEmpty()) {
                return;
            }
            List<Location> candidates = switch (mutation.kind()) {
                case NUMBER -> all.stream().filter(l -> isNumeric(l.field())).toList();
                case STRING -> all.stream().filter(l -> l.field().getJavaType() == FieldDescriptor.JavaType.STRING
                        || l.field().getJavaType() == FieldDescriptor.JavaType.BYTE_STRING).toList();
                case ENUM -> all.stream().filter(l -> l.field().getJavaType() == FieldDescriptor.JavaType.ENUM)
                        .toList();
                default -> all;
            };
            if (candidates.isEmpty()) {
                candidates = all;
            }
            Location at = candidates.get(mutation.selector() % candidates.size());
            Message.Builder owner = at.owner();
            FieldDescriptor field = at.field();
            int v = mutation.variant();
            switch (mutation.kind()) {
                case DROP, NULL -> remove(at);
                case DUPLICATE, WRAP -> {
                    if (field.isRepeated()) {
                        owner.addRepeatedField(field, owner.getRepeatedField(field, at.index()));
                    } else {
                        Object value = owner.getField(field);
                        byte[] encoded = encodeField(field, value);
                        addUnknown(owner, field.getNumber(), UnknownFieldSet.Field.newBuilder()
                                .addLengthDelimited(ByteString.copyFrom(encoded)).build(), encoded.length > 0);
                    }
                }
                case WRONG_TYPE -> {
                    remove(at);
                    boolean lengthDelimited = field.getJavaType() == FieldDescriptor.JavaType.MESSAGE
                            || field.getJavaType() == FieldDescriptor.JavaType.STRING
                            || field.getJavaType() == FieldDescriptor.JavaType.BYTE_STRING;
                    UnknownFieldSet.Field wrong = lengthDelimited
                            ? UnknownFieldSet.Field.newBuilder().addVarint(v).build()
                            : UnknownFieldSet.Field.newBuilder()
                                    .addLengthDelimited(ByteString.copyFromUtf8("wrong type " + v)).build();
                    addUnknown(owner, field.getNumber(), wrong, true);
                }
                case NUMBER -> {
                    if (isNumeric(field)) {
                        set(at, extremeNumber(field.getJavaType(), v));
                    } else {
                        remove(at);
                    }
                }
                case STRING -> {
                    if (field.getJavaType() == FieldDescriptor.JavaType.STRING) {
                        set(at, STRINGS.get(v % STRINGS.size()));
                    } else if (field.getJavaType() == FieldDescriptor.JavaType.BYTE_STRING) {
                        byte[] bytes = new byte[new int[] {0, 1, 15, 16, 17, 1000}[v % 6]];
                        new Random(v).nextBytes(bytes);
                        set(at, ByteString.copyFrom(bytes));
                    }
                }
                case ENUM -> {
                    if (field.getJavaType() == FieldDescriptor.JavaType.ENUM) {
                        List<EnumValueDescriptor> values = field.getEnumType().getValues();
                        if (v % 3 == 0) { // a number this enum does not have
                            remove(at);
                            addUnknown(owner, field.getNumber(),
                                    UnknownFieldSet.Field.newBuilder().addVarint(v % 2 == 0 ? 999 : -1).build(),
                                    true);
                        } else {
                            set(at, values.get(v % values.size()));
                        }
                    }
                }
            }
        }

        private static boolean isNumeric(FieldDescriptor field) {
            return switch (field.getJavaType()) {
                case INT, LONG, FLOAT, DOUBLE -> true;
                default -> false;
            };
        }

        private static Object extremeNumber(FieldDescriptor.JavaType type, int v) {
            double[] doubles = {-1, -5, 1e300, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0,
                -0.0, 1e-300, Double.MAX_VALUE, 1e12 + 1, -1e300, 1e13};
            long[] longs = {-1, 0, Long.MAX_VALUE, Long.MIN_VALUE, Integer.MAX_VALUE, Integer.MIN_VALUE,
                1_000_000_000_000_000L, -5};
            return switch (type) {
                case DOUBLE -> doubles[v % doubles.length];
                case FLOAT -> (float) doubles[v % doubles.length];
                case LONG -> longs[v % longs.length];
                case INT -> (int) longs[v % longs.length];
                default -> throw new IllegalStateException(type.name());
            };
        }

        private static void collect(Message.Builder builder, List<Location> into) {
            for (FieldDescriptor field : builder.getAllFields().keySet()) {
                if (field.isMapField()) {
                    continue;
                }
                boolean message = field.getJavaType() == FieldDescriptor.JavaType.MESSAGE;
                if (field.isRepeated()) {
                    for (int i = 0; i < builder.getRepeatedFieldCount(field); i++) {
                        into.add(new Location(builder, field, i));
                        if (message) {
                            collect(builder.getRepeatedFieldBuilder(field, i), into);
                        }
                    }
                } else {
                    into.add(new Location(builder, field, -1));
                    if (message) {
                        collect(builder.getFieldBuilder(field), into);
                    }
                }
            }
        }

        private static void remove(Location at) {
            Message.Builder owner = at.owner();
            if (at.index() < 0) {
                owner.clearField(at.field());
                return;
            }
            List<Object> kept = new ArrayList<>();
            for (int i = 0; i < owner.getRepeatedFieldCount(at.field()); i++) {
                if (i != at.index()) {
                    kept.add(owner.getRepeatedField(at.field(), i));
                }
            }
            owner.clearField(at.field());
            kept.forEach(value -> owner.addRepeatedField(at.field(), value));
        }

        private static void set(Location at, Object value) {
            if (at.index() < 0) {
                at.owner().setField(at.field(), value);
            } else {
                at.owner().setRepeatedField(at.field(), at.index(), value);
            }
        }

        private static byte[] encodeField(FieldDescriptor field, Object value) {
            if (value instanceof Message message) {
                return message.toByteArray();
            }
            if (value instanceof String text) {
                return text.getBytes(StandardCharsets.UTF_8);
            }
            if (value instanceof ByteString bytes) {
                return bytes.toByteArray();
            }
            return new byte[0]; // scalars: a length-delimited copy is itself a wrong wire type
        }

        private static void addUnknown(Message.Builder owner, int number, UnknownFieldSet.Field field,
                                       boolean really) {
            if (!really) {
                return;
            }
            owner.setUnknownFields(UnknownFieldSet.newBuilder(owner.getUnknownFields())
                    .mergeField(number, field).build());
        }
    }

    /** The scheduler API's header name, kept here so the test does not depend on the master's package. */
    static final class SchedulerHeaders {
        static final String STREAM_ID = "Mesos-Stream-Id";

        private SchedulerHeaders() {}
    }
}
