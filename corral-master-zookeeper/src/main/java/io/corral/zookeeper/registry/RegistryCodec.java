package io.corral.zookeeper.registry;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Message;
import io.corral.protocol.json.MesosJson;
import io.corral.protocol.json.MesosJsonException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.DrainInfo;
import org.apache.mesos.v1.Protos.MachineID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.maintenance.Protos.Schedule;
import org.apache.mesos.v1.quota.Protos.QuotaConfig;

/**
 * Registry documents to and from JSON. Writes format {@link #CURRENT_FORMAT}; reads that and every earlier format by
 * running the document through the {@link #MIGRATIONS} from its format on. Every document carries
 * {@code "format": N}; Mesos messages inside are in Mesos's JSON form ({@link MesosJson}); times are epoch
 * milliseconds.
 *
 * <p>Format 2 (current):
 * <pre>
 * meta       {"format":2, "epoch":7, "leader":{"id":"...", "address":"host:5050"}}
 * agent      {"format":2, "agent_info":{AgentInfo}, "state":{"kind":"UNREACHABLE", "since":ms},
 *             "registered_at":ms, "updated_at":ms,
 *             "checkpointed_resources":[Resource...] (only when it has dynamic reservations or volumes)}
 * framework  {"format":2, "framework_info":{FrameworkInfo}, "failover_deadline":ms (only while disconnected)}
 * role       {"format":2, "role":"eng/web", "weight":2.0, "quota":{QuotaConfig} (optional)}
 * maintenance {"format":2, "schedule":{Schedule}, "down":[{MachineID}, ...]}
 * agent mode {"format":2, "agent_id":"...", "deactivated":true, "drain_info":{DrainInfo} (optional)}
 * </pre>
 *
 * <p>Stateless; thread-safe.
 */
public final class RegistryCodec {

    /** The format history, oldest first: {@code MIGRATIONS.get(i)} reads format i + 1. */
    static final List<Migration> MIGRATIONS = List.of(new AgentStateObjectMigration());

    /** The format this version writes. */
    public static final int CURRENT_FORMAT = MIGRATIONS.size() + 1;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    static {
        for (int i = 0; i < MIGRATIONS.size(); i++) {
            if (MIGRATIONS.get(i).fromFormat() != i + 1) {
                throw new IllegalStateException("migration " + i + " must read format " + (i + 1));
            }
        }
    }

    private RegistryCodec() {
    }

    // ---- writing ----
    // Documents are streamed, the Mesos messages written by MesosJson into the same generator: building a Jackson
    // tree first costs several times more, and a master admitting thousands of agents at once pays it per agent.

    public static byte[] encodeMeta(RegistryMeta meta) {
        return write(out -> {
            out.writeNumberField("epoch", meta.epoch());
            if (meta.leader().isPresent()) {
                out.writeObjectFieldStart("leader");
                out.writeStringField("id", meta.leader().get().masterId());
                out.writeStringField("address", meta.leader().get().address());
                out.writeEndObject();
            }
        });
    }

    public static byte[] encodeAgent(AgentRecord agent) {
        return write(out -> {
            out.writeFieldName("agent_info");
            MesosJson.write(out, agent.info());
            out.writeObjectFieldStart("state");
            out.writeStringField("kind", agent.state().kind().name());
            if (agent.state().since().isPresent()) {
                out.writeNumberField("since", agent.state().since().get().toEpochMilli());
            }
            out.writeEndObject();
            out.writeNumberField("registered_at", agent.registeredAt().toEpochMilli());
            out.writeNumberField("updated_at", agent.updatedAt().toEpochMilli());
            if (!agent.checkpointed().isEmpty()) {
                out.writeArrayFieldStart("checkpointed_resources");
                for (Resource resource : agent.checkpointed()) {
                    MesosJson.write(out, resource);
                }
                out.writeEndArray();
            }
        });
    }

    public static byte[] encodeFramework(FrameworkRecord framework) {
        return write(out -> {
            out.writeFieldName("framework_info");
            MesosJson.write(out, framework.info());
            if (framework.failoverDeadline().isPresent()) {
                out.writeNumberField("failover_deadline", framework.failoverDeadline().get().toEpochMilli());
            }
        });
    }

    public static byte[] encodeRole(RoleRecord role) {
        return write(out -> {
            out.writeStringField("role", role.role());
            out.writeNumberField("weight", role.weight());
            if (role.quota().isPresent()) {
                out.writeFieldName("quota");
                MesosJson.write(out, role.quota().get());
            }
        });
    }

    public static byte[] encodeMaintenance(MaintenanceRecord maintenance) {
        return write(out -> {
            out.writeFieldName("schedule");
            MesosJson.write(out, maintenance.schedule());
            out.writeArrayFieldStart("down");
            for (MachineID machine : maintenance.down()) {
                MesosJson.write(out, machine);
            }
            out.writeEndArray();
        });
    }

    public static byte[] encodeAgentMode(AgentModeRecord mode) {
        return write(out -> {
            out.writeStringField("agent_id", mode.agentId());
            out.writeBooleanField("deactivated", mode.deactivated());
            if (mode.drain().isPresent()) {
                out.writeFieldName("drain_info");
                MesosJson.write(out, mode.drain().get());
            }
        });
    }

    /** The body of a document, after its "format" field. */
    @FunctionalInterface
    private interface Body {
        void write(JsonGenerator out) throws IOException;
    }

    private static byte[] write(Body body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        try (JsonGenerator out = MAPPER.getFactory().createGenerator(bytes)) {
            out.writeStartObject();
            out.writeNumberField("format", CURRENT_FORMAT);
            body.write(out);
            out.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    // ---- reading (any format up to the current one) ----

    public static RegistryMeta decodeMeta(byte[] document) {
        ObjectNode doc = upgrade(DocumentKind.META, document);
        JsonNode leader = doc.get("leader");
        Optional<RegistryMeta.Leader> last = leader == null || leader.isNull()
                ? Optional.empty()
                : Optional.of(new RegistryMeta.Leader(text(leader, "id"), text(leader, "address")));
        return construct(() -> new RegistryMeta(number(doc, "epoch"), last));
    }

    public static AgentRecord decodeAgent(byte[] document) {
        ObjectNode doc = upgrade(DocumentKind.AGENT, document);
        AgentInfo info = message(doc, "agent_info", AgentInfo.newBuilder());
        JsonNode state = object(doc, "state");
        AgentState.Kind kind = kind(text(state, "kind"));
        Optional<Instant> since = optionalTime(state, "since");
        List<Resource> checkpointed = resources(doc, "checkpointed_resources");
        return construct(() -> new AgentRecord(info, new AgentState(kind, since),
                Instant.ofEpochMilli(number(doc, "registered_at")), Instant.ofEpochMilli(number(doc, "updated_at")),
                checkpointed));
    }

    public static FrameworkRecord decodeFramework(byte[] document) {
        ObjectNode doc = upgrade(DocumentKind.FRAMEWORK, document);
        FrameworkInfo info = message(doc, "framework_info", FrameworkInfo.newBuilder());
        Optional<Instant> deadline = optionalTime(doc, "failover_deadline");
        return construct(() -> new FrameworkRecord(info, deadline));
    }

    public static RoleRecord decodeRole(byte[] document) {
        ObjectNode doc = upgrade(DocumentKind.ROLE, document);
        JsonNode weight = doc.get("weight");
        if (weight == null || !weight.isNumber()) {
            throw new RegistryFormatException("\"weight\" must be a number, got " + weight);
        }
        Optional<QuotaConfig> quota = doc.hasNonNull("quota")
                ? Optional.of(message(doc, "quota", QuotaConfig.newBuilder()))
                : Optional.empty();
        return construct(() -> new RoleRecord(text(doc, "role"), weight.asDouble(), quota));
    }

    public static MaintenanceRecord decodeMaintenance(byte[] document) {
        ObjectNode doc = upgrade(DocumentKind.MAINTENANCE, document);
        Schedule schedule = message(doc, "schedule", Schedule.newBuilder());
        JsonNode down = doc.get("down");
        if (down == null || !down.isArray()) {
            throw new RegistryFormatException("\"down\" must be a JSON array, got " + down);
        }
        List<MachineID> machines = new java.util.ArrayList<>();
        for (JsonNode machine : down) {
            machines.add(message(doc.objectNode().set("machine", machine), "machine", MachineID.newBuilder()));
        }
        return construct(() -> new MaintenanceRecord(schedule, machines));
    }

    public static AgentModeRecord decodeAgentMode(byte[] document) {
        ObjectNode doc = upgrade(DocumentKind.AGENT_MODE, document);
        JsonNode deactivated = doc.get("deactivated");
        if (deactivated == null || !deactivated.isBoolean()) {
            throw new RegistryFormatException("\"deactivated\" must be true or false, got " + deactivated);
        }
        Optional<DrainInfo> drain = doc.hasNonNull("drain_info")
                ? Optional.of(message(doc, "drain_info", DrainInfo.newBuilder()))
                : Optional.empty();
        return construct(() -> new AgentModeRecord(text(doc, "agent_id"), deactivated.asBoolean(), drain));
    }

    /**
     * Parses a document of any known format and migrates it to the current one.
     *
     * @throws RegistryFormatException if it is not a JSON object with a known {@code "format"}
     */
    static ObjectNode upgrade(DocumentKind kind, byte[] document) {
        ObjectNode doc = parse(document);
        JsonNode format = doc.get("format");
        if (format == null || !format.canConvertToInt() || !format.isIntegralNumber()) {
            throw new RegistryFormatException("the document has no \"format\" number: every registry document"
                    + " starts with {\"format\": N}");
        }
        int from = format.intValue();
        if (from > CURRENT_FORMAT) {
            throw new RegistryFormatException("the document is in format " + from + ", written by a newer Corral;"
                    + " this version reads formats 1 to " + CURRENT_FORMAT + ": upgrade this master");
        }
        if (from < 1) {
            throw new RegistryFormatException("format " + from + " does not exist: formats start at 1");
        }
        for (int f = from; f < CURRENT_FORMAT; f++) {
            doc = MIGRATIONS.get(f - 1).migrate(kind, doc);
            doc.put("format", f + 1);
        }
        return doc;
    }

    // ---- helpers ----

    private static ObjectNode parse(byte[] document) {
        if (document == null || document.length == 0) {
            throw new RegistryFormatException("the document is empty");
        }
        JsonNode tree;
        try {
            tree = MAPPER.readTree(document);
        } catch (IOException e) {
            throw new RegistryFormatException("the document is not JSON: " + e.getMessage(), e);
        }
        if (tree == null || !tree.isObject()) {
            throw new RegistryFormatException("the document must be a JSON object");
        }
        return (ObjectNode) tree;
    }

    @SuppressWarnings("unchecked") // the builder builds an M
    private static <M extends Message> M message(JsonNode doc, String field, Message.Builder builder) {
        JsonNode json = object(doc, field);
        try {
            MesosJson.merge(json, builder);
            if (!builder.isInitialized()) {
                throw new RegistryFormatException("\"" + field + "\" lacks required fields: "
                        + String.join(", ", builder.buildPartial().findInitializationErrors()));
            }
            return (M) builder.build();
        } catch (MesosJsonException e) {
            throw new RegistryFormatException("\"" + field + "\" is not a valid "
                    + builder.getDescriptorForType().getName() + ": " + e.getMessage(), e);
        }
    }

    /** An optional array of Resources; absent means none. */
    private static List<Resource> resources(JsonNode doc, String field) {
        JsonNode array = doc.get(field);
        if (array == null || array.isNull()) {
            return List.of();
        }
        if (!array.isArray()) {
            throw new RegistryFormatException("\"" + field + "\" must be a JSON array, got " + array);
        }
        List<Resource> resources = new java.util.ArrayList<>(array.size());
        for (JsonNode item : array) {
            ObjectNode holder = MAPPER.createObjectNode();
            holder.set(field, item);
            resources.add(message(holder, field, Resource.newBuilder()));
        }
        return resources;
    }

    private static JsonNode object(JsonNode doc, String field) {
        JsonNode value = doc.get(field);
        if (value == null || !value.isObject()) {
            throw new RegistryFormatException("\"" + field + "\" must be a JSON object, got " + value);
        }
        return value;
    }

    private static String text(JsonNode doc, String field) {
        JsonNode value = doc.get(field);
        if (value == null || !value.isTextual()) {
            throw new RegistryFormatException("\"" + field + "\" must be a string, got " + value);
        }
        return value.asText();
    }

    private static long number(JsonNode doc, String field) {
        JsonNode value = doc.get(field);
        if (value == null || !value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new RegistryFormatException("\"" + field + "\" must be an integer, got " + value);
        }
        return value.longValue();
    }

    private static Optional<Instant> optionalTime(JsonNode doc, String field) {
        return doc.hasNonNull(field) ? Optional.of(Instant.ofEpochMilli(number(doc, field))) : Optional.empty();
    }

    private static AgentState.Kind kind(String name) {
        try {
            return AgentState.Kind.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new RegistryFormatException("unknown agent state \"" + name + "\": expected one of "
                    + List.of(AgentState.Kind.values()));
        }
    }

    /** Runs a record constructor, reporting its validation errors as format errors. */
    private static <T> T construct(java.util.function.Supplier<T> constructor) {
        try {
            return constructor.get();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new RegistryFormatException(e.getMessage(), e);
        }
    }
}
