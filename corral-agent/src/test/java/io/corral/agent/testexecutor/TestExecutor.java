package io.corral.agent.testexecutor;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A tiny custom executor for the tests, written as an independent Mesos client would be: the JDK only (java.net.http
 * and a small JSON reader below), the v1 executor API in JSON, its configuration strictly from the environment the
 * agent gives (it exits with status 3 when a variable Mesos promises is missing).
 *
 * <p>It subscribes; runs each LAUNCHed task's {@code data} (as text; {@code command.value} if it has no data) with
 * {@code /bin/sh -c}, reporting TASK_RUNNING,
 * then TASK_FINISHED, TASK_FAILED or TASK_KILLED (KILL destroys the process), each with a uuid of its own; answers
 * ACKNOWLEDGED with a MESSAGE "acknowledged &lt;task&gt; &lt;state&gt;" to its framework, so a test can see that the
 * acknowledgement reached it; echoes every MESSAGE back as "echo: &lt;data&gt;"; exits 0 on SHUTDOWN. When its
 * stream ends and its framework checkpoints, it subscribes again (an agent restart), listing the tasks it runs as
 * {@code unacknowledged_tasks}; otherwise it exits.
 *
 * <p>Started with {@code java} in source-file mode or from the test classes; it prints its MESOS_ environment and
 * every event type to stdout (the sandbox's {@code stdout}).
 *
 * <p>Threading: the main thread reads the event stream; each task has a thread waiting for its process. Shared
 * maps are concurrent.
 */
public final class TestExecutor {
    private static final String[] REQUIRED = {"MESOS_FRAMEWORK_ID", "MESOS_EXECUTOR_ID", "MESOS_DIRECTORY",
        "MESOS_SANDBOX", "MESOS_AGENT_ENDPOINT", "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", "MESOS_SLAVE_ID",
        "MESOS_CHECKPOINT"};
    private static final SecureRandom RANDOM = new SecureRandom();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI endpoint;
    private final String frameworkId;
    private final String executorId;
    private final Path sandbox;
    /** Tasks running (or not yet acknowledged as ended), by id: their TaskInfo as received. */
    private final Map<String, Object> tasks = new ConcurrentHashMap<>();
    private final Map<String, Process> processes = new ConcurrentHashMap<>();
    private final Map<String, Boolean> killed = new ConcurrentHashMap<>();

    private TestExecutor(Map<String, String> env) {
        this.endpoint = URI.create("http://" + env.get("MESOS_AGENT_ENDPOINT") + "/api/v1/executor");
        this.frameworkId = env.get("MESOS_FRAMEWORK_ID");
        this.executorId = env.get("MESOS_EXECUTOR_ID");
        this.sandbox = Path.of(env.get("MESOS_SANDBOX"));
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> env = System.getenv();
        for (String name : REQUIRED) {
            if (env.get(name) == null || env.get(name).isEmpty()) {
                System.err.println("Missing environment variable " + name);
                System.exit(3);
            }
        }
        if (env.get("MESOS_AGENT_ENDPOINT").contains("://")) {
            System.err.println("MESOS_AGENT_ENDPOINT must be host:port");
            System.exit(3);
        }
        boolean checkpoint = env.get("MESOS_CHECKPOINT").equals("1");
        if (checkpoint && (env.get("MESOS_RECOVERY_TIMEOUT") == null
                || env.get("MESOS_SUBSCRIPTION_BACKOFF_MAX") == null)) {
            System.err.println("Checkpointing without MESOS_RECOVERY_TIMEOUT or MESOS_SUBSCRIPTION_BACKOFF_MAX");
            System.exit(3);
        }
        env.entrySet().stream().filter(e -> e.getKey().startsWith("MESOS_") || e.getKey().equals("LIBPROCESS_PORT"))
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> System.out.println(e.getKey() + "=" + e.getValue()));
        System.out.flush();
        new TestExecutor(env).run(checkpoint);
    }

    private void run(boolean checkpoint) throws Exception {
        // How long it keeps trying to reach a restarted agent (Mesos's executors use MESOS_RECOVERY_TIMEOUT).
        Duration patience = Duration.ofSeconds(60);
        long deadline = System.nanoTime() + patience.toNanos();
        boolean subscribedOnce = false;
        while (true) {
            try {
                if (subscribeAndServe()) {
                    subscribedOnce = true;
                    deadline = System.nanoTime() + patience.toNanos();
                }
            } catch (IOException e) {
                System.out.println("stream ended or agent unreachable: " + e);
            }
            if (!checkpoint || System.nanoTime() > deadline) {
                System.out.println(subscribedOnce ? "disconnected; exiting" : "could not subscribe; exiting");
                System.out.flush();
                System.exit(subscribedOnce ? 5 : 4);
            }
            Thread.sleep(200); // the executor's backoff before subscribing again
        }
    }

    /** One subscription: true if the agent accepted it. Returns when the stream ends. */
    private boolean subscribeAndServe() throws Exception {
        StringBuilder unacknowledged = new StringBuilder();
        for (Object task : tasks.values()) {
            unacknowledged.append(unacknowledged.length() == 0 ? "" : ",").append(Json.write(task));
        }
        String body = call("SUBSCRIBE", "\"subscribe\":{\"unacknowledged_tasks\":[" + unacknowledged + "]}");
        HttpResponse<InputStream> response = http.send(authorized(HttpRequest.newBuilder(endpoint)
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))).build(), HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            System.out.println("SUBSCRIBE answered " + response.statusCode() + ": "
                    + new String(response.body().readAllBytes(), StandardCharsets.UTF_8));
            return false;
        }
        try (DataInputStream in = new DataInputStream(response.body())) {
            while (true) {
                Map<?, ?> event = (Map<?, ?>) Json.parse(readRecord(in));
                String type = (String) event.get("type");
                System.out.println("event " + type);
                System.out.flush();
                switch (type) {
                    case "LAUNCH" -> launch(((Map<?, ?>) event.get("launch")).get("task"));
                    case "LAUNCH_GROUP" -> {
                        Map<?, ?> group = (Map<?, ?>) ((Map<?, ?>) event.get("launch_group")).get("task_group");
                        for (Object task : (List<?>) group.get("tasks")) {
                            launch(task);
                        }
                    }
                    case "KILL" -> {
                        String taskId = id(((Map<?, ?>) event.get("kill")).get("task_id"));
                        killed.put(taskId, true);
                        Process process = processes.get(taskId);
                        if (process != null) {
                            process.destroy();
                        }
                    }
                    case "ACKNOWLEDGED" -> {
                        Map<?, ?> ack = (Map<?, ?>) event.get("acknowledged");
                        String taskId = id(ack.get("task_id"));
                        System.out.println("acknowledged " + taskId + " " + ack.get("uuid"));
                        if (!processes.containsKey(taskId)) {
                            tasks.remove(taskId); // ended and its last update acknowledged
                        }
                        message("acknowledged " + taskId);
                    }
                    case "MESSAGE" -> {
                        String data = new String(Base64.getDecoder().decode(
                                (String) ((Map<?, ?>) event.get("message")).get("data")), StandardCharsets.UTF_8);
                        message("echo: " + data);
                    }
                    case "SHUTDOWN" -> {
                        processes.values().forEach(Process::destroy);
                        System.out.flush();
                        System.exit(0);
                    }
                    default -> { }
                }
            }
        } catch (EOFException end) {
            System.out.println("stream ended");
        }
        return true;
    }

    private void launch(Object task) throws IOException, InterruptedException {
        Map<?, ?> info = (Map<?, ?>) task;
        String taskId = id(info.get("task_id"));
        // A task for a custom executor carries no CommandInfo (Mesos refuses both): its command is its data.
        String command = info.get("data") != null
                ? new String(Base64.getDecoder().decode((String) info.get("data")), StandardCharsets.UTF_8)
                : (String) ((Map<?, ?>) info.get("command")).get("value");
        tasks.put(taskId, task);
        Process process = new ProcessBuilder("/bin/sh", "-c", command).directory(sandbox.toFile())
                .redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        processes.put(taskId, process);
        update(taskId, "TASK_RUNNING");
        Thread waiter = new Thread(() -> {
            try {
                int status = process.waitFor();
                processes.remove(taskId);
                update(taskId, killed.containsKey(taskId) ? "TASK_KILLED"
                        : status == 0 ? "TASK_FINISHED" : "TASK_FAILED");
            } catch (Exception e) {
                e.printStackTrace();
            }
        }, "task-" + taskId);
        waiter.setDaemon(true);
        waiter.start();
    }

    private void update(String taskId, String state) throws IOException, InterruptedException {
        byte[] uuid = new byte[16];
        RANDOM.nextBytes(uuid);
        post(call("UPDATE", "\"update\":{\"status\":{\"task_id\":{\"value\":" + Json.quote(taskId) + "},"
                + "\"state\":\"" + state + "\",\"source\":\"SOURCE_EXECUTOR\",\"uuid\":\""
                + Base64.getEncoder().encodeToString(uuid) + "\"}}"));
    }

    private void message(String text) throws IOException, InterruptedException {
        post(call("MESSAGE", "\"message\":{\"data\":\""
                + Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8)) + "\"}"));
    }

    private String call(String type, String body) {
        return "{\"type\":\"" + type + "\",\"framework_id\":{\"value\":" + Json.quote(frameworkId)
                + "},\"executor_id\":{\"value\":" + Json.quote(executorId) + "}," + body + "}";
    }

    private void post(String body) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(authorized(HttpRequest.newBuilder(endpoint)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 202) {
            System.out.println("call answered " + response.statusCode() + ": " + response.body());
        }
    }

    private static String id(Object idObject) {
        return (String) ((Map<?, ?>) idObject).get("value");
    }

    /** One RecordIO record: its length in decimal, a newline, then that many bytes. */
    private static String readRecord(DataInputStream in) throws IOException {
        StringBuilder length = new StringBuilder();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                throw new EOFException();
            }
            length.append((char) c);
        }
        byte[] record = new byte[Integer.parseInt(length.toString().trim())];
        in.readFully(record);
        return new String(record, StandardCharsets.UTF_8);
    }

    /** Just enough JSON: objects (as ordered maps), arrays, strings, numbers, booleans and null. */
    static final class Json {
        private final String text;
        private int at;

        private Json(String text) {
            this.text = text;
        }

        static Object parse(String text) {
            Json json = new Json(text);
            Object value = json.value();
            json.space();
            if (json.at != text.length()) {
                throw new IllegalArgumentException("trailing data at " + json.at);
            }
            return value;
        }

        private Object value() {
            space();
            char c = text.charAt(at);
            switch (c) {
                case '{' -> {
                    at++;
                    Map<String, Object> object = new LinkedHashMap<>();
                    space();
                    if (text.charAt(at) == '}') {
                        at++;
                        return object;
                    }
                    while (true) {
                        space();
                        String key = string();
                        space();
                        expect(':');
                        object.put(key, value());
                        space();
                        if (text.charAt(at++) == '}') {
                            return object;
                        }
                    }
                }
                case '[' -> {
                    at++;
                    List<Object> array = new ArrayList<>();
                    space();
                    if (text.charAt(at) == ']') {
                        at++;
                        return array;
                    }
                    while (true) {
                        array.add(value());
                        space();
                        if (text.charAt(at++) == ']') {
                            return array;
                        }
                    }
                }
                case '"' -> {
                    return string();
                }
                default -> {
                    int start = at;
                    while (at < text.length() && ",}] \n\r\t".indexOf(text.charAt(at)) < 0) {
                        at++;
                    }
                    String word = text.substring(start, at);
                    return switch (word) {
                        case "true" -> Boolean.TRUE;
                        case "false" -> Boolean.FALSE;
                        case "null" -> null;
                        default -> Double.parseDouble(word);
                    };
                }
            }
        }

        private String string() {
            expect('"');
            StringBuilder out = new StringBuilder();
            while (true) {
                char c = text.charAt(at++);
                if (c == '"') {
                    return out.toString();
                }
                if (c == '\\') {
                    char e = text.charAt(at++);
                    switch (e) {
                        case 'n' -> out.append('\n');
                        case 't' -> out.append('\t');
                        case 'r' -> out.append('\r');
                        case 'b' -> out.append('\b');
                        case 'f' -> out.append('\f');
                        case 'u' -> {
                            out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
                            at += 4;
                        }
                        default -> out.append(e);
                    }
                } else {
                    out.append(c);
                }
            }
        }

        private void expect(char c) {
            if (text.charAt(at++) != c) {
                throw new IllegalArgumentException("expected '" + c + "' at " + (at - 1));
            }
        }

        private void space() {
            while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
                at++;
            }
        }

        static String write(Object value) {
            if (value == null) {
                return "null";
            } else if (value instanceof String s) {
                return quote(s);
            } else if (value instanceof Map<?, ?> map) {
                StringBuilder out = new StringBuilder("{");
                map.forEach((k, v) -> out.append(out.length() > 1 ? "," : "").append(quote((String) k)).append(':')
                        .append(write(v)));
                return out.append('}').toString();
            } else if (value instanceof List<?> list) {
                StringBuilder out = new StringBuilder("[");
                list.forEach(v -> out.append(out.length() > 1 ? "," : "").append(write(v)));
                return out.append(']').toString();
            } else if (value instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d)) {
                return String.valueOf(d.longValue());
            }
            return String.valueOf(value);
        }

        static String quote(String s) {
            StringBuilder out = new StringBuilder("\"");
            for (char c : s.toCharArray()) {
                if (c == '"' || c == '\\') {
                    out.append('\\').append(c);
                } else if (c < 0x20) {
                    out.append(String.format("\\u%04x", (int) c));
                } else {
                    out.append(c);
                }
            }
            return out.append('"').toString();
        }
    }

    /** As a Mesos executor library does: the agent's token, when it gave one, on every call. */
    private static HttpRequest.Builder authorized(HttpRequest.Builder request) {
        String token = System.getenv("MESOS_EXECUTOR_AUTHENTICATION_TOKEN");
        if (token != null && !token.isEmpty()) {
            request.header("Authorization", "Bearer " + token);
        }
        return request;
    }
}
