package io.corral.it;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.agent.AgentProtocol;
import io.corral.protocol.json.MesosJson;
import io.corral.protocol.recordio.RecordIODecoder;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.scheduler.Protos.Event;

/**
 * The live side of the fuzz test: a real master reached over loopback HTTP, two well-behaved frameworks ("main" and
 * "rival", sharing one agent so that the ids of one can be misused by the other) and one scripted agent ("fuzz
 * agent", spoken to over the agent protocol, running nothing: it reports each launched task finished a moment later)
 * that give the fuzzed requests real ids to refer to: framework ids and stream ids, offers of the agent's resources,
 * launched tasks, the uuids of their status updates. All are repaired before each request ({@link #housekeeping})
 * whatever the previous request did to them (a fuzzed SUBSCRIBE may take a framework's stream, a TEARDOWN may remove
 * it, a REGISTER with the agent's id may take the agent's stream).
 *
 * <p>Threading: {@link #housekeeping} and the request rendering run on the test thread; daemon threads read the
 * event streams and publish what they learn through concurrent collections and volatile fields.
 */
final class FuzzWorld implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    /** Mesos accepts resource names of any length, which /master/state (and the metrics) then show as keys. */
    static final ObjectMapper STATE_READER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNameLength(Integer.MAX_VALUE).build())
            .build());
    private static final int KEEP = 64;
    /** The rival's role, in which it may reserve; the main framework stays in '*', where nobody can. */
    static final String RIVAL_ROLE = "fuzz";

    final String host;
    final int port;
    private final FuzzHttp control;
    private final Random random = new Random(7);

    // ---- the well-behaved frameworks ----
    /** Takes most calls; {@link #rival} shares the agent with it, so that ids of one can be used by the other. */
    final Scheduler main = new Scheduler("fuzz-main", "*", false);
    /** Reserves in its role, and sees reservations as a stack (RESERVATION_REFINEMENT); main sees the old format. */
    final Scheduler rival = new Scheduler("fuzz-rival", RIVAL_ROLE, true);
    final List<String> otherFrameworkIds = new CopyOnWriteArrayList<>();

    // ---- the fuzz agent ----
    volatile String agentId;
    volatile String agentStreamId;
    private volatile Stream agentStream;
    final List<String> oldAgentStreamIds = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<AgentWork> agentWork = new ConcurrentLinkedQueue<>();
    /** Tasks the master launched on the fuzz agent, newest last: [framework id, task id]. */
    final List<String[]> launchedTasks = new CopyOnWriteArrayList<>();
    final List<String> otherAgentIds = new CopyOnWriteArrayList<>();

    // ---- what reached the deep paths ----
    final AtomicLong offersReceived = new AtomicLong();
    final AtomicLong launchesReceived = new AtomicLong();
    final AtomicLong killsReceived = new AtomicLong();
    final Map<String, AtomicLong> updatesByState = new java.util.concurrent.ConcurrentHashMap<>();
    /** UPDATE_OPERATION_STATUS of the ACCEPTs' resource operations, by state. */
    final Map<String, AtomicLong> operationsByState = new java.util.concurrent.ConcurrentHashMap<>();
    final AtomicLong frameworkResubscriptions = new AtomicLong();
    final AtomicLong agentReregistrations = new AtomicLong();
    final AtomicLong housekeepingCalls = new AtomicLong();
    /** Tasks the master launched although Mesos refuses them (an id no directory may have, bad resources). */
    final List<String> invalidLaunches = new CopyOnWriteArrayList<>();
    /** Offers of resources reserved for a role outside the framework's (Mesos offers them only within it). */
    final List<String> misplacedOffers = new CopyOnWriteArrayList<>();
    /** Reserved resources (and volumes) of the fuzz agent seen lately, in offers or the state, for calls to name. */
    private final List<JsonNode> knownReserved = new CopyOnWriteArrayList<>();
    final AtomicLong reservationCleanups = new AtomicLong();
    /** Answers of housekeeping calls that were not what a well-behaved client expects (the first 100). */
    /** Why the master last refused one of the world's streams (the surprises list may be full). */
    private volatile String lastRefusedSubscription = "";
    final List<String> housekeepingSurprises = new CopyOnWriteArrayList<>() {
        @Override
        public boolean add(String surprise) {
            return size() < 100 && super.add(surprise);
        }
    };

    record Update(String taskId, String agentId, String uuid, String state, long receivedNanos) {}

    private record AgentWork(String kind, String frameworkId, String taskId, long dueNanos) {}

    FuzzWorld(String host, int port) {
        this.host = host;
        this.port = port;
        this.control = new FuzzHttp(host, port);
    }

    // ---- ids for the fuzzed requests ----

    List<Scheduler> schedulers() {
        return List.of(main, rival);
    }

    /** The fuzz used this offer in a call the master accepted: it is (most likely) gone. */
    void offerUsed(String offerId) {
        main.offerUsed(offerId);
        rival.offerUsed(offerId);
    }

    String someLaunchedTask(int choice) {
        String[] launched = someLaunched(choice);
        return launched == null ? null : launched[1];
    }

    /** A task the agent was told to launch: [framework id, task id]; null before any. */
    String[] someLaunched(int choice) {
        List<String[]> tasks = new ArrayList<>(launchedTasks);
        return tasks.isEmpty() ? null : tasks.get(Math.floorMod(choice, tasks.size()));
    }

    // ---- keeping the world usable ----

    /**
     * Before each fuzzed request: the fuzz agent registered, both frameworks subscribed with their old updates
     * acknowledged and offers flowing, the agent's pending work done (tasks finished or killed, pings answered).
     */
    void housekeeping() {
        Stream agent = agentStream;
        if (agent == null || !agent.alive) {
            registerAgent();
        }
        for (Scheduler scheduler : schedulers()) {
            scheduler.keepUp();
        }
        doAgentWork();
        while (launchedTasks.size() > KEEP) {
            launchedTasks.remove(0);
        }
    }

    private void doAgentWork() {
        long now = System.nanoTime();
        for (Iterator<AgentWork> it = agentWork.iterator(); it.hasNext(); ) {
            AgentWork work = it.next();
            if (work.dueNanos() > now) {
                continue;
            }
            it.remove();
            switch (work.kind()) {
                case "PONG" -> agentCall(call("PONG"));
                case "FINISH", "KILLED" -> {
                    ObjectNode update = call("UPDATE");
                    ObjectNode body = update.putObject("update");
                    body.putObject("framework_id").put("value", work.frameworkId());
                    ObjectNode status = body.putObject("status");
                    status.putObject("task_id").put("value", work.taskId());
                    status.put("state", work.kind().equals("FINISH") ? "TASK_FINISHED" : "TASK_KILLED");
                    status.put("source", "SOURCE_EXECUTOR");
                    status.putObject("agent_id").put("value", agentId);
                    status.put("timestamp", System.currentTimeMillis() / 1000.0);
                    byte[] uuid = new byte[16];
                    random.nextBytes(uuid);
                    status.put("uuid", Base64.getEncoder().encodeToString(uuid));
                    agentCall(update);
                }
                default -> throw new IllegalStateException(work.kind());
            }
        }
    }

    private ObjectNode call(String type) {
        ObjectNode call = JSON.createObjectNode();
        call.put("type", type);
        call.putObject("agent_id").put("value", agentId);
        return call;
    }

    private void agentCall(ObjectNode call) {
        FuzzHttp.Response response = post(AgentProtocol.PATH, "application/json", null,
                Map.of(AgentProtocol.STREAM_ID_HEADER, agentStreamId), bytes(call));
        if (response != null && response.status() != 202) {
            housekeepingSurprises.add("agent " + call.get("type").asText() + ": " + response.status() + " "
                    + response.text());
        }
    }

    private FuzzHttp.Response post(String path, String contentType, String accept, Map<String, String> extra,
                                   byte[] body) {
        housekeepingCalls.incrementAndGet();
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        headers.add(Map.entry("Content-Type", contentType));
        if (accept != null) {
            headers.add(Map.entry("Accept", accept));
        }
        headers.addAll(extra.entrySet());
        try {
            FuzzHttp.Response response = control.send(new FuzzHttp.Request("POST", path, headers, body), false);
            if (response.status() >= 500) {
                throw new AssertionError("housekeeping call to " + path + " answered " + response.status() + ": "
                        + response.text());
            }
            return response;
        } catch (FuzzHttp.NoAnswer e) {
            throw new AssertionError("housekeeping call to " + path + " got no answer: " + e.getMessage(), e);
        }
    }

    // ---- the operator's side: reservations, volumes, quota, logging ----

    List<JsonNode> knownReserved() {
        return List.copyOf(knownReserved);
    }

    /** Remembers a reserved resource or volume of the fuzz agent (the newest {@link #KEEP}). */
    void learnReserved(JsonNode resource) {
        if (!knownReserved.contains(resource)) {
            knownReserved.add(resource);
        }
        while (knownReserved.size() > KEEP) {
            knownReserved.remove(0);
        }
    }

    /** A well-behaved operator call in JSON; null when the master gave no answer. */
    private FuzzHttp.Response operator(ObjectNode call) {
        return post("/api/v1", "application/json", "application/json", Map.of(), bytes(call));
    }

    /** {@code GET /master/state}, read leniently (resource names may be long); fails when it cannot be had. */
    JsonNode state() {
        housekeepingCalls.incrementAndGet();
        try {
            FuzzHttp.Response response = control.send(new FuzzHttp.Request("GET", "/master/state", List.of(),
                    new byte[0]), false);
            if (response.status() != 200) {
                throw new AssertionError("GET /master/state answered " + response.status() + ": "
                        + response.text());
            }
            return STATE_READER.readTree(response.body());
        } catch (FuzzHttp.NoAnswer | IOException e) {
            throw new AssertionError("GET /master/state failed: " + e, e);
        }
    }

    /** The fuzz agent in {@code state}; a missing node when it is not listed. */
    JsonNode fuzzAgent(JsonNode state) {
        for (JsonNode agent : state.path("slaves")) {
            if (agent.path("id").asText().equals(agentId)) {
                return agent;
            }
        }
        return STATE_READER.missingNode();
    }

    /**
     * The fuzz agent's resources and reservations once the changes already asked for are done: an ACCEPT's
     * reservations are recorded after its 202, but the master decides an operator's call on the agent only after
     * them, so a refused UNRESERVE of nothing (answered at its turn) waits for them.
     */
    String settledAgentReservations() {
        ObjectNode call = JSON.createObjectNode().put("type", "UNRESERVE_RESOURCES");
        ObjectNode unreserve = call.putObject("unreserve_resources");
        unreserve.putObject("agent_id").put("value", agentId);
        unreserve.putArray("resources").add(scalar("cpus", 0.001));
        expect(operator(call), 400, call);
        return agentReservations();
    }

    /** What an operator's reservation call may change on the fuzz agent: its resources and reservations. */
    String agentReservations() {
        JsonNode agent = fuzzAgent(state());
        return agent.path("resources") + " " + agent.path("reserved_resources_full");
    }

    /** After any SET_LOGGING_LEVEL: the configured level again at once (verbosity 0 is the original here). */
    void resetLoggingLevel() {
        ObjectNode call = JSON.createObjectNode().put("type", "SET_LOGGING_LEVEL");
        call.putObject("set_logging_level").put("level", 0).putObject("duration").put("nanoseconds", 0);
        expect(operator(call), 200, call);
    }

    /**
     * Gives the fuzz agent back to the frameworks: destroys the volumes no task uses, unreserves what is reserved
     * dynamically, and removes every quota, so that reservations and guarantees for roles nobody has do not starve
     * the deep paths. Refusals (a volume in use, resources offered meanwhile) are left for the next round.
     */
    void clearReservations() {
        reservationCleanups.incrementAndGet();
        JsonNode reserved = fuzzAgent(state()).path("reserved_resources_full");
        reserved.forEach(resources -> resources.forEach(resource -> {
            if (FuzzReservations.isVolume(resource)) {
                operatorOn("DESTROY_VOLUMES", "destroy_volumes", "volumes", List.of(resource));
            }
        }));
        JsonNode agent = fuzzAgent(state());
        knownReserved.clear();
        agent.path("reserved_resources_full").forEach(resources -> {
            List<JsonNode> dynamic = new ArrayList<>();
            resources.forEach(resource -> {
                learnReserved(resource);
                boolean isDynamic = resource.has("reservation") || resource.path("reservations")
                        .path(resource.path("reservations").size() - 1).path("type").asText().equals("DYNAMIC");
                if (isDynamic && !FuzzReservations.isVolume(resource)) {
                    dynamic.add(resource);
                }
            });
            if (!dynamic.isEmpty()) {
                operatorOn("UNRESERVE_RESOURCES", "unreserve_resources", "resources", dynamic);
            }
        });
        clearQuota();
    }

    /**
     * Takes away what fuzzed calls left behind: agents registered by fuzzed REGISTERs (marked gone) and frameworks
     * subscribed by fuzzed SUBSCRIBEs (torn down). Without it the state grows with every such call, and so does the
     * cost of each state check and of the master's own state rendering: a million requests would slow to a crawl.
     * Refusals (already gone, torn down meanwhile) are fine.
     */
    void pruneStrangers() {
        JsonNode state = state();
        java.util.Set<String> ours = new java.util.HashSet<>();
        schedulers().forEach(scheduler -> ours.add(scheduler.id));
        for (JsonNode agent : state.path("slaves")) {
            String id = agent.path("id").asText();
            if (!id.equals(agentId)) {
                ObjectNode call = JSON.createObjectNode().put("type", "MARK_AGENT_GONE");
                call.putObject("mark_agent_gone").putObject("agent_id").put("value", id);
                operator(call);
            }
        }
        for (JsonNode framework : state.path("frameworks")) {
            String id = framework.path("id").asText();
            if (!ours.contains(id)) {
                ObjectNode call = JSON.createObjectNode().put("type", "TEARDOWN");
                call.putObject("teardown").putObject("framework_id").put("value", id);
                operator(call);
            }
        }
    }

    private void operatorOn(String type, String field, String list, List<JsonNode> resources) {
        ObjectNode call = JSON.createObjectNode().put("type", type);
        ObjectNode body = call.putObject(field);
        body.putObject("agent_id").put("value", agentId);
        resources.forEach(body.putArray(list)::add);
        expect(operator(call), 202, call);
    }

    private void clearQuota() {
        FuzzHttp.Response quota = operator(JSON.createObjectNode().put("type", "GET_QUOTA"));
        if (quota == null || quota.status() != 200) {
            return;
        }
        ObjectNode call = JSON.createObjectNode().put("type", "UPDATE_QUOTA");
        ObjectNode update = call.putObject("update_quota").put("force", true);
        ArrayNode configs = update.putArray("quota_configs");
        try {
            JSON.readTree(quota.body()).path("get_quota").path("status").path("configs").forEach(config ->
                    configs.addObject().put("role", config.path("role").asText()));
        } catch (IOException e) {
            housekeepingSurprises.add("GET_QUOTA is not JSON: " + e);
            return;
        }
        if (!configs.isEmpty()) {
            expect(operator(call), 200, call);
        }
    }

    private void expect(FuzzHttp.Response response, int status, ObjectNode call) {
        if (response != null && response.status() != status) {
            housekeepingSurprises.add("operator " + call.get("type").asText() + ": " + response.status() + " "
                    + response.text());
        }
    }

    // ---- the fuzz agent's registration ----

    private void registerAgent() {
        agentReregistrations.incrementAndGet();
        ObjectNode call = JSON.createObjectNode();
        call.put("type", "REGISTER");
        ObjectNode register = call.putObject("register");
        register.put("protocol_version", AgentProtocol.VERSION);
        ObjectNode info = register.putObject("agent_info");
        info.put("hostname", "fuzz-agent");
        info.put("port", 5051);
        info.set("resources", agentResources());
        if (agentId != null) {
            call.putObject("agent_id").put("value", agentId);
            info.putObject("id").put("value", agentId);
        }
        CountDownLatch registered = new CountDownLatch(1);
        Stream stream = openStream(AgentProtocol.PATH, call, AgentProtocol.STREAM_ID_HEADER, record -> {
            AgentEvent event;
            try {
                event = AgentProtocol.decodeEvent(record);
            } catch (RuntimeException e) {
                housekeepingSurprises.add("unparsable agent event: " + e);
                return;
            }
            onAgentEvent(event, registered);
        });
        if (stream == null && agentId != null && lastRefusedSubscription.contains("has been marked gone")) {
            // A fuzzed MARK_AGENT_GONE (or DRAIN_AGENT with mark_gone) hit this agent: gone is for ever, so do what
            // the master tells an operator to do, and start it as a new agent.
            housekeepingSurprises.removeIf(s -> s.contains("has been marked gone")
                    || s.contains("has not re-registered"));
            agentId = null;
            registerAgent();
            return;
        }
        if (stream == null) {
            throw new AssertionError("the fuzz agent cannot register: " + housekeepingSurprises);
        }
        await(registered, "REGISTERED");
        String old = agentStreamId;
        if (old != null) {
            oldAgentStreamIds.add(old);
        }
        agentStreamId = stream.id;
        agentStream = stream;
    }

    static ArrayNode agentResources() {
        ArrayNode resources = JSON.createArrayNode();
        resources.add(scalar("cpus", 8));
        resources.add(scalar("mem", 8192));
        resources.add(scalar("disk", 10000));
        ObjectNode ports = resources.addObject();
        ports.put("name", "ports");
        ports.put("type", "RANGES");
        ObjectNode range = ports.putObject("ranges").putArray("range").addObject();
        range.put("begin", 31000);
        range.put("end", 32000);
        return resources;
    }

    static ObjectNode scalar(String name, double value) {
        ObjectNode resource = JSON.createObjectNode();
        resource.put("name", name);
        resource.put("type", "SCALAR");
        resource.putObject("scalar").put("value", value);
        return resource;
    }

    private void onAgentEvent(AgentEvent event, CountDownLatch registered) {
        long now = System.nanoTime();
        switch (event.type()) {
            case REGISTERED -> {
                agentId = event.registered().agentId().getValue();
                registered.countDown();
            }
            case LAUNCH -> {
                launchesReceived.incrementAndGet();
                String framework = event.launch().frameworkInfo().getId().getValue();
                String task = event.launch().task().getTaskId().getValue();
                String idError = FuzzChecks.mesosIdError(task);
                if (idError != null) {
                    invalidLaunches.add("task id '" + task + "' (" + idError + ")");
                }
                for (var resource : event.launch().task().getResourcesList()) {
                    if (resource.hasScalar() && !(resource.getScalar().getValue() >= 0)) {
                        invalidLaunches.add("task " + task + " with resource " + resource.getName() + " "
                                + resource.getScalar().getValue());
                    }
                }
                launchedTasks.add(new String[] {framework, task});
                // Let it run a little, so that KILL and RECONCILE meet it alive, then end it.
                agentWork.add(new AgentWork("FINISH", framework, task, now + TimeUnit.MILLISECONDS.toNanos(800)));
            }
            case KILL -> {
                killsReceived.incrementAndGet();
                agentWork.add(new AgentWork("KILLED", event.kill().frameworkId().getValue(),
                        event.kill().taskId().getValue(), now));
            }
            case PING -> agentWork.add(new AgentWork("PONG", null, null, now));
            default -> { }
        }
    }

    // ---- a well-behaved framework ----

    /** One framework the fuzz keeps subscribed, with what its stream told it. */
    final class Scheduler {
        final String name;
        final String role;
        private final boolean refinement;
        volatile String id;
        volatile String streamId;
        private volatile Stream stream;
        final List<String> oldStreamIds = new CopyOnWriteArrayList<>();
        /** Offers received and not rescinded, newest last: offer id to agent id. */
        private final Map<String, String> offers = new LinkedHashMap<>();
        /** Every offer id received since the last sweep: the master may still hold them. */
        private final List<String> maybeHeld = new ArrayList<>();
        private volatile long lastOfferNanos = System.nanoTime();
        /** Status updates with a uuid, to acknowledge (and for ACKNOWLEDGE to refer to). */
        final ConcurrentLinkedQueue<Update> updates = new ConcurrentLinkedQueue<>();

        /** Offered resources of the offers in {@link #offers}. */
        private final Map<String, List<Resource>> offerResources = new LinkedHashMap<>();

        Scheduler(String name, String role, boolean refinement) {
            this.name = name;
            this.role = role;
            this.refinement = refinement;
        }

        synchronized List<Resource> offerResources(String offerId) {
            return offerResources.getOrDefault(offerId, List.of());
        }

        synchronized String newestOffer() {
            String newest = null;
            for (String offer : offers.keySet()) {
                newest = offer;
            }
            return newest;
        }

        /** Waits a little for an offer (the master re-offers what an ACCEPT left within milliseconds). */
        void awaitOffer(long millis) {
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            while (newestOffer() == null && System.nanoTime() < end) {
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }

        synchronized String offerAgent(String offerId) {
            return offers.get(offerId);
        }

        synchronized void offerUsed(String offerId) {
            offers.remove(offerId);
            offerResources.remove(offerId);
        }

        synchronized String staleOffer() {
            return maybeHeld.isEmpty() ? null : maybeHeld.get(0);
        }

        Update someUpdate(int choice) {
            List<Update> all = new ArrayList<>(updates);
            return all.isEmpty() ? null : all.get(Math.floorMod(choice, all.size()));
        }

        /** Subscribed, old updates acknowledged, offers flowing. */
        void keepUp() {
            Stream current = stream;
            if (current == null || !current.alive) {
                frameworkResubscriptions.incrementAndGet();
                String previous = id;
                if ((previous == null || !subscribe(previous)) && !subscribe(null)) {
                    throw new AssertionError(name + " cannot subscribe: " + housekeepingSurprises);
                }
            }
            acknowledgeOldUpdates();
            long sinceOffer = System.nanoTime() - lastOfferNanos;
            if (newestOffer() == null && sinceOffer > TimeUnit.MILLISECONDS.toNanos(150)) {
                sweepOffers();
            }
        }

        private void acknowledgeOldUpdates() {
            long cutoff = System.nanoTime() - TimeUnit.SECONDS.toNanos(2);
            for (Iterator<Update> it = updates.iterator(); it.hasNext(); ) {
                Update update = it.next();
                if (update.receivedNanos() > cutoff) {
                    break;
                }
                it.remove();
                ObjectNode call = call("ACKNOWLEDGE");
                ObjectNode ack = call.putObject("acknowledge");
                ack.putObject("agent_id").put("value", update.agentId());
                ack.putObject("task_id").put("value", update.taskId());
                ack.put("uuid", update.uuid());
                send(call);
            }
            while (updates.size() > KEEP) {
                updates.poll();
            }
        }

        /** No offer for a while: decline whatever the master may still hold for us, and revive (clears filters). */
        private void sweepOffers() {
            List<String> held;
            synchronized (this) {
                held = new ArrayList<>(maybeHeld);
                maybeHeld.clear();
            }
            if (!held.isEmpty()) {
                ObjectNode call = call("DECLINE");
                ObjectNode decline = call.putObject("decline");
                ArrayNode ids = decline.putArray("offer_ids");
                held.forEach(offer -> ids.addObject().put("value", offer));
                decline.putObject("filters").put("refuse_seconds", 0);
                send(call);
            }
            send(call("REVIVE"));
            lastOfferNanos = System.nanoTime();
        }

        private ObjectNode call(String type) {
            ObjectNode call = JSON.createObjectNode();
            call.put("type", type);
            call.putObject("framework_id").put("value", id);
            return call;
        }

        private void send(ObjectNode call) {
            FuzzHttp.Response response = post("/api/v1/scheduler", "application/json", null,
                    Map.of("Mesos-Stream-Id", streamId), bytes(call));
            if (response != null && response.status() != 202) {
                housekeepingSurprises.add(name + " " + call.get("type").asText() + ": " + response.status() + " "
                        + response.text());
            }
        }

        private boolean subscribe(String frameworkId) {
            ObjectNode call = JSON.createObjectNode();
            call.put("type", "SUBSCRIBE");
            ObjectNode info = call.putObject("subscribe").putObject("framework_info");
            info.put("user", "fuzz");
            info.put("name", name);
            info.put("failover_timeout", 3600);
            info.put("role", role);
            if (refinement) {
                info.putArray("capabilities").addObject().put("type", "RESERVATION_REFINEMENT");
            }
            if (frameworkId != null) {
                call.putObject("framework_id").put("value", frameworkId);
                info.putObject("id").put("value", frameworkId);
            }
            synchronized (this) {
                offers.clear();
                offerResources.clear();
                maybeHeld.clear();
            }
            CountDownLatch subscribed = new CountDownLatch(1);
            Stream opened = openStream("/api/v1/scheduler", call, "Mesos-Stream-Id", record -> {
                Event event;
                try {
                    event = MesosJson.parse(record, Event.getDefaultInstance());
                } catch (RuntimeException e) {
                    housekeepingSurprises.add("unparsable event: " + e);
                    return;
                }
                onEvent(event, subscribed);
            });
            if (opened == null) {
                return false;
            }
            await(subscribed, name + " SUBSCRIBED");
            String old = streamId;
            if (old != null) {
                oldStreamIds.add(old);
            }
            streamId = opened.id;
            stream = opened;
            lastOfferNanos = System.nanoTime();
            return true;
        }

        /**
         * Mesos offers a reservation only to frameworks in its role or a role above it ("eng" resources to "eng" and
         * "eng/web" frameworks, never to "*"), and a refined one (a stack of more) only to frameworks that can read it.
         */
        private void checkReservations(org.apache.mesos.v1.Protos.Offer offer) {
            for (Resource resource : offer.getResourcesList()) {
                int stack = resource.getReservationsCount();
                String reservedFor = stack > 0 ? resource.getReservations(stack - 1).getRole()
                        : resource.hasRole() ? resource.getRole() : "*";
                boolean within = reservedFor.equals("*") || reservedFor.equals(role)
                        || (!role.equals("*") && reservedFor.startsWith(role + "/"));
                if (!within || (stack > 1 && !refinement)) {
                    misplacedOffers.add(name + " (role '" + role + "', refinement " + refinement + ") was offered "
                            + MesosJson.print(resource));
                }
                if (stack > 0 || resource.hasRole() && !resource.getRole().equals("*")) {
                    learnReserved(MesosJson.toJson(resource));
                }
            }
        }

        private void onEvent(Event event, CountDownLatch subscribed) {
            switch (event.getType()) {
                case SUBSCRIBED -> {
                    id = event.getSubscribed().getFrameworkId().getValue();
                    subscribed.countDown();
                }
                case OFFERS -> {
                    synchronized (this) {
                        for (var offer : event.getOffers().getOffersList()) {
                            checkReservations(offer);
                            offers.put(offer.getId().getValue(), offer.getAgentId().getValue());
                            offerResources.put(offer.getId().getValue(), offer.getResourcesList());
                            while (offerResources.size() > KEEP) {
                                offerResources.remove(offerResources.keySet().iterator().next());
                            }
                            maybeHeld.add(offer.getId().getValue());
                            offersReceived.incrementAndGet();
                        }
                    }
                    lastOfferNanos = System.nanoTime();
                }
                case RESCIND -> {
                    synchronized (this) {
                        offers.remove(event.getRescind().getOfferId().getValue());
                        offerResources.remove(event.getRescind().getOfferId().getValue());
                        maybeHeld.remove(event.getRescind().getOfferId().getValue());
                    }
                }
                case UPDATE -> {
                    TaskStatus status = event.getUpdate().getStatus();
                    updatesByState.computeIfAbsent(status.getState().name() + (status.hasReason()
                            ? "/" + status.getReason().name() : ""), k -> new AtomicLong()).incrementAndGet();
                    if (status.hasUuid()) {
                        updates.add(new Update(status.getTaskId().getValue(), status.getAgentId().getValue(),
                                Base64.getEncoder().encodeToString(status.getUuid().toByteArray()),
                                status.getState().name(), System.nanoTime()));
                    }
                }
                case UPDATE_OPERATION_STATUS -> operationsByState.computeIfAbsent(
                        event.getUpdateOperationStatus().getStatus().getState().name(), k -> new AtomicLong())
                        .incrementAndGet();
                default -> { }
            }
        }
    }

    // ---- streams ----

    private static final class Stream {
        final String id;
        final Socket socket;
        volatile boolean alive = true;

        Stream(String id, Socket socket) {
            this.id = id;
            this.socket = socket;
        }
    }

    /** POSTs a subscription; on 200 reads its records on a daemon thread. Null when the master refused it. */
    private Stream openStream(String path, ObjectNode call, String streamHeader, Consumer<byte[]> onRecord) {
        FuzzHttp http = new FuzzHttp(host, port);
        FuzzHttp.Response response;
        try {
            response = http.send(new FuzzHttp.Request("POST", path, List.of(
                    Map.entry("Content-Type", "application/json"), Map.entry("Accept", "application/json")),
                    bytes(call)), true);
        } catch (FuzzHttp.NoAnswer e) {
            throw new AssertionError("subscription to " + path + " got no answer: " + e.getMessage(), e);
        }
        if (!response.streaming()) {
            lastRefusedSubscription = response.text();
            housekeepingSurprises.add("subscription to " + path + ": " + response.status() + " " + response.text());
            http.close();
            return null;
        }
        Stream stream = new Stream(response.header(streamHeader), response.stream());
        InputStream in = response.streamInput();
        Thread reader = new Thread(() -> {
            RecordIODecoder decoder = new RecordIODecoder();
            try {
                stream.socket.setSoTimeout(0);
                FuzzHttp.readChunks(in, chunk -> decoder.feed(chunk).forEach(onRecord));
            } catch (IOException | RuntimeException e) {
                // the stream ended: housekeeping opens a new one
            } finally {
                stream.alive = false;
                try {
                    stream.socket.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }, "fuzz-stream" + path.replace('/', '-'));
        reader.setDaemon(true);
        reader.start();
        return stream;
    }

    private static void await(CountDownLatch latch, String what) {
        try {
            if (!latch.await(20, TimeUnit.SECONDS)) {
                throw new AssertionError("no " + what + " within 20 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static byte[] bytes(ObjectNode json) {
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        control.close();
        for (Stream stream : new Stream[] {main.stream, rival.stream, agentStream}) {
            if (stream != null) {
                try {
                    stream.socket.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }
}
