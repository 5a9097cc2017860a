package io.corral.cli;

import io.corral.protocol.resources.ResourceSet;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.master.Protos.Call;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code corral reserve} and {@code corral unreserve}: dynamic reservations of an agent's resources for a role,
 * through the operator API (RESERVE_RESOURCES, UNRESERVE_RESOURCES). Reserved resources are offered only to
 * frameworks of that role (or below it), and survive agent restarts and master failovers.
 */
public final class ReserveCommand {
    private ReserveCommand() {}

    /** What both commands take: the agent, the role, the resources and the principal. */
    abstract static class Base extends ClusterCommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "AGENT", description = "The agent's id (see `corral agents`).")
        String agent;

        @Option(names = "--role", required = true, paramLabel = "ROLE", description = "e.g. eng or eng/web")
        String role;

        @Option(names = "--resources", required = true, paramLabel = "RESOURCES",
                description = "Unreserved resources in the agent's --resources form, e.g. 'cpus:2;mem:1024'.")
        String resources;

        @Option(names = "--principal", paramLabel = "PRINCIPAL",
                description = "Who the reservation is recorded for (unreserve must name the same one).")
        String principal;

        @Mixin
        ClusterOptions cluster = new ClusterOptions();

        Base() {
        }

        Base(ClusterLocator locator, PrintStream out, PrintStream err, Clock clock) {
            super(locator, out, err, clock);
        }

        /** The resources, each dynamically reserved for the role, as Mesos's operator API wants them. */
        List<Resource> reserved() {
            List<Resource> reserved = new ArrayList<>();
            for (Resource resource : ResourceSet.parse(resources).toList()) {
                if (resource.getReservationsCount() > 0) {
                    throw new IllegalArgumentException("'" + resources + "' names a role; give unreserved"
                            + " resources (cpus:2, not cpus(eng):2) and the role with --role");
                }
                Resource.ReservationInfo.Builder reservation = Resource.ReservationInfo.newBuilder()
                        .setType(Resource.ReservationInfo.Type.DYNAMIC).setRole(role);
                if (principal != null) {
                    reservation.setPrincipal(principal);
                }
                reserved.add(resource.toBuilder().clearRole().addReservations(reservation).build());
            }
            return reserved;
        }

        /** Runs {@code call}, built from the parsed options; a bad option is a usage error (exit 2). */
        int send(String name, java.util.function.Supplier<Call> call, String done) throws InterruptedException {
            Call built;
            try {
                built = call.get();
            } catch (IllegalArgumentException e) {
                err.println("corral " + name + ": " + e.getMessage());
                return 2;
            }
            return OperatorClient.run(name, err, () -> {
                new OperatorClient().call(locator, cluster, built);
                out.println(done);
                out.flush();
            });
        }
    }

    @Command(name = "reserve", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
            description = "Reserve some of an agent's unreserved resources for a role.",
            footerHeading = "%nExamples:%n",
            footer = {"  corral reserve 4f1c...-S0 --role eng --resources 'cpus:2;mem:4096;disk:10000'"})
    public static final class Reserve extends Base {
        public Reserve() {
        }

        Reserve(ClusterLocator locator, PrintStream out, PrintStream err, Clock clock) {
            super(locator, out, err, clock);
        }

        @Override
        public Integer call() throws InterruptedException {
            return send("reserve", () -> Call.newBuilder().setType(Call.Type.RESERVE_RESOURCES)
                    .setReserveResources(Call.ReserveResources.newBuilder()
                            .setAgentId(AgentID.newBuilder().setValue(agent)).addAllResources(reserved()))
                    .build(), "Reserved " + resources + " on agent " + agent + " for role " + role + ".");
        }
    }

    @Command(name = "unreserve", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
            description = "Give back resources an operator or framework reserved for a role (not volumes: destroy"
                    + " them first).",
            footerHeading = "%nExamples:%n",
            footer = {"  corral unreserve 4f1c...-S0 --role eng --resources 'cpus:2;mem:4096'"})
    public static final class Unreserve extends Base {
        public Unreserve() {
        }

        Unreserve(ClusterLocator locator, PrintStream out, PrintStream err, Clock clock) {
            super(locator, out, err, clock);
        }

        @Override
        public Integer call() throws InterruptedException {
            return send("unreserve", () -> Call.newBuilder().setType(Call.Type.UNRESERVE_RESOURCES)
                    .setUnreserveResources(Call.UnreserveResources.newBuilder()
                            .setAgentId(AgentID.newBuilder().setValue(agent)).addAllResources(reserved()))
                    .build(), "Unreserved " + resources + " on agent " + agent + " from role " + role + ".");
        }
    }
}
