package io.corral.frameworks.jobs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.ContainerInfo;
import org.apache.mesos.v1.Protos.Environment;
import org.apache.mesos.v1.Protos.Image;
import org.apache.mesos.v1.Protos.Label;
import org.apache.mesos.v1.Protos.Labels;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.OfferID;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;
import org.apache.mesos.v1.Protos.Value;

/**
 * Which due runs go on which offers: first fit, in the order the runs are given (oldest first), packing each offer
 * before the next so whole agents stay free for bigger work. Pure: the caller records the placements durably, then
 * launches them, and declines the offers that got none.
 *
 * <p>Stateless; thread-safe.
 */
public final class LaunchPlanner {
    /** Mesos keeps scalars to three decimals: compare with half a thousandth of slack. */
    private static final double EPSILON = 0.0005;

    private LaunchPlanner() {
    }

    /** A run waiting for resources, with its job's definition. */
    public record Candidate(JobDefinition job, Run run) {}

    /** A run placed on an offer, as the task to launch there. */
    public record Placement(OfferID offerId, String jobId, long runNumber, TaskInfo task, String agentId,
                            String host) {}

    /** The placements, by offer (in offer order), and the offers that got none. */
    public record Plan(Map<OfferID, List<Placement>> launches, List<OfferID> unused) {
        public List<Placement> placements() {
            return launches.values().stream().flatMap(List::stream).toList();
        }
    }

    /**
     * @param taskIds the new task id of a candidate's attempt
     */
    public static Plan plan(List<Offer> offers, List<Candidate> candidates,
                            BiFunction<JobDefinition, Run, String> taskIds) {
        List<List<Resource>> remaining = new ArrayList<>();
        offers.forEach(offer -> remaining.add(new ArrayList<>(offer.getResourcesList())));
        Map<OfferID, List<Placement>> launches = new LinkedHashMap<>();
        for (Candidate candidate : candidates) {
            JobDefinition job = candidate.job();
            for (int i = 0; i < offers.size(); i++) {
                List<Resource> left = remaining.get(i);
                if (!fits(left, job)) {
                    continue;
                }
                Offer offer = offers.get(i);
                List<Resource> taken = new ArrayList<>();
                taken.addAll(take(left, "cpus", job.cpus(), offer));
                taken.addAll(take(left, "mem", job.mem(), offer));
                if (job.disk() > 0) {
                    taken.addAll(take(left, "disk", job.disk(), offer));
                }
                String taskId = taskIds.apply(job, candidate.run());
                TaskInfo task = taskInfo(job, candidate.run(), taskId, offer, taken);
                launches.computeIfAbsent(offer.getId(), id -> new ArrayList<>()).add(new Placement(offer.getId(),
                        job.id(), candidate.run().number(), task, offer.getAgentId().getValue(), offer.getHostname()));
                break;
            }
        }
        List<OfferID> unused = offers.stream().map(Offer::getId).filter(id -> !launches.containsKey(id)).toList();
        return new Plan(launches, unused);
    }

    static boolean fits(List<Resource> resources, JobDefinition job) {
        return scalar(resources, "cpus") + EPSILON >= job.cpus() && scalar(resources, "mem") + EPSILON >= job.mem()
                && (job.disk() <= 0 || scalar(resources, "disk") + EPSILON >= job.disk());
    }

    /** Plain scalar resources only: not revocable, not a persistent volume or a mount disk. */
    private static boolean usable(Resource r, String name) {
        return r.getName().equals(name) && r.getType() == Value.Type.SCALAR && !r.hasRevocable() && !r.hasDisk();
    }

    static double scalar(List<Resource> resources, String name) {
        return resources.stream().filter(r -> usable(r, name)).mapToDouble(r -> r.getScalar().getValue()).sum();
    }

    /**
     * Takes {@code amount} of {@code name} out of {@code left} (which shrinks), keeping each piece's role,
     * reservations and allocation role, so the master sees exactly what it offered.
     */
    private static List<Resource> take(List<Resource> left, String name, double amount, Offer offer) {
        List<Resource> taken = new ArrayList<>();
        double needed = amount;
        for (int i = 0; i < left.size() && needed > EPSILON; i++) {
            Resource r = left.get(i);
            if (!usable(r, name)) {
                continue;
            }
            double have = r.getScalar().getValue();
            double piece = Math.min(needed, have);
            Resource.Builder part = r.toBuilder().setScalar(Value.Scalar.newBuilder().setValue(piece));
            if (offer.hasAllocationInfo() && !r.hasAllocationInfo()) {
                part.setAllocationInfo(offer.getAllocationInfo());
            }
            taken.add(part.build());
            needed -= piece;
            double rest = have - piece;
            if (rest > EPSILON) {
                left.set(i, r.toBuilder().setScalar(Value.Scalar.newBuilder().setValue(rest)).build());
            } else {
                left.remove(i--);
            }
        }
        return taken;
    }

    /** The task of a run's attempt: its command, environment, user, labels and image, on {@code resources}. */
    static TaskInfo taskInfo(JobDefinition job, Run run, String taskId, Offer offer, List<Resource> resources) {
        CommandInfo.Builder command = CommandInfo.newBuilder();
        if (job.command().isShell()) {
            command.setShell(true).setValue(job.command().shell());
        } else {
            command.setShell(false).setValue(job.command().argv().get(0)).addAllArguments(job.command().argv());
        }
        if (!job.env().isEmpty()) {
            Environment.Builder env = Environment.newBuilder();
            job.env().forEach((name, value) -> env.addVariables(Environment.Variable.newBuilder()
                    .setName(name).setType(Environment.Variable.Type.VALUE).setValue(value)));
            command.setEnvironment(env);
        }
        if (job.user() != null) {
            command.setUser(job.user());
        }
        Labels.Builder labels = Labels.newBuilder();
        job.labels().forEach((key, value) -> labels.addLabels(Label.newBuilder().setKey(key).setValue(value)));
        labels.addLabels(Label.newBuilder().setKey("corral.job").setValue(job.id()));
        labels.addLabels(Label.newBuilder().setKey("corral.run").setValue(Long.toString(run.number())));
        labels.addLabels(Label.newBuilder().setKey("corral.attempt").setValue(Integer.toString(run.attempt())));
        TaskInfo.Builder task = TaskInfo.newBuilder()
                .setName("job " + job.id() + " run " + run.number())
                .setTaskId(TaskID.newBuilder().setValue(taskId))
                .setAgentId(offer.getAgentId())
                .addAllResources(resources)
                .setCommand(command)
                .setLabels(labels);
        if (job.image() != null) {
            task.setContainer(ContainerInfo.newBuilder().setType(ContainerInfo.Type.MESOS)
                    .setMesos(ContainerInfo.MesosInfo.newBuilder().setImage(Image.newBuilder()
                            .setType(Image.Type.DOCKER).setDocker(Image.Docker.newBuilder().setName(job.image())))));
        }
        return task.build();
    }
}
