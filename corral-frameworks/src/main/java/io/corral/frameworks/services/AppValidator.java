package io.corral.frameworks.services;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corral.frameworks.common.ApiException;
import io.corral.frameworks.common.ApiException.FieldError;
import io.corral.frameworks.common.FrameworkJson;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Turns a JSON app definition into an {@link AppDefinition}, or refuses it naming every invalid field at once (one
 * 422): wrong types, out-of-range values, unknown fields, an id that breaks {@link AppIds}' rules, constraints and
 * health checks that cannot work. Fills in the defaults.
 *
 * <p>Stateless; thread-safe.
 */
public final class AppValidator {
    static final Set<String> FIELDS = Set.of("id", "cmd", "args", "container", "executor", "cpus", "mem", "disk", "gpus",
            "instances", "env", "ports", "labels", "constraints", "healthChecks", "killGracePeriodSeconds",
            "backoffSeconds", "backoffFactor", "maxLaunchDelaySeconds", "upgradeStrategy", "user", "version",
            "versionTime");
    static final int MAX_INSTANCES = 100_000;
    static final int MAX_PORTS = 100;
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Set<String> OPERATORS = Set.of("UNIQUE", "CLUSTER", "LIKE", "UNLIKE", "GROUP_BY", "MAX_PER");
    private static final Set<String> PROTOCOLS = Set.of("HTTP", "TCP", "COMMAND");

    private AppValidator() {
    }

    /**
     * Merges {@code changes} (top-level fields) over {@code current}, as {@code PUT /v1/apps/{id}} and
     * {@code corral app update} do: fields not given keep their values. The server's fields are dropped.
     */
    public static JsonNode merge(AppDefinition current, JsonNode changes) {
        ObjectNode merged = FrameworkJson.mapper().valueToTree(current);
        merged.remove("version");
        merged.remove("versionTime");
        // cmd and args exclude each other: giving one replaces the other
        if (changes.has("args") && !changes.has("cmd")) {
            merged.remove("cmd");
        } else if (changes.has("cmd") && !changes.has("args")) {
            merged.remove("args");
        }
        changes.fields().forEachRemaining(e -> merged.set(e.getKey(), e.getValue()));
        return merged;
    }

    /**
     * The definition {@code json} describes, normalized.
     *
     * @param expectedId the id from the URL (PUT), which a body's id must equal; null on create
     * @throws ApiException 422 naming every invalid field
     */
    public static AppDefinition parse(JsonNode json, String expectedId) {
        List<FieldError> errors = new ArrayList<>();
        if (!json.isObject()) {
            throw ApiException.badRequest("an app definition is a JSON object, not " + json.getNodeType());
        }
        Iterator<String> names = json.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                errors.add(new FieldError(name, "unknown field"));
            }
        }
        Fields f = new Fields(json, errors);
        String id = AppIds.normalize(f.string("id", null));
        if (id == null && expectedId != null) {
            id = expectedId;
        }
        AppIds.problem(id).ifPresent(p -> errors.add(new FieldError("id", p)));
        if (expectedId != null && id != null && !id.equals(expectedId)) {
            errors.add(new FieldError("id", "is '" + id + "' but the URL names '" + expectedId + "'"));
        }
        String cmd = f.string("cmd", null);
        List<String> args = f.stringList("args");
        AppDefinition.Executor executor = executor(json.get("executor"), errors);
        if (executor != null) {
            if (!args.isEmpty()) {
                errors.add(new FieldError("args", "an executor's task takes cmd (sent to the executor as the task's"
                        + " data), not args"));
            }
        } else if ((cmd == null || cmd.isBlank()) && args.isEmpty()) {
            errors.add(new FieldError("cmd", "give a shell command (cmd) or a command line (args)"));
        } else if (cmd != null && !args.isEmpty()) {
            errors.add(new FieldError("args", "give either cmd or args, not both"));
        }
        AppDefinition.Container container = container(json.get("container"), errors);
        if (executor != null && container != null) {
            errors.add(new FieldError("container", "an app with a custom executor runs it on the agent's own"
                    + " filesystem: drop container or executor"));
        }
        double cpus = f.number("cpus", 0.1, 0.001, 1024, false);
        double mem = f.number("mem", 32, 1, 16L * 1024 * 1024, false);
        double disk = f.number("disk", 0, 0, 1L << 40, true);
        int gpus = f.integer("gpus", 0, 0, 64);
        int instances = f.integer("instances", 1, 0, MAX_INSTANCES);
        Map<String, String> env = f.stringMap("env");
        env.keySet().stream().filter(k -> !ENV_NAME.matcher(k).matches())
                .forEach(k -> errors.add(new FieldError("env." + k, "is not a valid variable name")));
        int ports = f.integer("ports", 0, 0, MAX_PORTS);
        Map<String, String> labels = f.stringMap("labels");
        List<List<String>> constraints = constraints(json.get("constraints"), errors);
        List<AppDefinition.HealthCheckDefinition> checks = healthChecks(json.get("healthChecks"), ports, errors);
        if (executor != null && !checks.isEmpty()) {
            errors.add(new FieldError("healthChecks", "the agent runs health checks for the command executor only;"
                    + " a custom executor reports its tasks' health itself (TaskStatus.healthy)"));
        }
        double grace = f.number("killGracePeriodSeconds", 3, 0, 3600, true);
        double backoff = f.number("backoffSeconds", 1, 0, 3600, true);
        double factor = f.number("backoffFactor", 2, 1, 100, true);
        double maxDelay = f.number("maxLaunchDelaySeconds", 300, 0, 86_400, true);
        AppDefinition.UpgradeStrategy strategy = strategy(json.get("upgradeStrategy"), errors);
        if (instances > 0 && Math.ceil(instances * strategy.minimumHealthCapacity() - 1e-9) >= instances
                && Math.floor(instances * strategy.maximumOverCapacity() + 1e-9) == 0 && errors.isEmpty()) {
            errors.add(new FieldError("upgradeStrategy", "with " + instances + " instances, minimumHealthCapacity "
                    + strategy.minimumHealthCapacity() + " keeps all of them and maximumOverCapacity "
                    + strategy.maximumOverCapacity() + " allows none more: a rolling update could never replace one"));
        }
        String user = f.string("user", null);
        if (user != null && (user.isBlank() || user.length() > 64 || user.contains("/"))) {
            errors.add(new FieldError("user", "must be a user name (1-64 characters, no '/')"));
        }
        if (!errors.isEmpty()) {
            throw ApiException.invalid("app " + (id == null ? "definition" : "'" + id + "'"), errors);
        }
        return new AppDefinition(id, cmd, args.isEmpty() ? null : args, container, executor, cpus, mem, disk, gpus,
                instances, env, ports, labels, constraints, checks, grace, backoff, factor, maxDelay, strategy,
                user, null, null);
    }

    private static AppDefinition.Container container(JsonNode node, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            return null;
        }
        JsonNode image = node.path("docker").path("image");
        if (!node.isObject() || !image.isTextual() || image.asText().isBlank()) {
            errors.add(new FieldError("container.docker.image", "must be an image reference such as busybox or"
                    + " registry:5000/repo:tag"));
            return null;
        }
        return new AppDefinition.Container(new AppDefinition.Docker(image.asText()));
    }

    /**
     * {@code executor: {"cmd": ..., "cpus": 0.1, "mem": 32}}, or null when the app has none (or it is not an object).
     * Problems are added to {@code errors}.
     */
    private static AppDefinition.Executor executor(JsonNode node, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            errors.add(new FieldError("executor", "must be an object: {\"cmd\": ..., \"cpus\": ..., \"mem\": ...}"));
            return null;
        }
        node.fieldNames().forEachRemaining(name -> {
            if (!Set.of("cmd", "cpus", "mem").contains(name)) {
                errors.add(new FieldError("executor." + name, "unknown field"));
            }
        });
        Fields f = new Fields(node, errors, "executor.");
        String cmd = f.string("cmd", null);
        if (cmd == null || cmd.isBlank()) {
            errors.add(new FieldError("executor.cmd", "give the shell command that starts the executor"));
        }
        double cpus = f.number("cpus", 0.1, 0.01, 1024, false);
        double mem = f.number("mem", 32, 32, 16L * 1024 * 1024, false);
        // returned even when invalid, so the checks that depend on an executor's presence still run
        return new AppDefinition.Executor(cmd, cpus, mem);
    }

    private static List<List<String>> constraints(JsonNode node, List<FieldError> errors) {
        List<List<String>> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isArray()) {
            errors.add(new FieldError("constraints", "must be a list of [field, operator, value] lists"));
            return out;
        }
        for (int i = 0; i < node.size(); i++) {
            String where = "constraints[" + i + "]";
            JsonNode c = node.get(i);
            List<String> parts = new ArrayList<>();
            if (c.isArray()) {
                c.forEach(p -> parts.add(p.isValueNode() ? p.asText() : null));
            }
            if (parts.size() < 2 || parts.size() > 3 || parts.contains(null)) {
                errors.add(new FieldError(where, "must be [field, operator] or [field, operator, value]"));
                continue;
            }
            String op = parts.get(1).toUpperCase(java.util.Locale.ROOT);
            parts.set(1, op);
            String value = parts.size() == 3 ? parts.get(2) : null;
            if (!OPERATORS.contains(op)) {
                errors.add(new FieldError(where, "unknown operator '" + parts.get(1) + "'; one of " + OPERATORS));
            } else if (op.equals("UNIQUE") && value != null) {
                errors.add(new FieldError(where, "UNIQUE takes no value"));
            } else if (Set.of("CLUSTER", "LIKE", "UNLIKE", "MAX_PER").contains(op) && value == null) {
                errors.add(new FieldError(where, op + " needs a value"));
            } else if (Set.of("LIKE", "UNLIKE").contains(op) && !compiles(value)) {
                errors.add(new FieldError(where, "'" + value + "' is not a regular expression"));
            } else if (op.equals("MAX_PER") && !positiveInt(value)) {
                errors.add(new FieldError(where, "MAX_PER needs a whole number >= 1"));
            } else if (op.equals("GROUP_BY") && value != null && !positiveInt(value)) {
                errors.add(new FieldError(where, "GROUP_BY's value (the number of groups) must be >= 1"));
            } else {
                out.add(List.copyOf(parts));
            }
        }
        return out;
    }

    private static boolean compiles(String regex) {
        try {
            Pattern.compile(regex);
            return true;
        } catch (PatternSyntaxException e) {
            return false;
        }
    }

    private static boolean positiveInt(String value) {
        try {
            return Integer.parseInt(value) >= 1;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static List<AppDefinition.HealthCheckDefinition> healthChecks(JsonNode node, int ports,
                                                                          List<FieldError> errors) {
        List<AppDefinition.HealthCheckDefinition> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isArray()) {
            errors.add(new FieldError("healthChecks", "must be a list"));
            return out;
        }
        if (node.size() > 1) {
            errors.add(new FieldError("healthChecks", "at most one health check (Mesos runs one per task)"));
        }
        for (int i = 0; i < node.size(); i++) {
            String where = "healthChecks[" + i + "]";
            JsonNode c = node.get(i);
            if (!c.isObject()) {
                errors.add(new FieldError(where, "must be an object"));
                continue;
            }
            Fields f = new Fields(c, errors, where + ".");
            String protocol = f.string("protocol", "HTTP").toUpperCase(java.util.Locale.ROOT);
            if (!PROTOCOLS.contains(protocol)) {
                errors.add(new FieldError(where + ".protocol", "must be one of " + PROTOCOLS));
            }
            String path = f.string("path", "/");
            int portIndex = f.integer("portIndex", 0, 0, MAX_PORTS);
            String command = f.string("command", null);
            if ((protocol.equals("HTTP") || protocol.equals("TCP")) && portIndex >= ports) {
                errors.add(new FieldError(where + ".portIndex", "the app has " + ports + " port(s): " + protocol
                        + " checks port " + portIndex + " (set ports to at least " + (portIndex + 1) + ")"));
            }
            if (protocol.equals("COMMAND") && (command == null || command.isBlank())) {
                errors.add(new FieldError(where + ".command", "COMMAND checks need a command"));
            }
            if (protocol.equals("HTTP") && !path.startsWith("/")) {
                errors.add(new FieldError(where + ".path", "must start with /"));
            }
            out.add(new AppDefinition.HealthCheckDefinition(protocol, protocol.equals("HTTP") ? path : null,
                    protocol.equals("COMMAND") ? null : portIndex, protocol.equals("COMMAND") ? command : null,
                    f.number("gracePeriodSeconds", 300, 0, 86_400, true),
                    f.number("intervalSeconds", 10, 0.1, 3600, false),
                    f.number("timeoutSeconds", 20, 0.1, 3600, false),
                    f.integer("maxConsecutiveFailures", 3, 0, 1000),
                    f.number("delaySeconds", 0, 0, 3600, true)));
        }
        return out;
    }

    private static AppDefinition.UpgradeStrategy strategy(JsonNode node, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            return AppDefinition.UpgradeStrategy.DEFAULT;
        }
        if (!node.isObject()) {
            errors.add(new FieldError("upgradeStrategy", "must be an object"));
            return AppDefinition.UpgradeStrategy.DEFAULT;
        }
        Fields f = new Fields(node, errors, "upgradeStrategy.");
        double min = f.number("minimumHealthCapacity", 1, 0, 1, true);
        double over = f.number("maximumOverCapacity", 1, 0, 1, true);
        if (min == 1 && over == 0) {
            errors.add(new FieldError("upgradeStrategy", "minimumHealthCapacity 1 with maximumOverCapacity 0 leaves"
                    + " no room to replace any instance"));
        }
        return new AppDefinition.UpgradeStrategy(min, over);
    }

    /** Typed reads of one object's fields, each problem added to the list under the field's path. */
    private static final class Fields {
        private final JsonNode node;
        private final List<FieldError> errors;
        private final String prefix;

        Fields(JsonNode node, List<FieldError> errors) {
            this(node, errors, "");
        }

        Fields(JsonNode node, List<FieldError> errors, String prefix) {
            this.node = node;
            this.errors = errors;
            this.prefix = prefix;
        }

        private JsonNode get(String name) {
            JsonNode value = node.get(name);
            return value == null || value.isNull() ? null : value;
        }

        String string(String name, String fallback) {
            JsonNode value = get(name);
            if (value == null) {
                return fallback;
            }
            if (!value.isTextual()) {
                errors.add(new FieldError(prefix + name, "must be a string"));
                return fallback;
            }
            return value.asText();
        }

        double number(String name, double fallback, double min, double max, boolean minInclusive) {
            JsonNode value = get(name);
            if (value == null) {
                return fallback;
            }
            if (!value.isNumber()) {
                errors.add(new FieldError(prefix + name, "must be a number"));
                return fallback;
            }
            double d = value.asDouble();
            boolean aboveMin = minInclusive ? d >= min : d > 0 && d >= min;
            if (!aboveMin || d > max || Double.isNaN(d)) {
                errors.add(new FieldError(prefix + name, "must be " + (minInclusive ? ">= " + fmt(min)
                        : "> 0 (at least " + fmt(min) + ")") + " and <= " + fmt(max)));
                return fallback;
            }
            return d;
        }

        int integer(String name, int fallback, int min, int max) {
            JsonNode value = get(name);
            if (value == null) {
                return fallback;
            }
            if (!value.isIntegralNumber() || value.asLong() < min || value.asLong() > max) {
                errors.add(new FieldError(prefix + name, "must be a whole number from " + min + " to " + max));
                return fallback;
            }
            return value.asInt();
        }

        List<String> stringList(String name) {
            JsonNode value = get(name);
            List<String> out = new ArrayList<>();
            if (value == null) {
                return out;
            }
            if (!value.isArray()) {
                errors.add(new FieldError(prefix + name, "must be a list of strings"));
                return out;
            }
            for (JsonNode item : value) {
                if (!item.isTextual()) {
                    errors.add(new FieldError(prefix + name, "must be a list of strings"));
                    return new ArrayList<>();
                }
                out.add(item.asText());
            }
            return out;
        }

        Map<String, String> stringMap(String name) {
            JsonNode value = get(name);
            Map<String, String> out = new LinkedHashMap<>();
            if (value == null) {
                return out;
            }
            if (!value.isObject()) {
                errors.add(new FieldError(prefix + name, "must be an object of strings"));
                return out;
            }
            value.fields().forEachRemaining(e -> {
                if (e.getValue().isValueNode() && !e.getValue().isNull()) {
                    out.put(e.getKey(), e.getValue().asText());
                } else {
                    errors.add(new FieldError(prefix + name + "." + e.getKey(), "must be a string"));
                }
            });
            return out;
        }

        private static String fmt(double d) {
            return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
        }
    }
}
