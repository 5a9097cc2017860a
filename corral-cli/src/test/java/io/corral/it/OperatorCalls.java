package io.corral.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.protocol.http.Encoding;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.DurationInfo;
import org.apache.mesos.v1.Protos.MachineID;
import org.apache.mesos.v1.Protos.TimeInfo;
import org.apache.mesos.v1.Protos.Unavailability;
import org.apache.mesos.v1.maintenance.Protos.Schedule;
import org.apache.mesos.v1.maintenance.Protos.Window;
import org.apache.mesos.v1.master.Protos.Call;
import org.apache.mesos.v1.master.Protos.Response;

/** Operator API calls for the maintenance, draining and failover tests, over real HTTP, in protobuf. */
final class OperatorCalls {
    static final HttpClient HTTP = HttpClient.newHttpClient();

    private OperatorCalls() {}

    static HttpResponse<byte[]> call(String master, Call call) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(master + "/api/v1"))
                .header("Content-Type", Encoding.PROTOBUF.mediaType())
                .header("Accept", Encoding.PROTOBUF.mediaType())
                .POST(HttpRequest.BodyPublishers.ofByteArray(call.toByteArray()))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** The answer's Response; the call must have succeeded with 200. */
    static Response decode(HttpResponse<byte[]> response) {
        assertThat(response.statusCode()).as(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        return Encoding.PROTOBUF.decode(response.body(), Response.getDefaultInstance());
    }

    /** The call's answer, which must be 200. */
    static Response ok(String master, Call call) throws Exception {
        HttpResponse<byte[]> response = call(master, call);
        assertThat(response.statusCode()).as(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        return response.body().length == 0 ? Response.getDefaultInstance()
                : Encoding.PROTOBUF.decode(response.body(), Response.getDefaultInstance());
    }

    /** Asserts the call is refused with {@code status} and a body containing {@code message}. */
    static void refused(String master, Call call, int status, String message) throws Exception {
        HttpResponse<byte[]> response = call(master, call);
        String body = new String(response.body(), StandardCharsets.UTF_8);
        assertThat(response.statusCode()).as(body).isEqualTo(status);
        assertThat(body).contains(message);
    }

    static Response get(String master, Call.Type type) throws Exception {
        return ok(master, Call.newBuilder().setType(type).build());
    }

    static MachineID machine(String hostname, String ip) {
        MachineID.Builder machine = MachineID.newBuilder();
        if (hostname != null) {
            machine.setHostname(hostname);
        }
        if (ip != null) {
            machine.setIp(ip);
        }
        return machine.build();
    }

    static Window window(long startSeconds, long durationSeconds, MachineID... machines) {
        return Window.newBuilder().addAllMachineIds(java.util.List.of(machines))
                .setUnavailability(Unavailability.newBuilder()
                        .setStart(TimeInfo.newBuilder().setNanoseconds(startSeconds * 1_000_000_000L))
                        .setDuration(DurationInfo.newBuilder().setNanoseconds(durationSeconds * 1_000_000_000L)))
                .build();
    }

    static Call schedule(Window... windows) {
        return Call.newBuilder().setType(Call.Type.UPDATE_MAINTENANCE_SCHEDULE)
                .setUpdateMaintenanceSchedule(Call.UpdateMaintenanceSchedule.newBuilder()
                        .setSchedule(Schedule.newBuilder().addAllWindows(java.util.List.of(windows))))
                .build();
    }

    static Call start(MachineID... machines) {
        return Call.newBuilder().setType(Call.Type.START_MAINTENANCE)
                .setStartMaintenance(Call.StartMaintenance.newBuilder().addAllMachines(java.util.List.of(machines)))
                .build();
    }

    static Call stop(MachineID... machines) {
        return Call.newBuilder().setType(Call.Type.STOP_MAINTENANCE)
                .setStopMaintenance(Call.StopMaintenance.newBuilder().addAllMachines(java.util.List.of(machines)))
                .build();
    }

    static Call drain(AgentID agent, Long maxGraceSeconds, boolean markGone) {
        Call.DrainAgent.Builder drain = Call.DrainAgent.newBuilder().setAgentId(agent).setMarkGone(markGone);
        if (maxGraceSeconds != null) {
            drain.setMaxGracePeriod(com.google.protobuf.Duration.newBuilder().setSeconds(maxGraceSeconds));
        }
        return Call.newBuilder().setType(Call.Type.DRAIN_AGENT).setDrainAgent(drain).build();
    }

    static Call deactivate(AgentID agent) {
        return Call.newBuilder().setType(Call.Type.DEACTIVATE_AGENT)
                .setDeactivateAgent(Call.DeactivateAgent.newBuilder().setAgentId(agent)).build();
    }

    static Call reactivate(AgentID agent) {
        return Call.newBuilder().setType(Call.Type.REACTIVATE_AGENT)
                .setReactivateAgent(Call.ReactivateAgent.newBuilder().setAgentId(agent)).build();
    }

    static Call gone(AgentID agent) {
        return Call.newBuilder().setType(Call.Type.MARK_AGENT_GONE)
                .setMarkAgentGone(Call.MarkAgentGone.newBuilder().setAgentId(agent)).build();
    }

    static AgentID agentId(String value) {
        return AgentID.newBuilder().setValue(value).build();
    }
}
