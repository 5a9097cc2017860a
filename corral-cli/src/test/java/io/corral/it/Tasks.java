package io.corral.it;

import io.corral.protocol.resources.ResourceSet;
import org.apache.mesos.v1.Protos;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;

/** Builders for the protos the tests send. */
final class Tasks {
    private Tasks() {}

    static FrameworkInfo framework(String name, double failoverTimeoutSeconds) {
        return FrameworkInfo.newBuilder()
                .setUser(System.getProperty("user.name"))
                .setName(name)
                .setFailoverTimeout(failoverTimeoutSeconds)
                .setCheckpoint(true)
                .build();
    }

    /** A shell task using {@code cpus} and {@code mem} of the offer, with the offer's allocation role. */
    static TaskInfo shell(String taskId, String command, Offer offer, double cpus, double mem) {
        String role = offer.getAllocationInfo().getRole();
        return TaskInfo.newBuilder()
                .setName(taskId)
                .setTaskId(TaskID.newBuilder().setValue(taskId))
                .setAgentId(offer.getAgentId())
                .setCommand(CommandInfo.newBuilder().setShell(true).setValue(command))
                .addAllResources(ResourceSet.parse("cpus:" + cpus + ";mem:" + mem).withAllocationRole(role).toList())
                .build();
    }

    static Protos.OfferID id(Offer offer) {
        return offer.getId();
    }
}
