package io.corral.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.corral.cli.output.Table;
import io.corral.protocol.resources.Reservations;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.master.Protos.Call;
import org.apache.mesos.v1.master.Protos.Response;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code corral volumes list|create|destroy}: persistent volumes, made of disk reserved for a role, that keep their
 * data after the tasks using them end; through the operator API (GET_AGENTS, CREATE_VOLUMES, DESTROY_VOLUMES).
 */
@Command(name = "volumes",
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true,
        description = "List, create or destroy persistent volumes on agents' reserved disk.",
        subcommands = {VolumesCommand.ListVolumes.class, VolumesCommand.Create.class, VolumesCommand.Destroy.class},
        footerHeading = "%nExamples:%n",
        footer = {"  corral reserve 4f1c...-S0 --role eng --resources disk:2048",
                "  corral volumes create 4f1c...-S0 --role eng --id db --size 1024 --path data",
                "  corral volumes list",
                "  corral volumes destroy 4f1c...-S0 --id db     # deletes the volume's data"})
public final class VolumesCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** One volume on one agent, as GET_AGENTS shows it. */
    record Volume(String agentId, String hostname, Resource resource) {
        String id() {
            return resource.getDisk().getPersistence().getId();
        }
    }

    static List<Volume> volumes(Response agents) {
        List<Volume> volumes = new ArrayList<>();
        for (Response.GetAgents.Agent agent : agents.getGetAgents().getAgentsList()) {
            for (Resource resource : agent.getTotalResourcesList()) {
                if (Reservations.isPersistentVolume(resource)) {
                    volumes.add(new Volume(agent.getAgentInfo().getId().getValue(),
                            agent.getAgentInfo().getHostname(), resource));
                }
            }
        }
        return volumes;
    }

    static Response getAgents(ClusterCommand command, ClusterOptions cluster) throws InterruptedException {
        return new OperatorClient().call(command.locator, cluster,
                Call.newBuilder().setType(Call.Type.GET_AGENTS).build()).orElseThrow();
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Show every agent's volumes.")
    static final class ListVolumes extends ClusterCommand implements Callable<Integer> {
        @Option(names = "--json", description = "Print a JSON array of {agent_id, hostname, role, id, size_mb, path}.")
        boolean json;

        @Mixin
        ClusterOptions cluster = new ClusterOptions();

        ListVolumes() {
        }

        ListVolumes(ClusterLocator locator, PrintStream out, PrintStream err, Clock clock) {
            super(locator, out, err, clock);
        }

        @Override
        public Integer call() throws InterruptedException {
            return OperatorClient.run("volumes list", err, () -> print(volumes(getAgents(this, cluster))));
        }

        private void print(List<Volume> volumes) {
            if (json) {
                ArrayNode array = new ObjectMapper().createArrayNode();
                for (Volume v : volumes) {
                    array.addObject().put("agent_id", v.agentId()).put("hostname", v.hostname())
                            .put("role", Reservations.role(v.resource())).put("id", v.id())
                            .put("size_mb", v.resource().getScalar().getValue())
                            .put("path", v.resource().getDisk().getVolume().getContainerPath());
                }
                out.println(array);
            } else if (volumes.isEmpty()) {
                out.println("No persistent volumes.");
            } else {
                Table table = new Table("AGENT", "HOSTNAME", "ROLE", "ID", "SIZE", "PATH");
                for (Volume v : volumes) {
                    table.row(v.agentId(), v.hostname(), Reservations.role(v.resource()), v.id(),
                            PsCommand.number(v.resource().getScalar().getValue()) + " MB",
                            v.resource().getDisk().getVolume().getContainerPath());
                }
                table.print(out);
            }
            out.flush();
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Make a persistent volume of disk reserved for a role (reserve it first).")
    static final class Create extends ClusterCommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "AGENT", description = "The agent's id (see `corral agents`).")
        String agent;

        @Option(names = "--role", required = true, description = "The role the disk is reserved for.")
        String role;

        @Option(names = "--id", required = true, description = "The volume's persistence id, unique on the agent.")
        String id;

        @Option(names = "--size", required = true, paramLabel = "MB", description = "Size in MB.")
        double size;

        @Option(names = "--path", required = true,
                description = "Where tasks find it, relative to their sandbox, e.g. data.")
        String path;

        @Option(names = "--principal", description = "The principal the disk was reserved for, if any.")
        String principal;

        @Mixin
        ClusterOptions cluster = new ClusterOptions();

        Create() {
        }

        Create(ClusterLocator locator, PrintStream out, PrintStream err, Clock clock) {
            super(locator, out, err, clock);
        }

        @Override
        public Integer call() throws InterruptedException {
            Resource.ReservationInfo.Builder reservation = Resource.ReservationInfo.newBuilder()
                    .setType(Resource.ReservationInfo.Type.DYNAMIC).setRole(role);
            if (principal != null) {
                reservation.setPrincipal(principal);
            }
            Resource volume = Resource.newBuilder().setName("disk").setType(org.apache.mesos.v1.Protos.Value.Type.SCALAR)
                    .setScalar(org.apache.mesos.v1.Protos.Value.Scalar.newBuilder().setValue(size))
                    .addReservations(reservation)
                    .setDisk(Resource.DiskInfo.newBuilder()
                            .setPersistence(Resource.DiskInfo.Persistence.newBuilder().setId(id))
                            .setVolume(org.apache.mesos.v1.Protos.Volume.newBuilder().setContainerPath(path)
                                    .setMode(org.apache.mesos.v1.Protos.Volume.Mode.RW)))
                    .build();
            return OperatorClient.run("volumes create", err, () -> {
                new OperatorClient().call(locator, cluster, Call.newBuilder().setType(Call.Type.CREATE_VOLUMES)
                        .setCreateVolumes(Call.CreateVolumes.newBuilder()
                                .setAgentId(AgentID.newBuilder().setValue(agent)).addVolumes(volume)).build());
                out.println("Created volume " + id + " (" + PsCommand.number(size) + " MB, role " + role
                        + ") on agent " + agent + "; tasks using it find it at $MESOS_SANDBOX/" + path + ".");
                out.flush();
            });
        }
    }

    @Command(name = "destroy", mixinStandardHelpOptions = true,
            description = "Destroy a persistent volume no task uses; its data is deleted, its disk stays reserved.")
    static final class Destroy extends ClusterCommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "AGENT", description = "The agent's id.")
        String agent;

        @Option(names = "--id", required = true, description = "The volume's persistence id.")
        String id;

        @Mixin
        ClusterOptions cluster = new ClusterOptions();

        Destroy() {
        }

        Destroy(ClusterLocator locator, PrintStream out, PrintStream err, Clock clock) {
            super(locator, out, err, clock);
        }

        @Override
        public Integer call() throws InterruptedException {
            return OperatorClient.run("volumes destroy", err, () -> {
                Volume volume = volumes(getAgents(this, cluster)).stream()
                        .filter(v -> v.agentId().equals(agent) && v.id().equals(id)).findFirst()
                        .orElseThrow(() -> new OperatorClient.OperatorException("agent " + agent
                                + " has no volume '" + id + "'; see `corral volumes list`", 1));
                new OperatorClient().call(locator, cluster, Call.newBuilder().setType(Call.Type.DESTROY_VOLUMES)
                        .setDestroyVolumes(Call.DestroyVolumes.newBuilder()
                                .setAgentId(AgentID.newBuilder().setValue(agent))
                                .addVolumes(volume.resource().toBuilder().clearAllocationInfo())).build());
                out.println("Destroyed volume " + id + " on agent " + agent + ".");
                out.flush();
            });
        }
    }
}
