package io.corral.it;


import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.it.FuzzRequests.FuzzRequest;
import io.corral.it.FuzzRequests.Rendered;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.agent.AgentProtocol;
import io.corral.protocol.json.MesosJson;
import io.corral.protocol.recordio.RecordIODecoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;
import org.apache.mesos.v1.scheduler.Protos.Event;

/**
 * Bad input, fuzzed (issue 7, section 6): random and mutated requests thrown at a real master over loopback HTTP,
 * on the scheduler API, the operator API and the agent protocol, in JSON and protobuf. Valid calls (SUBSCRIBE, ACCEPT
 * with RESERVE, UNRESERVE, CREATE, DESTROY and LAUNCH, DECLINE, KILL, ACKNOWLEDGE, RECONCILE, REVIVE, SUPPRESS,
 * TEARDOWN; the operator's GET_* calls, UPDATE_WEIGHTS, UPDATE_QUOTA, TEARDOWN, RESERVE_RESOURCES,
 * UNRESERVE_RESOURCES, CREATE_VOLUMES, DESTROY_VOLUMES, SET_LOGGING_LEVEL, SUBSCRIBE ({@link FuzzOperatorCalls},
 * {@link FuzzReservations}); the agent's REGISTER, UPDATE, PONG) have fields
 * dropped, duplicated, given the wrong type, extreme numbers, odd strings and ids, unknown enum names, nulls; bodies
 * are truncated, random or nested too deep; Content-Type, Accept and the stream ids are missing, wrong or sent twice.
 * The calls use the real ids of two subscribed frameworks and a registered (scripted) agent most of the time, so
 * that they reach the deep paths: an ACCEPT launches on a real offer, an UPDATE changes a real task, one framework
 * uses the other's ids ({@link FuzzWorld}, {@link FuzzRequests}).
 *
 * <p>Properties: every request gets a complete answer (no reset, no hang); never a 5xx; every non-2xx answer says
 * why, every 2xx but a stream is a bare 202; nothing the master logs is an escaped exception; the agent is never told
 * to launch a task Mesos refuses; no framework is offered a reservation outside its role; an operator's refused
 * reservation call changes nothing on the agent; and {@code /master/state} stays consistent (checked every few
 * hundred requests and at the end): no agent over-committed, used resources equal to the live tasks', every task on
 * a listed agent, reserved plus unreserved resources equal to each agent's total, a persistence id used once per role
 * and agent; and {@code /metrics/snapshot} still carries the master's own figures.
 *
 * <p>{@code -Dcorral.fuzz.tries=1000000} runs a long fuzz on purpose (the default keeps {@code ./mvnw verify} well
 * under a minute); {@code -Dcorral.fuzz.survey=true} goes on after a failure and lists every kind found at the end.
 */
class MasterFuzzTest {
    static final int DEFAULT_TRIES = 10_000;
    static final int STATE_CHECK_EVERY = 300;
    /** A long run says how far it got (it has no other output until the end). */
    static final int PROGRESS_EVERY = 25_000;
    /** How often the world takes back what reservations, volumes and quota took from the frameworks. */
    static final int RESERVATION_CLEANUP_EVERY = 250;
    /** How often the agents and frameworks that fuzzed calls registered are taken away (FuzzWorld.pruneStrangers). */
    static final int STRANGER_CLEANUP_EVERY = 2_000;

    private static Path workDir;
    private static InProcessCluster cluster;
    private static FuzzWorld world;
    private static FuzzHttp client;
    private static FuzzChecks.LogProblems logProblems;
    private static final Deque<String> recent = new ArrayDeque<>();
    private static final Map<String, AtomicLong> answers = new TreeMap<>();
    /** With -Dcorral.fuzz.survey=true failures are collected (one per kind) and reported at the end. */
    private static final boolean SURVEY = Boolean.getBoolean("corral.fuzz.survey");
    private static final Map<String, String> surveyed = new java.util.LinkedHashMap<>();
    private static final Map<String, AtomicLong> surveyCounts = new TreeMap<>();
    private static long requests;
    private static long closedOnMalformedHead;
    private static final ObjectMapper STATE_READER = FuzzWorld.STATE_READER;
    private static long startNanos;
    private static long refusalsCompared;
    private static String forceSyncBefore;

    @BeforeContainer
    static void startMaster() throws Exception {
        workDir = Files.createTempDirectory("corral-fuzz");
        // The fuzz tests the master's decisions, not the disk: ZooKeeper need not fsync each write (this only takes
        // effect where no test before has started a ZooKeeper server in this JVM, as in a long run on its own).
        forceSyncBefore = System.setProperty("zookeeper.forceSync", "no");
        // A long session: the fuzz tests the master's decisions, and a starved machine must not end its session.
        cluster = InProcessCluster.start(workDir, 1, 0, java.time.Duration.ofSeconds(20));
        cluster.awaitLeader();
        int port = cluster.leader().orElseThrow().port();
        world = new FuzzWorld("127.0.0.1", port);
        client = new FuzzHttp("127.0.0.1", port);
        logProblems = FuzzChecks.LogProblems.install();
        world.housekeeping();
        startNanos = System.nanoTime();
    }

    @AfterContainer
    static void stopMaster() throws Exception {
        if (forceSyncBefore == null) {
            System.clearProperty("zookeeper.forceSync");
        } else {
            System.setProperty("zookeeper.forceSync", forceSyncBefore);
        }
        if (logProblems != null) {
            logProblems.uninstall();
        }
        if (client != null) {
            client.close();
        }
        if (world != null) {
            world.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (workDir != null) {
            try (Stream<Path> files = Files.walk(workDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Provide
    Arbitrary<FuzzRequest> requests() {
        return FuzzRequests.requests();
    }

    @Property(tries = DEFAULT_TRIES, shrinking = ShrinkingMode.BOUNDED, edgeCases = EdgeCasesMode.NONE)
    @AddLifecycleHook(TriesFromSystemProperty.class)
    void masterAnswersEveryRequestWithoutFailing(@ForAll("requests") FuzzRequest plan) {
        try {
            world.housekeeping();
            if (requests > 0 && requests % RESERVATION_CLEANUP_EVERY == 0) {
                world.clearReservations();
            }
            if (requests > 0 && requests % STRANGER_CLEANUP_EVERY == 0) {
                world.pruneStrangers();
            }
        } catch (AssertionError e) {
            fail("housekeeping: " + signature(e.getMessage()), e.getMessage() + "\nafter these requests:\n"
                    + recentRequests());
            return;
        }
        Rendered rendered = FuzzRequests.render(plan, world);
        remember(rendered.summary());
        requests++;
        if (requests % PROGRESS_EVERY == 0) {
            System.out.printf("fuzz: %,d requests in %.0f s%n", requests, (System.nanoTime() - startNanos) / 1e9);
        }
        String before = comparesRefusal(plan) ? world.settledAgentReservations() : null;
        FuzzHttp.Response response;
        try {
            response = client.send(rendered.request(), true);
        } catch (FuzzHttp.NoAnswer e) {
            if (e.whileSending && rendered.request().malformedHead()) {
                closedOnMalformedHead++; // answered 400 after the head and closed, as HTTP servers may
                return;
            }
            fail("no answer: " + e.getCause().getClass().getSimpleName(), "The master gave no complete answer ("
                    + e.getMessage() + ") to:\n  " + rendered.summary() + "\n" + recentRequests());
            return;
        }
        answers.computeIfAbsent(plan.template() + " " + response.status(), k -> new AtomicLong()).incrementAndGet();
        if (response.streaming()) {
            learnFromStream(response, plan.template().operator());
        }
        if (plan.template() == FuzzRequests.Template.OPERATOR_LOGGING) {
            world.resetLoggingLevel();
        }
        if (before != null && response.status() >= 400 && response.status() < 500) {
            assertUnchanged(before, response, rendered);
        }
        String body = response.text();
        if (response.status() >= 500) {
            fail(response.status() + " " + signature(body), "The master answered " + response.status() + " ("
                    + body + ") to:\n  " + rendered.summary() + "\n" + logProblems.drain());
        } else if (response.status() >= 300 && body.isBlank()) {
            fail(response.status() + " without message", "The master answered " + response.status()
                    + " without a message to:\n  " + rendered.summary());
        } else if (response.status() < 300 && !response.streaming()
                && !expectedSuccess(plan, rendered.request(), response)) {
            fail(response.status() + " not 202", "The master answered " + response.status() + " '" + body
                    + "' (Mesos: 202 with no body" + (plan.template().operator() ? ", or 200" : "") + ") to:\n  "
                    + rendered.summary());
        }
        if (response.status() == 202) {
            rendered.offerIds().forEach(world::offerUsed);
        }
        assertNoLoggedProblems();
        if (requests % STATE_CHECK_EVERY == 0) {
            assertConsistentState();
        }
    }

    /**
     * A success as Mesos answers it: 202 with no body; on the operator API also 200 (with the GET_* calls' Response,
     * or empty for TEARDOWN, UPDATE_WEIGHTS, UPDATE_QUOTA and SET_LOGGING_LEVEL); and 200 with no body for the
     * scheduler API's UPDATE_FRAMEWORK, which Mesos answers synchronously.
     */
    private static boolean expectedSuccess(FuzzRequest plan, FuzzHttp.Request request, FuzzHttp.Response response) {
        if (response.status() == 202) {
            return response.body().length == 0;
        }
        if (response.status() == 200 && isUpdateFramework(request)) {
            return response.body().length == 0;
        }
        return plan.template().operator() && response.status() == 200;
    }

    /** Whether {@code request} is a scheduler call of type UPDATE_FRAMEWORK, in either encoding. */
    private static boolean isUpdateFramework(FuzzHttp.Request request) {
        if (!request.target().contains("/api/v1/scheduler")) {
            return false;
        }
        boolean protobuf = request.headers().stream().filter(h -> h.getKey().equalsIgnoreCase("Content-Type"))
                .findFirst().map(h -> h.getValue().contains("protobuf")).orElse(false); // the master reads the first
        try {
            org.apache.mesos.v1.scheduler.Protos.Call call = (protobuf
                    ? io.corral.protocol.http.Encoding.PROTOBUF : io.corral.protocol.http.Encoding.JSON)
                    .decode(request.body(), org.apache.mesos.v1.scheduler.Protos.Call.getDefaultInstance());
            return call.getType() == org.apache.mesos.v1.scheduler.Protos.Call.Type.UPDATE_FRAMEWORK;
        } catch (RuntimeException notACall) {
            return false;
        }
    }

    /**
     * Whether to compare the fuzz agent before and after an operator's reservation call, to see that a refusal
     * changed nothing ({@link FuzzWorld#settledAgentReservations} waits for earlier changes to the agent first).
     * Every other one: the comparison costs three more requests, and the default run has a time budget.
     */
    private static boolean comparesRefusal(FuzzRequest plan) {
        return plan.template().changesReservations() && plan.bodyVariant() % 2 == 0;
    }

    private static void assertUnchanged(String before, FuzzHttp.Response response, Rendered rendered) {
        refusalsCompared++;
        String after = world.agentReservations();
        if (!after.equals(before)) {
            fail("refused operator call changed the agent", "The master answered " + response.status() + " ("
                    + response.text() + ") to:\n  " + rendered.summary() + "\nbut the fuzz agent changed from\n  "
                    + before + "\nto\n  " + after);
        }
    }

    @AfterProperty
    void masterStillServesAConsistentState() {
        report();
        assertNoLoggedProblems();
        assertConsistentState();
        if (!surveyed.isEmpty()) {
            StringBuilder all = new StringBuilder("The fuzz found " + surveyed.size() + " kinds of failure:\n");
            surveyed.forEach((kind, example) -> all.append("* ").append(kind).append(" (")
                    .append(surveyCounts.get(kind)).append(" times), e.g.\n").append(example).append("\n\n"));
            throw new AssertionError(all.toString());
        }
    }

    private static void report() {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        StringBuilder report = new StringBuilder(String.format(
                "Fuzzed %d requests in %.1f s (%.0f/s) plus %d housekeeping calls; the framework resubscribed %d"
                        + " times, the agent registered %d times.%n", requests, seconds, requests / seconds,
                world.housekeepingCalls.get(), world.frameworkResubscriptions.get(),
                world.agentReregistrations.get()));
        report.append(String.format("Reservations: %d refused operator calls compared before and after, %d"
                + " clean-ups; reserved resources known now: %d; ACCEPTs' operations: %s%n", refusalsCompared,
                world.reservationCleanups.get(), world.knownReserved().size(),
                new TreeMap<>(world.operationsByState)));
        report.append(String.format("Deep paths: %d offers, %d launches, %d kills reached the agent; updates: %s%n",
                world.offersReceived.get(), world.launchesReceived.get(), world.killsReceived.get(),
                new TreeMap<>(world.updatesByState)));
        report.append("Answers by call and status: ").append(answers).append("; connections closed on a malformed"
                + " head while its body was being sent: ").append(closedOnMalformedHead).append('\n');
        if (!world.housekeepingSurprises.isEmpty()) {
            report.append("Housekeeping surprises (first 20): ")
                    .append(world.housekeepingSurprises.subList(0, Math.min(20, world.housekeepingSurprises.size())))
                    .append('\n');
        }
        System.out.print(report);
    }

    private static void assertNoLoggedProblems() {
        for (String problem : logProblems.drain()) {
            fail("logged " + signature(problem), "The master logged a failure:\n" + problem
                    + "\nafter these requests:\n" + recentRequests());
        }
        List<String> misplaced = List.copyOf(world.misplacedOffers);
        world.misplacedOffers.removeAll(misplaced);
        for (String offer : misplaced) {
            fail("offered a reservation outside its role", "The master offered a reservation outside its role: "
                    + offer + "\nafter these requests:\n" + recentRequests());
        }
        List<String> invalid = List.copyOf(world.invalidLaunches);
        world.invalidLaunches.clear();
        for (String launch : invalid) {
            fail("launched an invalid task", "The master launched " + launch + " (Mesos: TASK_ERROR) after:\n"
                    + recentRequests());
        }
    }

    /** Fails the try, or in a survey records the failure once per kind and goes on. */
    private static void fail(String kind, String message) {
        if (!SURVEY) {
            throw new AssertionError(message);
        }
        surveyCounts.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
        surveyed.putIfAbsent(kind, message.length() > 3000 ? message.substring(0, 3000) + "..." : message);
    }

    /** What kind of failure a message or log line describes: its exception and first words, without numbers. */
    private static String signature(String text) {
        String firstLines = text.lines().limit(2).reduce("", (a, b) -> a + " " + b).trim();
        String shortened = firstLines.replaceAll("[0-9a-f]{8}-[0-9a-f-]{27,}", "<id>").replaceAll("\\d+", "N");
        return shortened.length() > 160 ? shortened.substring(0, 160) : shortened;
    }

    private static void assertConsistentState() {
        FuzzHttp.Response response;
        try (FuzzHttp http = new FuzzHttp(world.host, world.port)) {
            response = http.send(new FuzzHttp.Request("GET", "/master/state", List.of(), new byte[0]), false);
        } catch (FuzzHttp.NoAnswer e) {
            fail("state: no answer", "GET /master/state got no answer: " + e.getMessage());
            return;
        }
        if (response.status() != 200) {
            fail("state: " + response.status(), "GET /master/state answered " + response.status() + ": "
                    + response.text());
            return;
        }
        JsonNode state;
        try {
            state = STATE_READER.readTree(response.body());
        } catch (IOException e) {
            fail("state: not JSON", "GET /master/state is not JSON: " + e.getMessage() + "\nafter these requests:\n"
                    + recentRequests());
            return;
        }
        assertMetricsCountTheMaster();
        for (String violation : FuzzChecks.stateViolations(state)) {
            fail("state: " + signature(violation.replaceAll("agent \\S+", "agent X")), "/master/state is"
                    + " inconsistent: " + violation + "\nafter these requests:\n" + recentRequests());
        }
    }

    /** The master's own figures are in /metrics/snapshot (they are left out when counting them fails). */
    private static void assertMetricsCountTheMaster() {
        try (FuzzHttp http = new FuzzHttp(world.host, world.port)) {
            FuzzHttp.Response response = http.send(new FuzzHttp.Request("GET", "/metrics/snapshot", List.of(),
                    new byte[0]), false);
            JsonNode metrics = STATE_READER.readTree(response.body());
            if (response.status() != 200 || !metrics.has("master/cpus_total")) {
                fail("metrics: no master figures", "GET /metrics/snapshot answered " + response.status()
                        + " without the master's figures: " + response.text().substring(0,
                        Math.min(300, response.text().length())) + "\nafter these requests:\n" + recentRequests());
            }
        } catch (FuzzHttp.NoAnswer | IOException e) {
            fail("metrics: no answer", "GET /metrics/snapshot failed: " + e);
        }
    }

    /**
     * A fuzzed SUBSCRIBE or REGISTER was accepted: note the new id from the first event, then hang up. An operator's
     * stream must start with SUBSCRIBED.
     */
    private static void learnFromStream(FuzzHttp.Response response, boolean operator) {
        try (var socket = response.stream()) {
            socket.setSoTimeout(5_000);
            RecordIODecoder decoder = new RecordIODecoder();
            List<byte[]> records = List.of();
            while (records.isEmpty()) {
                byte[] chunk = FuzzHttp.readChunk(response.streamInput());
                if (chunk == null) {
                    return;
                }
                records = decoder.feed(chunk);
            }
            byte[] first = records.get(0);
            boolean protobuf = "application/x-protobuf".equals(response.header("Content-Type"));
            if (operator) {
                var event = protobuf ? org.apache.mesos.v1.master.Protos.Event.parseFrom(first)
                        : MesosJson.parse(first, org.apache.mesos.v1.master.Protos.Event.getDefaultInstance());
                if (event.getType() != org.apache.mesos.v1.master.Protos.Event.Type.SUBSCRIBED) {
                    fail("operator stream without SUBSCRIBED", "The operator stream began with " + event.getType());
                }
            } else if (response.header(AgentProtocol.STREAM_ID_HEADER) != null) {
                AgentEvent event = AgentProtocol.decodeEvent(first);
                if (event.type() == AgentEvent.Type.REGISTERED) {
                    String id = event.registered().agentId().getValue();
                    if (!id.equals(world.agentId) && world.otherAgentIds.size() < 50) {
                        world.otherAgentIds.add(id);
                    }
                }
            } else {
                Event event = protobuf ? Event.parseFrom(first) : MesosJson.parse(first, Event.getDefaultInstance());
                if (event.getType() == Event.Type.SUBSCRIBED) {
                    String id = event.getSubscribed().getFrameworkId().getValue();
                    if (!id.equals(world.main.id) && !id.equals(world.rival.id)
                            && world.otherFrameworkIds.size() < 50) {
                        world.otherFrameworkIds.add(id);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            fail("stream broke", "The stream the master opened broke before its first event: " + e);
        }
    }

    private static void remember(String summary) {
        recent.addLast(summary.length() > 600 ? summary.substring(0, 600) + "..." : summary);
        while (recent.size() > 8) {
            recent.removeFirst();
        }
    }

    private static String recentRequests() {
        StringBuilder text = new StringBuilder();
        recent.forEach(r -> text.append("  ").append(r).append('\n'));
        return text.toString();
    }

    /** Lets {@code -Dcorral.fuzz.tries=N} override the number of tries of the properties in this class. */
    public static final class TriesFromSystemProperty implements AroundPropertyHook {
        @Override
        public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
            String tries = System.getProperty("corral.fuzz.tries");
            if (tries != null && !tries.isBlank()) {
                context.attributes().setTries(Integer.parseInt(tries.trim()));
            }
            return property.execute();
        }
    }
}
