package io.corral.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.agent.containerizer.ProcessContainerizer;
import io.corral.agent.testexecutor.TestExecutor;
import io.corral.protocol.agent.AgentCall;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.concurrent.EventLoop;
import io.corral.protocol.concurrent.SystemTimers;
import io.corral.protocol.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.ExecutorID;
import org.apache.mesos.v1.Protos.ExecutorInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Executors on a real agent (its loop, its containerizer, its HTTP server with {@code /api/v1/executor}) without a
 * master: a recording channel stands for it. The custom executor is {@link TestExecutor}, a real JVM process speaking
 * JSON over HTTP; the default executor runs real shell tasks.
 */
class ExecutorApiTest {
    private static final AgentID AGENT_ID = AgentID.newBuilder().setValue("M-S1").build();
    private static final FrameworkInfo FRAMEWORK = FrameworkInfo.newBuilder().setUser("u").setName("f")
            .setId(FrameworkID.newBuilder().setValue("F1")).setCheckpoint(true).build();
    private static final MasterInfo MASTER = MasterInfo.newBuilder().setId("M").setIp(0).setPort(5050).build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir Path workDir;
    private final List<Incarnation> incarnations = new ArrayList<>();

    /** One run of the agent process: loop, timers, HTTP server, Agent; a channel records what it sent. */
    private final class Incarnation {
        final EventLoop loop = new EventLoop("agent-loop-" + incarnations.size());
        final SystemTimers timers = new SystemTimers(loop, "agent-timers");
        final ScheduledExecutorService killTimers = Executors.newSingleThreadScheduledExecutor();
        final RecordingChannel channel = new RecordingChannel();
        final HttpServer http;
        volatile ExecutorApi api;
        final Agent agent;

        Incarnation(int port, Duration registrationTimeout) {
            this(port, registrationTimeout, ExecutorTokens.disabled());
        }

        Incarnation(int port, Duration registrationTimeout, ExecutorTokens tokens) {
            incarnations.add(this);
            http = HttpServer.start("127.0.0.1", port, exchange -> {
                if (exchange.path().equals("/api/v1/executor") && api != null) {
                    api.handle(exchange);
                } else {
                    exchange.respondText(404, "no");
                }
            });
            AgentInfo info = AgentInfo.newBuilder().setHostname("127.0.0.1").setPort(http.port()).build();
            agent = new Agent(info, workDir, new ProcessContainerizer(killTimers), timers, loop::execute, id -> { },
                    registrationTimeout, AgentServices.defaults(workDir).withExecutorTokens(tokens));
            onLoop(() -> {
                agent.recover();
                agent.connected(channel);
                agent.handle(AgentEvent.registered(AGENT_ID, MASTER, 15), channel);
            });
            api = new ExecutorApi(agent, loop::execute, tokens);
        }

        Incarnation() {
            this(0, Duration.ofSeconds(60));
        }

        String url() {
            return "http://127.0.0.1:" + http.port() + "/api/v1/executor";
        }

        void event(AgentEvent event) {
            onLoop(() -> agent.handle(event, channel));
        }

        /** From now on every update is acknowledged as soon as it is sent, as by a framework. */
        void autoAcknowledge() {
            channel.autoAcknowledge = status -> loop.execute(() -> agent.handle(
                    AgentEvent.acknowledge(FRAMEWORK.getId(), status.getTaskId(),
                            Base64.getEncoder().encodeToString(status.getUuid().toByteArray())), channel));
        }

        void acknowledge(TaskStatus status) {
            event(AgentEvent.acknowledge(FRAMEWORK.getId(), status.getTaskId(),
                    Base64.getEncoder().encodeToString(status.getUuid().toByteArray())));
        }

        TaskStatus awaitUpdate(String taskId, TaskState state) {
            return await().atMost(Duration.ofSeconds(30)).until(() -> channel.update(taskId, state),
                    found -> found != null);
        }

        <T> T onLoop(Supplier<T> question) {
            return loop.submit(question).join();
        }

        void onLoop(Runnable action) {
            loop.submit(() -> {
                action.run();
                return null;
            }).join();
        }

        /** kill -9: loop, timers and HTTP server stop; executor and task processes do not. */
        void crash() {
            api = null;
            http.close();
            timers.close();
            loop.close();
            killTimers.shutdownNow();
        }
    }

    private static final class RecordingChannel implements MasterChannel {
        final List<AgentCall> sent = new CopyOnWriteArrayList<>();
        /** When set, every update is acknowledged as a framework would, through this (posted to the agent's loop). */
        volatile java.util.function.Consumer<TaskStatus> autoAcknowledge;

        @Override
        public void send(AgentCall call) {
            sent.add(call);
            if (autoAcknowledge != null) {
                call.statusUpdates().forEach(update -> autoAcknowledge.accept(update.status()));
            }
        }

        @Override
        public void registered(AgentID id) {}

        @Override
        public boolean isRegistered() {
            return true;
        }

        TaskStatus update(String taskId, TaskState state) {
            return sent.stream().flatMap(call -> call.statusUpdates().stream()).map(AgentCall.Update::status)
                    .filter(status -> status.getTaskId().getValue().equals(taskId) && status.getState() == state)
                    .findFirst().orElse(null);
        }

        List<String> messages() {
            return sent.stream().filter(call -> call.type() == AgentCall.Type.MESSAGE)
                    .map(call -> new String(Base64.getDecoder().decode(call.message().data()),
                            StandardCharsets.UTF_8)).toList();
        }

        List<AgentCall.ExecutorExited> exits() {
            return sent.stream().filter(call -> call.type() == AgentCall.Type.EXECUTOR_EXITED)
                    .map(AgentCall::executorExited).toList();
        }
    }

    @AfterEach
    void stopEverything() {
        incarnations.forEach(Incarnation::crash);
        // Launchers first (SIGKILLed, they record nothing more), then what they ran; wait for all of them, so that
        // nothing writes into the work dir while JUnit deletes it.
        List<ProcessHandle> stopped = new ArrayList<>();
        for (String name : List.of("launcher.pid", "task.pid")) {
            for (Path pidFile : files(name)) {
                try {
                    ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim().split(" ")[0]))
                            .ifPresent(process -> {
                                process.destroyForcibly();
                                stopped.add(process);
                            });
                } catch (Exception ignored) {
                    // already gone
                }
            }
        }
        stopped.forEach(process -> process.onExit().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS)
                .exceptionally(timeout -> null).join());
    }

    /** The test executor, a JVM started from this module's test classes. */
    static CommandInfo testExecutorCommand() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classes;
        try {
            classes = Path.of(TestExecutor.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        return CommandInfo.newBuilder().setShell(true).setValue("exec '" + java + "' -Xmx48m -XX:TieredStopAtLevel=1"
                + " -XX:+UseSerialGC -Xshare:auto -cp '" + classes + "' " + TestExecutor.class.getName()).build();
    }

    private static ExecutorInfo customExecutor(String id, CommandInfo command) {
        return ExecutorInfo.newBuilder().setType(ExecutorInfo.Type.CUSTOM)
                .setExecutorId(ExecutorID.newBuilder().setValue(id)).setFrameworkId(FRAMEWORK.getId())
                .setCommand(command).build();
    }

    private static TaskInfo task(String id, String command, ExecutorInfo executor) {
        TaskInfo.Builder task = TaskInfo.newBuilder().setName(id).setTaskId(TaskID.newBuilder().setValue(id))
                .setAgentId(AGENT_ID);
        if (executor != null) { // as Mesos wants: a custom executor's task has no CommandInfo; the test one runs data
            task.setExecutor(executor).setData(com.google.protobuf.ByteString.copyFromUtf8(command));
        } else {
            task.setCommand(CommandInfo.newBuilder().setShell(true).setValue(command));
        }
        return task.build();
    }

    private static HttpResponse<String> post(String url, String contentType, byte[] body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String call(String type, String executorId, String body) {
        return "{\"type\":\"" + type + "\",\"framework_id\":{\"value\":\"F1\"},\"executor_id\":{\"value\":\""
                + executorId + "\"}" + body + "}";
    }

    @Test
    void malformedOrUnknownCallsGetClearErrorsAndNeverHurtTheAgent() throws Exception {
        Incarnation agent = new Incarnation();
        String url = agent.url();
        byte[] subscribe = call("SUBSCRIBE", "e1", ",\"subscribe\":{}").getBytes(StandardCharsets.UTF_8);
        assertThat(post(url, null, subscribe).statusCode()).isEqualTo(400);
        assertThat(post(url, "text/plain", subscribe).statusCode()).isEqualTo(415);
        assertThat(post(url, "application/json", "{not json".getBytes(StandardCharsets.UTF_8)).statusCode())
                .isEqualTo(400);
        assertThat(post(url, "application/x-protobuf", new byte[] {(byte) 0xff, 1, 2}).statusCode()).isEqualTo(400);
        assertThat(post(url, "application/json", "[]".getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(400);
        assertThat(post(url, "application/json", "{\"type\":\"SUBSCRIBE\"}".getBytes(StandardCharsets.UTF_8)))
                .satisfies(r -> assertThat(r.statusCode()).isEqualTo(400))
                .satisfies(r -> assertThat(r.body()).contains("framework_id"));
        assertThat(post(url, "application/json", call("SUBSCRIBE", "../../etc", ",\"subscribe\":{}")
                .getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(400);
        assertThat(post(url, "application/json", call("UPDATE", "e1", ",\"update\":{\"status\":{\"task_id\":"
                + "{\"value\":\"t\"},\"state\":\"TASK_RUNNING\"}}").getBytes(StandardCharsets.UTF_8)))
                .satisfies(r -> assertThat(r.statusCode()).isEqualTo(400))
                .satisfies(r -> assertThat(r.body()).contains("uuid"));
        HttpResponse<String> unknown = post(url, "application/json", subscribe);
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.body()).contains("not running on this agent");
        HttpResponse<String> get = HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(405);

        // A known executor that has not subscribed: 403 to anything but SUBSCRIBE (its program never subscribes).
        ExecutorInfo silent = customExecutor("silent", CommandInfo.newBuilder().setValue("sleep 1000").build());
        agent.event(AgentEvent.launch(FRAMEWORK, task("t-silent", "true", silent)));
        String uuid = Base64.getEncoder().encodeToString(new byte[16]);
        HttpResponse<String> notSubscribed = post(url, "application/json", call("UPDATE", "silent",
                ",\"update\":{\"status\":{\"task_id\":{\"value\":\"t-silent\"},\"state\":\"TASK_RUNNING\","
                        + "\"uuid\":\"" + uuid + "\"}}").getBytes(StandardCharsets.UTF_8));
        assertThat(notSubscribed.statusCode()).isEqualTo(403);
        assertThat(post(url, "application/json", call("MESSAGE", "silent", ",\"message\":{\"data\":\"aGk=\"}")
                .getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(403);
        assertThat(agent.onLoop(() -> agent.agent.tasks().size())).isEqualTo(1); // the agent is fine
    }

    @Test
    void randomlyDamagedCallsAllGetA4xxAndTheAgentCarriesOn() throws Exception {
        Incarnation agent = new Incarnation();
        java.util.Random random = new java.util.Random(8);
        byte[] json = call("UPDATE", "nobody", ",\"update\":{\"status\":{\"task_id\":{\"value\":\"t\"},"
                + "\"state\":\"TASK_RUNNING\",\"uuid\":\"AAAAAAAAAAAAAAAAAAAAAA==\"}}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] proto = protoCall(org.apache.mesos.v1.executor.Protos.Call.Type.SUBSCRIBE, "nobody")
                .setSubscribe(org.apache.mesos.v1.executor.Protos.Call.Subscribe.getDefaultInstance()).build()
                .toByteArray();
        for (int i = 0; i < 150; i++) {
            boolean useJson = i % 2 == 0;
            byte[] body = (useJson ? json : proto).clone();
            for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                body[random.nextInt(body.length)] = (byte) random.nextInt(256);
            }
            if (random.nextInt(5) == 0) {
                body = java.util.Arrays.copyOf(body, random.nextInt(body.length));
            }
            int status = post(agent.url(), useJson ? "application/json" : "application/x-protobuf", body)
                    .statusCode();
            assertThat(status).as("answer %d to %s", i, new String(body, StandardCharsets.ISO_8859_1))
                    .isBetween(400, 499);
        }
        // Still serving: a well-formed call for an unknown executor gets its proper answer.
        assertThat(post(agent.url(), "application/json", json).body()).contains("not running on this agent");
    }

    /**
     * An authenticating agent gives each executor its token (MESOS_EXECUTOR_AUTHENTICATION_TOKEN), as Mesos's does:
     * the executor works with it, and nobody speaks for an executor without that executor's own token.
     */
    @Test
    void executorsSpeakOnlyWithTheirOwnToken() throws Exception {
        ExecutorTokens tokens = ExecutorTokens.load(workDir.resolve("meta"));
        Incarnation agent = new Incarnation(0, Duration.ofSeconds(60), tokens);
        ExecutorInfo executor = customExecutor("custom", testExecutorCommand());
        agent.event(AgentEvent.launch(FRAMEWORK, task("t1", "echo one", executor)));
        agent.acknowledge(agent.awaitUpdate("t1", TaskState.TASK_RUNNING));
        agent.awaitUpdate("t1", TaskState.TASK_FINISHED);

        byte[] subscribe = call("SUBSCRIBE", "custom", ",\"subscribe\":{}").getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> anonymous = post(agent.url(), "application/json", subscribe);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v ->
                assertThat(v).startsWith("Bearer"));
        String othersToken = tokens.tokenFor("F1", "another-executor").orElseThrow();
        HttpResponse<String> impostor = HTTP.send(HttpRequest.newBuilder(URI.create(agent.url()))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + othersToken)
                .POST(HttpRequest.BodyPublishers.ofByteArray(subscribe)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(impostor.statusCode()).isEqualTo(401);
        assertThat(ExecutorTokens.load(workDir.resolve("meta")).tokenFor("F1", "custom"))
                .as("the same token after a restart").isEqualTo(tokens.tokenFor("F1", "custom"));
    }

    @Test
    void aCustomExecutorRunsTwoTasksExchangesMessagesAndIsShutDown() throws Exception {
        Incarnation agent = new Incarnation();
        ExecutorInfo executor = customExecutor("custom", testExecutorCommand());
        agent.event(AgentEvent.launch(FRAMEWORK, task("t1", "echo one", executor)));
        agent.event(AgentEvent.launch(FRAMEWORK, task("t2", "echo two", executor)));

        for (String taskId : List.of("t1", "t2")) {
            TaskStatus running = agent.awaitUpdate(taskId, TaskState.TASK_RUNNING);
            assertThat(running.getExecutorId().getValue()).isEqualTo("custom");
            assertThat(running.getAgentId()).isEqualTo(AGENT_ID);
            assertThat(running.getUuid().size()).isEqualTo(16);
            agent.acknowledge(running);
            TaskStatus finished = agent.awaitUpdate(taskId, TaskState.TASK_FINISHED);
            agent.acknowledge(finished);
        }
        // Each acknowledgement reached the executor, which says so in a MESSAGE to its framework.
        await().atMost(Duration.ofSeconds(30)).until(() -> agent.channel.messages().stream()
                .filter(m -> m.startsWith("acknowledged ")).count() == 4);
        await().until(() -> agent.onLoop(() -> agent.agent.tasks().isEmpty())); // all acknowledged: forgotten

        agent.event(AgentEvent.message(FRAMEWORK.getId(), executor.getExecutorId(),
                Base64.getEncoder().encodeToString("ping".getBytes(StandardCharsets.UTF_8))));
        await().atMost(Duration.ofSeconds(30)).until(() -> agent.channel.messages().contains("echo: ping"));

        Path stdout = files("stdout").stream().filter(p -> p.toString().contains("/executors/custom/"))
                .findFirst().orElseThrow();
        String output = Files.readString(stdout);
        assertThat(output).contains("MESOS_AGENT_ENDPOINT=127.0.0.1:" + agent.http.port(),
                "MESOS_EXECUTOR_ID=custom", "MESOS_FRAMEWORK_ID=F1", "MESOS_CHECKPOINT=1",
                "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD=5secs", "MESOS_SANDBOX=" + stdout.getParent(),
                "MESOS_RECOVERY_TIMEOUT=900secs", "MESOS_SLAVE_ID=M-S1", "one", "two");

        agent.event(AgentEvent.shutdownExecutor(FRAMEWORK.getId(), executor.getExecutorId()));
        AgentCall.ExecutorExited exited = await().atMost(Duration.ofSeconds(30))
                .until(() -> agent.channel.exits().stream().findFirst().orElse(null), found -> found != null);
        assertThat(exited.executorId().getValue()).isEqualTo("custom");
        assertThat(exited.status()).isZero(); // the executor exits 0 on SHUTDOWN
        await().until(() -> agent.onLoop(() -> agent.agent.executors().isEmpty()));
        assertThat(workDir.resolve("meta/frameworks")).isEmptyDirectory();
    }

    @Test
    void aShutDownFrameworksExecutorsAreDestroyedWithoutAReportAndForgotten() {
        Incarnation agent = new Incarnation();
        agent.autoAcknowledge();
        agent.event(AgentEvent.launch(FRAMEWORK, task("custom-task", "sleep 1000",
                customExecutor("custom", testExecutorCommand()))));
        ExecutorInfo group = ExecutorInfo.newBuilder().setType(ExecutorInfo.Type.DEFAULT)
                .setExecutorId(ExecutorID.newBuilder().setValue("group")).setFrameworkId(FRAMEWORK.getId()).build();
        agent.event(AgentEvent.launchGroup(FRAMEWORK, group, List.of(task("group-task", "sleep 1000", null))));
        agent.awaitUpdate("custom-task", TaskState.TASK_RUNNING);
        agent.awaitUpdate("group-task", TaskState.TASK_RUNNING);
        // The custom executor tells its framework of the acknowledgement of RUNNING (a MESSAGE): part of what came
        // before the shutdown, however late it is sent on a busy machine.
        await().atMost(Duration.ofSeconds(30))
                .until(() -> agent.channel.messages().contains("acknowledged custom-task"));
        int before = agent.channel.sent.size();

        agent.event(AgentEvent.shutdownFramework(FRAMEWORK.getId()));
        await().atMost(Duration.ofSeconds(30)).until(() -> agent.onLoop(() ->
                agent.agent.executors().isEmpty() && agent.agent.tasks().isEmpty()));
        assertThat(agent.channel.sent.subList(before, agent.channel.sent.size())).isEmpty();
        assertThat(workDir.resolve("meta/frameworks")).isEmptyDirectory();
    }

    @Test
    void anExecutorThatNeverSubscribesIsDestroyedAndItsTaskFails() {
        Incarnation agent = new Incarnation(0, Duration.ofMillis(500));
        ExecutorInfo silent = customExecutor("silent", CommandInfo.newBuilder().setValue("sleep 1000").build());
        agent.event(AgentEvent.launch(FRAMEWORK, task("t", "true", silent)));
        TaskStatus failed = agent.awaitUpdate("t", TaskState.TASK_FAILED);
        assertThat(failed.getReason()).isEqualTo(TaskStatus.Reason.REASON_EXECUTOR_REGISTRATION_TIMEOUT);
        assertThat(failed.getExecutorId().getValue()).isEqualTo("silent");
        AgentCall.ExecutorExited exited = await().until(() -> agent.channel.exits().stream().findFirst()
                .orElse(null), found -> found != null);
        assertThat(exited.status()).isIn(9, 15); // killed by a signal (SIGTERM, SIGKILL right after)
        assertThat(agent.onLoop(() -> agent.agent.registerCall().register().executors())).isEmpty();
    }

    @Test
    void aCustomExecutorWhoseUriCannotBeFetchedNeverStartsAndItsTaskFails() {
        Incarnation agent = new Incarnation();
        ExecutorInfo executor = customExecutor("fetching", CommandInfo.newBuilder().setValue("sleep 1000")
                .addUris(CommandInfo.URI.newBuilder().setValue(workDir.resolve("no-such-executor.tgz").toString()))
                .build());
        agent.event(AgentEvent.launch(FRAMEWORK, task("t", "true", executor)));
        TaskStatus failed = agent.awaitUpdate("t", TaskState.TASK_FAILED);
        assertThat(failed.getReason()).isEqualTo(TaskStatus.Reason.REASON_CONTAINER_LAUNCH_FAILED);
        assertThat(failed.getMessage()).startsWith("Failed to fetch all URIs for container")
                .contains("no-such-executor.tgz");
        AgentCall.ExecutorExited exited = await().until(() -> agent.channel.exits().stream().findFirst()
                .orElse(null), found -> found != null);
        assertThat(exited.executorId().getValue()).isEqualTo("fetching");
        assertThat(files("launcher.pid")).isEmpty(); // nothing was started
    }

    @Test
    void aGroupTaskWhoseUriCannotBeFetchedTakesItsGroupDown() {
        Incarnation agent = new Incarnation();
        agent.autoAcknowledge();
        ExecutorInfo executor = ExecutorInfo.newBuilder().setType(ExecutorInfo.Type.DEFAULT)
                .setExecutorId(ExecutorID.newBuilder().setValue("fetch-group")).setFrameworkId(FRAMEWORK.getId())
                .build();
        TaskInfo fetching = task("fetching", "true", null).toBuilder().setCommand(CommandInfo.newBuilder()
                .setValue("true").addUris(CommandInfo.URI.newBuilder().setValue("/no/such/file"))).build();
        agent.event(AgentEvent.launchGroup(FRAMEWORK, executor, List.of(task("sleeps", "sleep 1000", null),
                fetching)));
        assertThat(agent.awaitUpdate("fetching", TaskState.TASK_FAILED).getReason())
                .isEqualTo(TaskStatus.Reason.REASON_CONTAINER_LAUNCH_FAILED);
        agent.awaitUpdate("sleeps", TaskState.TASK_KILLED);
        await().atMost(Duration.ofSeconds(30)).until(() -> !agent.channel.exits().isEmpty());
    }

    @Test
    void aTaskGroupUnderTheDefaultExecutorDiesTogether() throws Exception {
        Incarnation agent = new Incarnation();
        agent.autoAcknowledge();
        ExecutorInfo executor = ExecutorInfo.newBuilder().setType(ExecutorInfo.Type.DEFAULT)
                .setExecutorId(ExecutorID.newBuilder().setValue("group-executor")).setFrameworkId(FRAMEWORK.getId())
                .build();
        Path release = workDir.resolve("release");
        agent.event(AgentEvent.launchGroup(FRAMEWORK, executor, List.of(task("fails",
                        "while [ ! -e " + release + " ]; do sleep 0.05; done; exit 2", null),
                task("sleeps", "sleep 1000", null))));
        TaskStatus running = agent.awaitUpdate("sleeps", TaskState.TASK_RUNNING);
        assertThat(running.getExecutorId().getValue()).isEqualTo("group-executor");
        assertThat(agent.onLoop(() -> agent.agent.registerCall().register().executors()))
                .extracting(e -> e.executor().getExecutorId().getValue()).containsExactly("group-executor");

        Files.writeString(release, "");
        assertThat(agent.awaitUpdate("fails", TaskState.TASK_FAILED).getMessage())
                .isEqualTo("Command exited with status 2");
        agent.awaitUpdate("sleeps", TaskState.TASK_KILLED);
        AgentCall.ExecutorExited exited = await().until(() -> agent.channel.exits().stream().findFirst()
                .orElse(null), found -> found != null);
        assertThat(exited.executorId().getValue()).isEqualTo("group-executor");
        assertThat(files("stdout")).anySatisfy(p -> assertThat(p.toString())
                .contains("/executors/group-executor/runs/").endsWith("/tasks/sleeps/stdout"));
    }

    @Test
    void aGroupWhoseTaskCannotStartIsKilledWhole() {
        Incarnation agent = new Incarnation();
        agent.autoAcknowledge();
        ExecutorInfo executor = ExecutorInfo.newBuilder().setType(ExecutorInfo.Type.DEFAULT)
                .setExecutorId(ExecutorID.newBuilder().setValue("broken-group")).setFrameworkId(FRAMEWORK.getId())
                .build();
        TaskInfo broken = task("broken", "x", null).toBuilder().setCommand(CommandInfo.newBuilder()).build();
        agent.event(AgentEvent.launchGroup(FRAMEWORK, executor, List.of(task("started", "sleep 1000", null), broken,
                task("never", "sleep 1000", null))));
        assertThat(agent.awaitUpdate("broken", TaskState.TASK_FAILED).getReason())
                .isEqualTo(TaskStatus.Reason.REASON_CONTAINER_LAUNCH_FAILED);
        agent.awaitUpdate("started", TaskState.TASK_KILLED);
        assertThat(agent.awaitUpdate("never", TaskState.TASK_KILLED).getMessage())
                .isEqualTo("Task 'broken' of its group failed to start");
        assertThat(agent.channel.update("never", TaskState.TASK_STARTING)).isNull();
        await().atMost(Duration.ofSeconds(30)).until(() -> !agent.channel.exits().isEmpty());
        await().until(() -> agent.onLoop(() -> agent.agent.executors().isEmpty() && agent.agent.tasks().isEmpty()));
    }

    @Test
    void aKillThatComesBeforeTheRestartedAgentsExecutorSubscribesAgainWaitsForIt() throws Exception {
        Incarnation first = new Incarnation();
        ExecutorInfo executor = customExecutor("survivor", testExecutorCommand());
        first.event(AgentEvent.launch(FRAMEWORK, task("long", "sleep 1000", executor)));
        first.acknowledge(first.awaitUpdate("long", TaskState.TASK_RUNNING));
        await().atMost(Duration.ofSeconds(30)).until(() -> first.channel.messages().contains("acknowledged long"));
        int port = first.http.port();
        first.crash();

        // As the master sends the framework's KILL when the agent registers again: almost always before the executor
        // (retrying every 200 ms) has subscribed to the new agent. Such a kill used to be dropped.
        Incarnation second = new Incarnation(port, Duration.ofSeconds(60));
        second.event(AgentEvent.kill(FRAMEWORK.getId(), TaskID.newBuilder().setValue("long").build(), 0));

        TaskStatus killed = second.awaitUpdate("long", TaskState.TASK_KILLED);
        assertThat(killed.getExecutorId().getValue()).isEqualTo("survivor");
        second.acknowledge(killed);
        second.event(AgentEvent.shutdownExecutor(FRAMEWORK.getId(), executor.getExecutorId()));
        await().atMost(Duration.ofSeconds(30)).until(() -> !second.channel.exits().isEmpty());
    }

    @Test
    void aCustomExecutorSubscribesAgainAfterTheAgentRestartsAndKeepsItsTasks() throws Exception {
        Incarnation first = new Incarnation();
        ExecutorInfo executor = customExecutor("survivor", testExecutorCommand());
        first.event(AgentEvent.launch(FRAMEWORK, task("long", "sleep 1000", executor)));
        TaskStatus running = first.awaitUpdate("long", TaskState.TASK_RUNNING);
        first.acknowledge(running);
        await().atMost(Duration.ofSeconds(30)).until(() -> first.channel.messages().contains("acknowledged long"));
        int port = first.http.port();
        first.crash();

        Incarnation second = new Incarnation(port, Duration.ofSeconds(60));
        AgentCall.Register register = second.onLoop(second.agent::registerCall).register();
        assertThat(register.executors()).extracting(e -> e.executor().getExecutorId().getValue())
                .containsExactly("survivor");
        assertThat(register.tasks()).extracting(t -> t.latestStatus().getState())
                .containsExactly(TaskState.TASK_RUNNING);
        await().atMost(Duration.ofSeconds(30)).until(() -> second.onLoop(() ->
                second.agent.executors().get(0).isSubscribed()));

        // The re-subscribed executor still runs the task (not launched twice) and still takes kills.
        second.event(AgentEvent.kill(FRAMEWORK.getId(), TaskID.newBuilder().setValue("long").build(), 0));
        TaskStatus killed = second.awaitUpdate("long", TaskState.TASK_KILLED);
        assertThat(killed.getExecutorId().getValue()).isEqualTo("survivor");
        second.acknowledge(killed);
        await().atMost(Duration.ofSeconds(30)).until(() -> second.channel.messages().contains("acknowledged long"));
        Path stdout = files("stdout").stream().filter(p -> p.toString().contains("/executors/survivor/"))
                .findFirst().orElseThrow();
        assertThat(Files.readString(stdout).lines().filter(line -> line.equals("event LAUNCH")).count())
                .isEqualTo(1);
        second.event(AgentEvent.shutdownExecutor(FRAMEWORK.getId(), executor.getExecutorId()));
        await().atMost(Duration.ofSeconds(30)).until(() -> !second.channel.exits().isEmpty());
    }

    /** Reads the executor's event stream: protobuf events, one RecordIO record each. */
    private static final class EventReader {
        private final java.io.InputStream in;
        private final io.corral.protocol.recordio.RecordIODecoder decoder =
                new io.corral.protocol.recordio.RecordIODecoder();
        private final java.util.ArrayDeque<byte[]> records = new java.util.ArrayDeque<>();

        EventReader(java.io.InputStream in) {
            this.in = in;
        }

        org.apache.mesos.v1.executor.Protos.Event next() throws Exception {
            byte[] buffer = new byte[8192];
            while (records.isEmpty()) {
                int n = in.read(buffer);
                if (n < 0) {
                    throw new java.io.EOFException("the stream ended");
                }
                records.addAll(decoder.feed(buffer, 0, n));
            }
            return org.apache.mesos.v1.executor.Protos.Event.parseFrom(records.removeFirst());
        }
    }

    private static org.apache.mesos.v1.executor.Protos.Call.Builder protoCall(
            org.apache.mesos.v1.executor.Protos.Call.Type type, String executorId) {
        return org.apache.mesos.v1.executor.Protos.Call.newBuilder().setType(type)
                .setFrameworkId(FRAMEWORK.getId()).setExecutorId(ExecutorID.newBuilder().setValue(executorId));
    }

    private static int postProto(String url, org.apache.mesos.v1.executor.Protos.Call call) throws Exception {
        return post(url, "application/x-protobuf", call.toByteArray()).statusCode();
    }

    @Test
    void theExecutorApiInProtobufHandsBackTheExecutorsOwnUuid() throws Exception {
        Incarnation agent = new Incarnation();
        // Its program never subscribes: the test speaks for it, in protobuf.
        ExecutorInfo executor = customExecutor("proto", CommandInfo.newBuilder().setValue("sleep 1000").build())
                .toBuilder().setShutdownGracePeriod(org.apache.mesos.v1.Protos.DurationInfo.newBuilder()
                        .setNanoseconds(Duration.ofMillis(300).toNanos())).build();
        agent.event(AgentEvent.launch(FRAMEWORK, task("t", "unused", executor)));
        String url = agent.url();

        HttpResponse<java.io.InputStream> subscribed = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/x-protobuf").header("Accept", "application/x-protobuf")
                .POST(HttpRequest.BodyPublishers.ofByteArray(protoCall(
                        org.apache.mesos.v1.executor.Protos.Call.Type.SUBSCRIBE, "proto")
                        .setSubscribe(org.apache.mesos.v1.executor.Protos.Call.Subscribe.getDefaultInstance())
                        .build().toByteArray())).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(subscribed.statusCode()).isEqualTo(200);
        assertThat(subscribed.headers().firstValue("Content-Type")).contains("application/x-protobuf");
        assertThat(subscribed.headers().firstValue("Mesos-Stream-Id")).isEmpty();
        EventReader events = new EventReader(subscribed.body());
        var first = events.next();
        assertThat(first.getType()).isEqualTo(org.apache.mesos.v1.executor.Protos.Event.Type.SUBSCRIBED);
        assertThat(first.getSubscribed().getExecutorInfo().getExecutorId().getValue()).isEqualTo("proto");
        assertThat(first.getSubscribed().getFrameworkInfo().getId()).isEqualTo(FRAMEWORK.getId());
        assertThat(first.getSubscribed().getAgentInfo().getId()).isEqualTo(AGENT_ID);
        assertThat(first.getSubscribed().getContainerId().getValue()).isNotEmpty();
        var launch = events.next();
        assertThat(launch.getType()).isEqualTo(org.apache.mesos.v1.executor.Protos.Event.Type.LAUNCH);
        assertThat(launch.getLaunch().getTask().getTaskId().getValue()).isEqualTo("t");

        byte[] uuid = new byte[16];
        new java.security.SecureRandom().nextBytes(uuid);
        var running = protoCall(org.apache.mesos.v1.executor.Protos.Call.Type.UPDATE, "proto")
                .setUpdate(org.apache.mesos.v1.executor.Protos.Call.Update.newBuilder().setStatus(
                        TaskStatus.newBuilder().setTaskId(TaskID.newBuilder().setValue("t"))
                                .setState(TaskState.TASK_RUNNING).setSource(TaskStatus.Source.SOURCE_EXECUTOR)
                                .setUuid(com.google.protobuf.ByteString.copyFrom(uuid)))).build();
        assertThat(postProto(url, running)).isEqualTo(202);
        assertThat(postProto(url, running)).isEqualTo(202); // a resend of the same uuid is not queued twice
        TaskStatus forwarded = agent.awaitUpdate("t", TaskState.TASK_RUNNING);
        assertThat(forwarded.getUuid().toByteArray()).isEqualTo(uuid);
        assertThat(forwarded.getExecutorId().getValue()).isEqualTo("proto");
        assertThat(forwarded.getAgentId()).isEqualTo(AGENT_ID);
        agent.acknowledge(forwarded);
        var acknowledged = events.next();
        assertThat(acknowledged.getType()).isEqualTo(org.apache.mesos.v1.executor.Protos.Event.Type.ACKNOWLEDGED);
        assertThat(acknowledged.getAcknowledged().getTaskId().getValue()).isEqualTo("t");
        assertThat(acknowledged.getAcknowledged().getUuid().toByteArray()).isEqualTo(uuid);
        assertThat(agent.channel.sent.stream().mapToLong(c -> c.statusUpdates().size()).sum()).isEqualTo(1);

        agent.event(AgentEvent.kill(FRAMEWORK.getId(), TaskID.newBuilder().setValue("t").build(),
                Duration.ofSeconds(2).toNanos()));
        var kill = events.next();
        assertThat(kill.getType()).isEqualTo(org.apache.mesos.v1.executor.Protos.Event.Type.KILL);
        assertThat(kill.getKill().getKillPolicy().getGracePeriod().getNanoseconds())
                .isEqualTo(Duration.ofSeconds(2).toNanos());
        byte[] killedUuid = new byte[16];
        killedUuid[0] = 1;
        var killed = running.toBuilder().setUpdate(running.getUpdate().toBuilder().setStatus(
                running.getUpdate().getStatus().toBuilder().setState(TaskState.TASK_KILLED)
                        .setUuid(com.google.protobuf.ByteString.copyFrom(killedUuid)))).build();
        assertThat(postProto(url, killed)).isEqualTo(202);
        // After a terminal state the task may not run again: refused, not forwarded.
        var again = running.toBuilder().setUpdate(running.getUpdate().toBuilder().setStatus(
                running.getUpdate().getStatus().toBuilder().setUuid(com.google.protobuf.ByteString.copyFrom(
                        new byte[16])))).build();
        assertThat(postProto(url, again)).isEqualTo(400);
        // A message from the executor goes to the master.
        assertThat(postProto(url, protoCall(org.apache.mesos.v1.executor.Protos.Call.Type.MESSAGE, "proto")
                .setMessage(org.apache.mesos.v1.executor.Protos.Call.Message.newBuilder()
                        .setData(com.google.protobuf.ByteString.copyFromUtf8("from executor"))).build()))
                .isEqualTo(202);
        assertThat(agent.channel.messages()).contains("from executor");

        // SHUTDOWN, then the container is destroyed after the executor's own grace period (it ignores SHUTDOWN).
        agent.event(AgentEvent.shutdownExecutor(FRAMEWORK.getId(), executor.getExecutorId()));
        assertThat(events.next().getType()).isEqualTo(org.apache.mesos.v1.executor.Protos.Event.Type.SHUTDOWN);
        AgentCall.ExecutorExited exited = await().atMost(Duration.ofSeconds(30))
                .until(() -> agent.channel.exits().stream().findFirst().orElse(null), found -> found != null);
        assertThat(exited.executorId().getValue()).isEqualTo("proto");
        assertThat(agent.onLoop(() -> agent.agent.executors())).isEmpty();
    }

    private List<Path> files(String name) {
        try (Stream<Path> walk = Files.walk(workDir)) {
            return walk.filter(p -> p.getFileName().toString().equals(name)).toList();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }
}
