package io.corral.cli.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.cli.ClusterLocator;
import io.corral.protocol.MasterInfos;
import io.corral.protocol.TaskStates;
import io.corral.protocol.json.MesosJson;
import io.corral.scheduler.MasterAddresses;
import io.corral.zookeeper.MasterDetector;
import io.corral.zookeeper.ZkClients;
import io.corral.zookeeper.ZkUrl;
import io.corral.zookeeper.health.EnsembleHealth;
import io.corral.zookeeper.health.EnsembleHealthJson;
import io.corral.zookeeper.health.EnsembleMonitor;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.zookeeper.KeeperException;

/**
 * Gathers a {@link ClusterStatus}: never fails as a whole; each part that cannot be learned carries the reason.
 *
 * <ul>
 *   <li>Masters: with a zk:// URL, every {@code json.info_} znode under the root path (the lowest leads, as Mesos
 *       detectors decide); with only a master URL, that master and the leader it redirects to. Each one's
 *       {@code /health} is asked.</li>
 *   <li>Agents and frameworks: the leader's {@code /master/state}.</li>
 *   <li>ZooKeeper: with a zk:// URL, each server is probed directly (fresh, and works with no master up); else the
 *       leader's {@code /master/zookeeper}, the view of its own monitor.</li>
 * </ul>
 *
 * <p>Threading: not thread-safe; one collection at a time. Every network call is bounded by a few seconds.
 */
public final class StatusCollector {
    private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration ZK_CONNECT_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration ZK_SESSION_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Clock clock;
    /** The running collection's target: who it authenticates as, and its TLS. Set by {@link #collect}. */
    private ClusterLocator.Target target = new ClusterLocator.Target("none", Optional.empty(), Optional.empty());
    /** Redirects tell who leads: followed by hand. Set by {@link #collect}, with the target's TLS. */
    private HttpClient http;

    public StatusCollector(Clock clock) {
        this.clock = clock;
    }

    /** An HTTP or ZooKeeper read failed; the message says what and why, for the problems list. */
    private static final class Unavailable extends Exception {
        Unavailable(String message) {
            super(message);
        }
    }

    /** A JSON document and the master that served it. */
    private record Fetched(URI from, JsonNode json) {}

    /** A master before its health is asked. */
    private record Listed(String address, Optional<String> id, Optional<String> znode, boolean leader) {}

    public ClusterStatus collect(ClusterLocator.Target target) throws InterruptedException {
        this.target = target;
        this.http = target.httpClient(HTTP_TIMEOUT);
        Optional<ZkUrl> zk = target.zk();
        List<Listed> listed = new ArrayList<>();
        Optional<String> mastersError = Optional.empty();
        Optional<URI> askFirst;
        if (zk.isPresent()) {
            try {
                listed.addAll(mastersInZooKeeper(zk.get()));
            } catch (Unavailable e) {
                mastersError = Optional.of(e.getMessage());
            }
            askFirst = listed.stream().filter(Listed::leader).findFirst().map(m -> base(m.address()));
        } else {
            askFirst = target.masterUrl().map(url -> MasterAddresses.parseBase(url, target.scheme()));
        }

        Optional<Fetched> state = Optional.empty();
        Optional<String> stateError = Optional.empty();
        if (askFirst.isEmpty()) {
            stateError = Optional.of("no leading master to ask");
        } else {
            try {
                state = Optional.of(getJson(askFirst.get(), "/master/state"));
            } catch (Unavailable e) {
                stateError = Optional.of(e.getMessage());
            }
        }
        if (zk.isEmpty()) {
            listed.addAll(mastersMetOverHttp(askFirst.orElseThrow(), state));
        }

        Optional<EnsembleHealth> zookeeper = Optional.empty();
        Optional<String> zookeeperError = Optional.empty();
        if (zk.isPresent()) {
            zookeeper = Optional.of(EnsembleMonitor.checkOnce(zk.get(), PROBE_TIMEOUT, clock));
        } else if (state.isEmpty()) {
            zookeeperError = Optional.of("no leading master answered; pass --zk to probe ZooKeeper directly");
        } else {
            try {
                zookeeper = Optional.of(EnsembleHealthJson.fromJson(
                        getJson(state.get().from(), "/master/zookeeper").json()));
            } catch (Unavailable | IllegalArgumentException e) {
                zookeeperError = Optional.of(e.getMessage());
            }
        }

        List<ClusterStatus.Master> masters = new ArrayList<>();
        for (Listed master : listed) {
            masters.add(new ClusterStatus.Master(master.address(), master.id(), master.znode(), master.leader(),
                    healthError(base(master.address()))));
        }
        JsonNode json = state.map(Fetched::json).orElse(JSON.createObjectNode());
        return new ClusterStatus(target.describe(), zookeeper, zookeeperError, masters, mastersError,
                StateReader.agents(json), StateReader.unreachableAgents(json), StateReader.frameworks(json),
                stateError, "false".equals(json.path("flags").path("authenticate_http_readwrite").asText()));
    }

    // ------------------------------------------------------------------------------------------------ masters

    /** The masters' znodes, lowest sequence (the leader) first; znodes that are not MasterInfo JSON are skipped. */
    private static List<Listed> mastersInZooKeeper(ZkUrl zk) throws Unavailable {
        try (CuratorFramework client = ZkClients.connect(zk, ZK_SESSION_TIMEOUT, ZK_CONNECT_TIMEOUT)) {
            List<String> nodes = client.getChildren().forPath(zk.rootPath()).stream()
                    .filter(name -> name.startsWith(MasterDetector.NODE_PREFIX))
                    .sorted(Comparator.comparing((String name) -> name.length()).thenComparing(name -> name))
                    .toList();
            List<Listed> masters = new ArrayList<>();
            for (String node : nodes) {
                readMaster(client, zk.rootPath() + "/" + node).ifPresent(info -> masters.add(new Listed(
                        MasterInfos.httpAddress(info), Optional.of(info.getId()), Optional.of(node),
                        masters.isEmpty())));
            }
            return masters;
        } catch (KeeperException.NoNodeException e) {
            return List.of(); // no master ever ran under this root path
        } catch (RuntimeException e) {
            throw new Unavailable(e.getMessage());
        } catch (Exception e) {
            throw new Unavailable("cannot list " + zk.rootPath() + " in ZooKeeper: " + e.getMessage());
        }
    }

    private static Optional<MasterInfo> readMaster(CuratorFramework client, String path) throws Exception {
        try {
            return Optional.of(MesosJson.parse(client.getData().forPath(path), MasterInfo.getDefaultInstance()));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty(); // its master ended since the listing
        } catch (RuntimeException e) {
            return Optional.empty(); // not MasterInfo JSON: Mesos detectors skip it too
        }
    }

    /** Without ZooKeeper: the leader that served the state, and the master asked first when it is another one. */
    private static List<Listed> mastersMetOverHttp(URI askedFirst, Optional<Fetched> state) {
        List<Listed> masters = new ArrayList<>();
        state.ifPresent(s -> masters.add(new Listed(address(s.from()),
                Optional.ofNullable(s.json().path("id").textValue()), Optional.empty(), true)));
        if (state.isEmpty() || !state.get().from().equals(askedFirst)) {
            masters.add(new Listed(address(askedFirst), Optional.empty(), Optional.empty(), false));
        }
        return masters;
    }

    private Optional<String> healthError(URI master) throws InterruptedException {
        try {
            HttpResponse<byte[]> response = send(master, "/health");
            return response.statusCode() == 200 ? Optional.empty()
                    : Optional.of("/health answered " + response.statusCode());
        } catch (Unavailable e) {
            return Optional.of(e.getMessage());
        }
    }

    // --------------------------------------------------------------------------------------------------- HTTP

    /** GET a JSON document from {@code master}, following one redirect to the leader. */
    private Fetched getJson(URI master, String path) throws Unavailable, InterruptedException {
        HttpResponse<byte[]> response = send(master, path);
        if (response.statusCode() == 307) {
            try {
                master = MasterAddresses.redirectTarget(response.headers().firstValue("Location").orElse(null),
                        master);
            } catch (IllegalArgumentException e) {
                throw new Unavailable("the master at " + address(master) + " redirected badly: " + e.getMessage());
            }
            response = send(master, path);
        }
        if (response.statusCode() != 200) {
            String body = new String(response.body(), StandardCharsets.UTF_8).strip();
            throw new Unavailable("GET " + path + " on " + address(master) + " answered " + response.statusCode()
                    + (body.isEmpty() ? "" : ": " + body));
        }
        try {
            return new Fetched(master, JSON.readTree(response.body()));
        } catch (IOException e) {
            throw new Unavailable("GET " + path + " on " + address(master) + " sent unreadable JSON");
        }
    }

    private HttpResponse<byte[]> send(URI master, String path) throws Unavailable, InterruptedException {
        HttpRequest.Builder builder = HttpRequest.newBuilder(MasterAddresses.resolve(master, path))
                .timeout(HTTP_TIMEOUT)
                .GET();
        target.authorize(builder);
        HttpRequest request = builder.build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (java.net.ConnectException e) {
            throw new Unavailable("cannot reach " + address(master) + ": connection refused");
        } catch (java.net.http.HttpTimeoutException e) {
            throw new Unavailable(address(master) + " did not answer " + path + " within "
                    + HTTP_TIMEOUT.toSeconds() + " s");
        } catch (IOException e) {
            throw new Unavailable(target.whyUnreachable(e, master));
        }
    }

    private URI base(String address) {
        return MasterAddresses.parseBase(address, target.scheme());
    }

    private static String address(URI base) {
        return base.getHost() + ":" + base.getPort();
    }

    // ------------------------------------------------------------------------------------------ state reading

    /** Reads agents and frameworks from {@code /master/state} JSON, tolerating absent fields. */
    static final class StateReader {
        private StateReader() {}

        static List<ClusterStatus.Agent> agents(JsonNode state) {
            List<ClusterStatus.Agent> agents = new ArrayList<>();
            for (JsonNode agent : state.path("slaves")) {
                String id = agent.path("id").asText();
                agents.add(new ClusterStatus.Agent(id, agent.path("hostname").asText(), agentState(agent),
                        agent.path("resources").path("cpus").asDouble(),
                        agent.path("used_resources").path("cpus").asDouble(),
                        agent.path("resources").path("mem").asDouble(),
                        agent.path("used_resources").path("mem").asDouble(),
                        liveTasks(state, "slave_id", id)));
            }
            return agents;
        }

        /** Mesos gives a count; an array (of agents) is counted too. */
        static long unreachableAgents(JsonNode state) {
            JsonNode unreachable = state.path("unreachable_slaves");
            return unreachable.isArray() ? unreachable.size() : unreachable.asLong(0);
        }

        static List<ClusterStatus.Framework> frameworks(JsonNode state) {
            List<ClusterStatus.Framework> frameworks = new ArrayList<>();
            for (JsonNode framework : state.path("frameworks")) {
                String id = framework.path("id").asText();
                frameworks.add(new ClusterStatus.Framework(id, framework.path("name").asText(),
                        framework.path("active").asBoolean(true), framework.path("connected").asBoolean(true),
                        liveTasks(state, "framework_id", id)));
            }
            return frameworks;
        }

        /** Draining (Mesos's drain_info) wins over inactive: it is what the operator asked for. */
        private static ClusterStatus.AgentState agentState(JsonNode agent) {
            String drain = agent.path("drain_info").path("state").asText("");
            if (drain.equals("DRAINING") || drain.equals("DRAINED")) {
                return ClusterStatus.AgentState.DRAINING;
            }
            boolean active = agent.path("active").asBoolean(true) && !agent.path("deactivated").asBoolean(false);
            return active ? ClusterStatus.AgentState.ACTIVE : ClusterStatus.AgentState.INACTIVE;
        }

        /** Non-terminal tasks whose {@code field} is {@code value}. */
        private static long liveTasks(JsonNode state, String field, String value) {
            long count = 0;
            for (JsonNode framework : state.path("frameworks")) {
                for (JsonNode task : framework.path("tasks")) {
                    if (task.path(field).asText().equals(value) && !isTerminal(task.path("state").asText())) {
                        count++;
                    }
                }
            }
            return count;
        }

        private static boolean isTerminal(String state) {
            try {
                return TaskStates.isTerminal(TaskState.valueOf(state));
            } catch (IllegalArgumentException e) {
                return false; // a state this version does not know: count it as live
            }
        }
    }
}
