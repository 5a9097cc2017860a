package io.corral.frameworks.jobs;

import io.corral.scheduler.OfferResources;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

/**
 * Which due runs go on which offers: first fit, in the order the runs are given (oldest first), packing each offer
 * before the next so whole agents stay free for bigger work. Pure: the caller records the placements durably, then
 * launches them, and declines the offers that got none.
 *
 * <p>Stateless; thread-safe.
 */
public final class LaunchPlanner {
    /** Mesos keeps scalars to three decimals: compare with half a thousandth of slack. */
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
        List<OfferResources> remaining = offers.stream().map(OfferResources::new).toList();
        Map<OfferID, List<Placement>> launches = new LinkedHashMap<>();
        for (Candidate candidate : candidates) {
            JobDefinition job = candidate.job();
            OfferResources.Need need = new OfferResources.Need(job.cpus(), job.mem(), Math.max(0, job.disk()), 0, 0);
            for (int i = 0; i < offers.size(); i++) {
                Optional<OfferResources.Taken> taken = remaining.get(i).take(need);
                if (taken.isEmpty()) {
                    continue;
                }
                Offer offer = offers.get(i);
                String taskId = taskIds.apply(job, candidate.run());
                TaskInfo task = taskInfo(job, candidate.run(), taskId, offer, taken.get().resources());
                launches.computeIfAbsent(offer.getId(), id -> new ArrayList<>()).add(new Placement(offer.getId(),
                        job.id(), candidate.run().number(), task, offer.getAgentId().getValue(), offer.getHostname()));
                break;
            }
        }
        List<OfferID> unused = offers.stream().map(Offer::getId).filter(id -> !launches.containsKey(id)).toList();
        return new Plan(launches, unused);
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
