package io.corral.protocol.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who may do what, in Mesos's {@code --acls} JSON format. Each action (e.g. {@code register_agents}) has a list of
 * rules; a rule names principals and the objects it covers, each as {@code {"values": [...]}} or
 * {@code {"type": "ANY"}} / {@code {"type": "NONE"}}:
 *
 * <pre>{"permissive": false,
 *  "register_agents": [{"principals": {"values": ["agent"]}, "agents": {"type": "ANY"}}],
 *  "register_frameworks": [{"principals": {"type": "ANY"}, "roles": {"type": "ANY"}}]}</pre>
 *
 * As Mesos's local authorizer decides: the first rule whose principals match the requester and whose objects match
 * the object allows; a matching rule whose objects are NONE denies; with no rule matching, {@code permissive}
 * (default true) decides. A requester without a principal (an {@code --insecure} server) only matches
 * {@code {"type": "ANY"}}.
 *
 * <p>Immutable; thread-safe.
 */
public final class Acls {
    /** Actions Corral checks, with the JSON key of each one's object, as Mesos names them. */
    public static final Map<String, String> ACTIONS = Map.ofEntries(
            Map.entry("register_frameworks", "roles"),
            Map.entry("register_agents", "agents"),
            Map.entry("run_tasks", "users"),
            Map.entry("teardown_frameworks", "framework_principals"),
            Map.entry("reserve_resources", "roles"),
            Map.entry("unreserve_resources", "reserver_principals"),
            Map.entry("create_volumes", "roles"),
            Map.entry("destroy_volumes", "creator_principals"),
            Map.entry("resize_volume", "roles"),
            Map.entry("get_quotas", "roles"),
            Map.entry("update_quotas", "roles"),
            Map.entry("update_weights", "roles"),
            Map.entry("view_frameworks", "users"),
            Map.entry("view_tasks", "users"),
            Map.entry("view_executors", "users"),
            Map.entry("view_roles", "roles"),
            Map.entry("get_endpoints", "paths"),
            Map.entry("access_sandboxes", "users"),
            Map.entry("mark_agents_gone", "agents"),
            Map.entry("drain_agents", "agents"),
            Map.entry("deactivate_agents", "agents"),
            Map.entry("reactivate_agents", "agents"),
            Map.entry("update_maintenance_schedules", "machines"),
            Map.entry("start_maintenances", "machines"),
            Map.entry("stop_maintenances", "machines"),
            Map.entry("view_flags", "flags"),
            Map.entry("set_log_level", "level"));

    private static final Acls PERMIT_ALL = new Acls(true, Map.of());

    private final boolean permissive;
    private final Map<String, List<Rule>> rules;

    private Acls(boolean permissive, Map<String, List<Rule>> rules) {
        this.permissive = permissive;
        this.rules = Map.copyOf(rules);
    }

    /** No ACLs: everything is permitted, as Mesos without {@code --acls}. */
    public static Acls permitAll() {
        return PERMIT_ALL;
    }

    /** A set of principals or objects: listed values, anyone, or no one. */
    private record Entity(Set<String> values, boolean any, boolean none) {
        boolean matches(String value) {
            return any || (value != null && values.contains(value));
        }
    }

    private record Rule(Entity principals, Entity objects) {}

    public static Acls read(Path file) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(file + " is not JSON: " + e.getOriginalMessage());
        }
        return parse(root, file.toString());
    }

    public static Acls parse(JsonNode root, String where) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(where + ": expected a JSON object of Mesos ACLs");
        }
        boolean permissive = true;
        Map<String, List<Rule>> rules = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> fields = root.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (field.getKey().equals("permissive")) {
                if (!field.getValue().isBoolean()) {
                    throw new IllegalArgumentException(where + ": 'permissive' must be true or false");
                }
                permissive = field.getValue().asBoolean();
                continue;
            }
            String objectKey = ACTIONS.get(field.getKey());
            if (objectKey == null) {
                throw new IllegalArgumentException(where + ": unknown action '" + field.getKey() + "'; known: "
                        + new java.util.TreeSet<>(ACTIONS.keySet()));
            }
            rules.put(field.getKey(), rules(field.getValue(), objectKey, where + ", " + field.getKey()));
        }
        return new Acls(permissive, rules);
    }

    private static List<Rule> rules(JsonNode list, String objectKey, String where) {
        if (!list.isArray()) {
            throw new IllegalArgumentException(where + ": expected a list of rules");
        }
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String at = where + "[" + i + "]";
            rules.add(new Rule(entity(list.get(i).get("principals"), at + ".principals"),
                    entity(list.get(i).get(objectKey), at + "." + objectKey)));
        }
        return rules;
    }

    private static Entity entity(JsonNode node, String where) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(where + ": expected {\"values\": [...]} or {\"type\": \"ANY\"}");
        }
        JsonNode type = node.get("type");
        if (type != null) {
            return switch (type.asText()) {
                case "ANY" -> new Entity(Set.of(), true, false);
                case "NONE" -> new Entity(Set.of(), false, true);
                default -> throw new IllegalArgumentException(where + ": type must be ANY or NONE");
            };
        }
        JsonNode values = node.get("values");
        if (values == null || !values.isArray()) {
            throw new IllegalArgumentException(where + ": expected {\"values\": [...]} or {\"type\": \"ANY\"}");
        }
        List<String> list = new ArrayList<>();
        values.forEach(value -> list.add(value.asText()));
        return new Entity(Set.copyOf(list), false, false);
    }

    /**
     * Whether {@code principal} (null when the server authenticates nobody) may do {@code action} on
     * {@code object} (a role, user, agent...; null when the action has none).
     */
    public boolean permits(String action, String principal, String object) {
        if (!ACTIONS.containsKey(action)) {
            throw new IllegalArgumentException("unknown action " + action);
        }
        for (Rule rule : rules.getOrDefault(action, List.of())) {
            if (!rule.principals().matches(principal)) {
                continue;
            }
            if (rule.objects().none()) {
                return false;
            }
            if (rule.objects().matches(object)) {
                return true;
            }
        }
        return permissive;
    }

    /**
     * The decisions of {@link #permits} for {@code principal} and {@code action} on every object at once, for readers
     * that check many objects (Mesos's object approvers): the same answers, without walking the rules each time.
     */
    public ObjectApprover approver(String action, String principal) {
        if (!ACTIONS.containsKey(action)) {
            throw new IllegalArgumentException("unknown action " + action);
        }
        Set<String> allowed = new java.util.HashSet<>();
        for (Rule rule : rules.getOrDefault(action, List.of())) {
            if (!rule.principals().matches(principal)) {
                continue;
            }
            if (rule.objects().none()) {
                return new ObjectApprover(allowed, false);
            }
            if (rule.objects().any()) {
                return new ObjectApprover(Set.of(), true);
            }
            allowed.addAll(rule.objects().values());
        }
        return permissive ? ObjectApprover.all() : new ObjectApprover(allowed, false);
    }
}
