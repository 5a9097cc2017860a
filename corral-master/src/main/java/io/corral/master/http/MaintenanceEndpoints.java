package io.corral.master.http;

import io.corral.master.Master;
import io.corral.master.MasterView;
import io.corral.protocol.http.HttpError;
import io.corral.protocol.http.HttpExchange;
import io.corral.protocol.json.MesosJson;
import io.corral.protocol.json.MesosJsonException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.mesos.v1.Protos.MachineID;
import org.apache.mesos.v1.maintenance.Protos.Schedule;

/**
 * Mesos's legacy maintenance endpoints, with Mesos's JSON ({@code docs/mesos-compatibility.md}, "Maintenance"):
 * {@code GET /master/maintenance/schedule} (the schedule), {@code POST /master/maintenance/schedule} (replace it),
 * {@code GET /master/maintenance/status} (draining and down machines), {@code POST /master/machine/down} and
 * {@code POST /master/machine/up} (a JSON array of machine ids). Changes answer 200 with an empty body once durable,
 * through the same calls as the operator API.
 *
 * <p>Threading: called on HTTP I/O threads; holds no state; reads are rendered on {@code readers}.
 */
final class MaintenanceEndpoints {
    static final Set<String> PATHS = Set.of("/maintenance/schedule", "/maintenance/status", "/machine/down",
            "/machine/up");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Executor readers;

    MaintenanceEndpoints(Executor readers) {
        this.readers = readers;
    }

    void handle(Master master, HttpExchange exchange, String path) {
        switch (path) {
            case "/maintenance/schedule" -> {
                if ("GET".equals(exchange.method())) {
                    read(master, exchange, view -> MesosJson.printBytes(view.maintenance().schedule()));
                } else {
                    requireMethod(exchange, "POST", "GET, POST");
                    Schedule schedule = parseSchedule(exchange.body());
                    change(exchange, master.submit(() -> master.maintenance().updateSchedule(schedule)));
                }
            }
            case "/maintenance/status" -> {
                requireMethod(exchange, "GET", "GET");
                read(master, exchange, view -> MesosJson.printBytes(view.maintenance().status()));
            }
            case "/machine/down" -> {
                requireMethod(exchange, "POST", "POST");
                List<MachineID> machines = parseMachines(exchange.body());
                change(exchange, master.submit(() -> master.maintenance().startMaintenance(machines)));
            }
            default -> {
                requireMethod(exchange, "POST", "POST");
                List<MachineID> machines = parseMachines(exchange.body());
                change(exchange, master.submit(() -> master.maintenance().stopMaintenance(machines)));
            }
        }
    }

    private void read(Master master, HttpExchange exchange, Function<MasterView, byte[]> render) {
        master.view().thenApplyAsync(render, readers).whenComplete((json, failure) -> {
            if (failure != null) {
                Responses.fail(exchange, failure);
            } else {
                exchange.respond(200, "application/json", json);
            }
        });
    }

    private static void change(HttpExchange exchange, CompletableFuture<CompletableFuture<Void>> decided) {
        decided.thenCompose(durable -> durable).whenComplete((ok, failure) -> {
            if (failure != null) {
                Responses.fail(exchange, failure);
            } else {
                exchange.respond(200, null, new byte[0]);
            }
        });
    }

    private static void requireMethod(HttpExchange exchange, String method, String allowed) {
        if (!method.equals(exchange.method())) {
            throw new HttpError(405, "Expecting one of { '" + String.join("', '", allowed.split(", "))
                    + "' }, but received '" + exchange.method() + "'");
        }
    }

    private static Schedule parseSchedule(byte[] body) {
        return parse(() -> MesosJson.parse(body, Schedule.getDefaultInstance()));
    }

    /** A JSON array of machine ids, as Mesos's {@code /machine/down} and {@code /machine/up} take. */
    private static List<MachineID> parseMachines(byte[] body) {
        JsonNode array = parse(() -> {
            try {
                return MAPPER.readTree(body);
            } catch (java.io.IOException e) {
                throw new MesosJsonException(e.getMessage());
            }
        });
        if (array == null || !array.isArray()) {
            throw new HttpError(400, "Expecting a JSON array of machines, such as"
                    + " [{\"hostname\":\"node1\",\"ip\":\"10.0.0.1\"}]");
        }
        List<MachineID> machines = new ArrayList<>();
        for (JsonNode machine : array) {
            machines.add(parse(() -> MesosJson.merge(machine, MachineID.newBuilder()).build()));
        }
        return machines;
    }

    private static <T> T parse(Supplier<T> parser) {
        try {
            return parser.get();
        } catch (MesosJsonException | IllegalArgumentException e) {
            throw new HttpError(400, "Failed to parse the body: " + e.getMessage());
        }
    }
}
