package io.corral.frameworks.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A job definition in JSON, both ways. Reading checks every field and reports all that are wrong at once
 * ({@link InvalidJobException}), so a user fixes a definition in one round trip; unknown fields are errors too (a
 * misspelt {@code timout_seconds} would otherwise be silently ignored).
 *
 * <p>Stateless; thread-safe.
 */
public final class JobJson {
    /** Job ids become znode names and parts of task ids: letters, digits, '.', '_', '-', starting alphanumeric. */
    static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    static final double DEFAULT_CPUS = 0.1;
    static final double DEFAULT_MEM = 32;
    static final int MAX_RETRIES = 100;
    private static final Set<String> FIELDS = Set.of("id", "cmd", "args", "image", "cpus", "mem", "disk", "env",
            "user", "labels", "schedule", "timezone", "retries", "retry_delay_seconds", "max_retry_delay_seconds",
            "timeout_seconds", "concurrency");

    private JobJson() {
    }

    /** The definition {@code json} describes, or InvalidJobException naming every invalid field. */
    public static JobDefinition parse(JsonNode json) {
        if (json == null || !json.isObject()) {
            throw new InvalidJobException(List.of(new FieldError("", "a job definition is a JSON object")));
        }
        Reader r = new Reader(json);
        r.unknownFields();
        String id = r.id();
        JobCommand command = r.command();
        String image = r.optionalText("image");
        double cpus = r.number("cpus", DEFAULT_CPUS, false);
        double mem = r.number("mem", DEFAULT_MEM, false);
        double disk = r.number("disk", 0, true);
        Map<String, String> env = r.strings("env", true);
        String user = r.optionalText("user");
        Map<String, String> labels = r.strings("labels", false);
        CronSchedule schedule = r.schedule();
        RetryPolicy retry = r.retry();
        Duration timeout = r.timeout();
        ConcurrencyPolicy concurrency = r.concurrency();
        if (!r.errors.isEmpty()) {
            throw new InvalidJobException(r.errors);
        }
        return new JobDefinition(id, command, image, cpus, mem, disk, env, user, labels, schedule, retry, timeout,
                concurrency);
    }

    /** The definition as the REST API shows it: every field, defaults included. */
    public static ObjectNode write(JobDefinition job) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("id", job.id());
        if (job.command().isShell()) {
            json.put("cmd", job.command().shell());
        } else {
            ArrayNode args = json.putArray("args");
            job.command().argv().forEach(args::add);
        }
        if (job.image() != null) {
            json.put("image", job.image());
        }
        json.put("cpus", job.cpus());
        json.put("mem", job.mem());
        json.put("disk", job.disk());
        ObjectNode env = json.putObject("env");
        new TreeMap<>(job.env()).forEach(env::put);
        if (job.user() != null) {
            json.put("user", job.user());
        }
        ObjectNode labels = json.putObject("labels");
        new TreeMap<>(job.labels()).forEach(labels::put);
        if (job.schedule() != null) {
            json.put("schedule", job.schedule().expression());
            json.put("timezone", job.schedule().zone().getId());
        }
        json.put("retries", job.retry().maxRetries());
        json.put("retry_delay_seconds", seconds(job.retry().initialDelay()));
        json.put("max_retry_delay_seconds", seconds(job.retry().maxDelay()));
        if (job.timeout() != null) {
            json.put("timeout_seconds", seconds(job.timeout()));
        }
        json.put("concurrency", job.concurrency().json());
        return json;
    }

    private static double seconds(Duration duration) {
        return duration.toMillis() / 1000.0;
    }

    /** Reads one definition, collecting the errors. */
    private static final class Reader {
        private final JsonNode json;
        final List<FieldError> errors = new ArrayList<>();

        Reader(JsonNode json) {
            this.json = json;
        }

        void error(String field, String message) {
            errors.add(new FieldError(field, message));
        }

        void unknownFields() {
            for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!FIELDS.contains(name)) {
                    error(name, "unknown field");
                }
            }
        }

        /** Present and not JSON null. */
        boolean has(String field) {
            return json.hasNonNull(field);
        }

        String id() {
            if (!has("id")) {
                error("id", "is required");
                return null;
            }
            JsonNode id = json.get("id");
            if (!id.isTextual() || !ID.matcher(id.asText()).matches()) {
                error("id", "must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
                return null;
            }
            return id.asText();
        }

        JobCommand command() {
            boolean shell = has("cmd");
            boolean argv = has("args");
            if (shell == argv) {
                error(shell ? "args" : "cmd", shell ? "cmd and args cannot both be given"
                        : "is required (a shell command line), or args (an argument vector)");
                return null;
            }
            if (shell) {
                JsonNode cmd = json.get("cmd");
                if (!cmd.isTextual() || cmd.asText().isBlank()) {
                    error("cmd", "must be a non-empty string");
                    return null;
                }
                return JobCommand.shell(cmd.asText());
            }
            JsonNode args = json.get("args");
            if (!args.isArray() || args.isEmpty()) {
                error("args", "must be a non-empty array of strings");
                return null;
            }
            List<String> argvList = new ArrayList<>();
            for (int i = 0; i < args.size(); i++) {
                if (!args.get(i).isTextual()) {
                    error("args[" + i + "]", "must be a string");
                    return null;
                }
                argvList.add(args.get(i).asText());
            }
            if (argvList.get(0).isEmpty()) {
                error("args[0]", "must name the program");
                return null;
            }
            return JobCommand.argv(argvList);
        }

        String optionalText(String field) {
            if (!has(field)) {
                return null;
            }
            JsonNode value = json.get(field);
            if (!value.isTextual() || value.asText().isBlank()) {
                error(field, "must be a non-empty string");
                return null;
            }
            return value.asText();
        }

        double number(String field, double absent, boolean zeroAllowed) {
            if (!has(field)) {
                return absent;
            }
            JsonNode value = json.get(field);
            if (!value.isNumber() || !Double.isFinite(value.asDouble())) {
                error(field, "must be a number");
                return absent;
            }
            double number = value.asDouble();
            if (zeroAllowed ? number < 0 : number <= 0) {
                error(field, zeroAllowed ? "must be >= 0" : "must be > 0");
            }
            return number;
        }

        Map<String, String> strings(String field, boolean environment) {
            Map<String, String> values = new LinkedHashMap<>();
            if (!has(field)) {
                return values;
            }
            JsonNode object = json.get(field);
            if (!object.isObject()) {
                error(field, "must be an object of strings");
                return values;
            }
            object.fields().forEachRemaining(entry -> {
                String name = entry.getKey();
                if (name.isEmpty() || (environment && name.contains("="))) {
                    error(field + "." + name, environment ? "a variable name is non-empty, without '='"
                            : "a label name is non-empty");
                } else if (!entry.getValue().isTextual()) {
                    error(field + "." + name, "must be a string");
                } else {
                    values.put(name, entry.getValue().asText());
                }
            });
            return values;
        }

        CronSchedule schedule() {
            ZoneId zone = ZoneId.of("UTC");
            String zoneName = optionalText("timezone");
            if (zoneName != null) {
                try {
                    zone = CronSchedule.zone(zoneName);
                } catch (IllegalArgumentException e) {
                    error("timezone", e.getMessage());
                    zone = null;
                }
            }
            if (!has("schedule")) {
                if (zoneName != null) {
                    error("timezone", "is only meaningful with a schedule");
                }
                return null;
            }
            String expression = optionalText("schedule");
            if (expression == null || zone == null) {
                return null;
            }
            try {
                return CronSchedule.of(expression, zone);
            } catch (IllegalArgumentException e) {
                error("schedule", e.getMessage());
                return null;
            }
        }

        RetryPolicy retry() {
            int retries = 0;
            if (has("retries")) {
                JsonNode value = json.get("retries");
                if (!value.isIntegralNumber() || value.asLong() < 0 || value.asLong() > MAX_RETRIES) {
                    error("retries", "must be a whole number from 0 to " + MAX_RETRIES);
                } else {
                    retries = value.asInt();
                }
            }
            Duration initial = seconds("retry_delay_seconds", RetryPolicy.NONE.initialDelay());
            Duration max = seconds("max_retry_delay_seconds", RetryPolicy.NONE.maxDelay());
            if (initial != null && max != null && max.compareTo(initial) < 0) {
                error("max_retry_delay_seconds", "must be >= retry_delay_seconds");
            }
            return initial == null || max == null ? RetryPolicy.NONE : new RetryPolicy(retries, initial, max);
        }

        Duration timeout() {
            return has("timeout_seconds") ? seconds("timeout_seconds", null) : null;
        }

        /** A positive number of seconds (millisecond precision); null and an error when it is not. */
        Duration seconds(String field, Duration absent) {
            if (!has(field)) {
                return absent;
            }
            JsonNode value = json.get(field);
            double seconds = value.isNumber() ? value.asDouble() : Double.NaN;
            if (!(seconds >= 0.001) || seconds > 366 * 24 * 3600.0) {
                error(field, "must be a number of seconds, at least 0.001 and at most a year");
                return null;
            }
            return Duration.ofMillis(Math.round(seconds * 1000));
        }

        ConcurrencyPolicy concurrency() {
            String text = optionalText("concurrency");
            if (text == null) {
                return ConcurrencyPolicy.FORBID;
            }
            return ConcurrencyPolicy.parse(text).orElseGet(() -> {
                error("concurrency", "must be allow, forbid or replace");
                return ConcurrencyPolicy.FORBID;
            });
        }
    }
}
