package io.corral.agent.image;

import io.corral.agent.containerizer.ContainerRoot;
import io.corral.agent.containerizer.RootPaths;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.ContainerInfo;
import org.apache.mesos.v1.Protos.Image;
import org.apache.mesos.v1.Protos.Volume;

/**
 * Reads a task's {@code ContainerInfo} with Mesos's semantics for the Mesos containerizer: type {@code MESOS} with an
 * {@code Image} of type {@code DOCKER} ({@code docker.name}); volumes with a {@code host_path}, or a
 * {@code SANDBOX_PATH} source of type {@code SELF} (a path in the task's own sandbox), each {@code RW} or {@code RO}.
 * What this agent cannot do (the Docker containerizer, APPC images, other volume sources) is refused with a message
 * the task's TASK_FAILED carries.
 *
 * <p>Stateless.
 */
public final class TaskImages {
    private TaskImages() {}

    /** The Docker image the container asks for; empty when it has none (a plain process, as without it). */
    public static Optional<String> imageOf(ContainerInfo container) {
        if (container.getType() == ContainerInfo.Type.DOCKER) {
            throw new IllegalArgumentException("ContainerInfo type DOCKER needs Docker's containerizer, which this"
                    + " agent does not have: use type MESOS with an image of type DOCKER");
        }
        if (!container.hasMesos() || !container.getMesos().hasImage()) {
            return Optional.empty();
        }
        Image image = container.getMesos().getImage();
        if (image.getType() != Image.Type.DOCKER || !image.hasDocker()) {
            throw new IllegalArgumentException("only images of type DOCKER are supported, not " + image.getType());
        }
        ImageReference.parse(image.getDocker().getName()); // a clear message for a bad name, before any pull
        for (Volume volume : container.getVolumesList()) {
            checkVolume(volume); // and for a volume this agent cannot mount
        }
        return Optional.of(image.getDocker().getName());
    }

    /** The container's root: the image's filesystem and configuration, and the volumes {@code container} asks for. */
    public static ContainerRoot root(ProvisionedImage image, ContainerInfo container, Path sandbox) {
        List<ContainerRoot.Volume> volumes = new ArrayList<>();
        for (Volume volume : container.getVolumesList()) {
            volumes.add(new ContainerRoot.Volume(hostPath(volume, sandbox), volume.getContainerPath(),
                    volume.getMode() == Volume.Mode.RO));
        }
        return new ContainerRoot(image.rootfs(), image.environment(), image.workingDir(), volumes);
    }

    /** The task's command; one with no value runs the image's entrypoint and command, as in Mesos. */
    public static CommandInfo command(CommandInfo command, ProvisionedImage image) {
        if (command.hasValue() && !command.getValue().isBlank()) {
            return command;
        }
        List<String> argv = new ArrayList<>(image.entrypoint());
        argv.addAll(command.getArgumentsCount() > 0 ? command.getArgumentsList() : image.cmd());
        if (argv.isEmpty()) {
            return command; // the containerizer says the command is empty
        }
        return command.toBuilder().setShell(false).setValue(argv.get(0)).clearArguments().addAllArguments(argv)
                .build();
    }

    /** Refuses a volume this agent cannot mount, saying why. */
    private static void checkVolume(Volume volume) {
        hostPath(volume, null);
    }

    /** The volume's host path; with a null {@code sandbox}, only checks it (nothing is created). */
    private static Path hostPath(Volume volume, Path sandbox) {
        if (volume.getContainerPath().isBlank() || volume.getContainerPath().contains("..")) {
            throw new IllegalArgumentException("volume container_path '" + volume.getContainerPath()
                    + "' must be set and contain no '..'");
        }
        if (volume.hasHostPath()) {
            Path host = Path.of(volume.getHostPath());
            if (!host.isAbsolute() || volume.getHostPath().contains("..")) {
                throw new IllegalArgumentException("volume host_path '" + volume.getHostPath()
                        + "' must be absolute and contain no '..'");
            }
            if (!java.nio.file.Files.exists(host)) {
                throw new IllegalArgumentException("volume host_path '" + volume.getHostPath()
                        + "' does not exist on this agent");
            }
            return host;
        }
        if (volume.hasSource() && volume.getSource().getType() == Volume.Source.Type.SANDBOX_PATH
                && volume.getSource().getSandboxPath().getType() == Volume.Source.SandboxPath.Type.SELF) {
            String path = volume.getSource().getSandboxPath().getPath();
            if (path.startsWith("/") || path.contains("..")) {
                throw new IllegalArgumentException("sandbox volume path '" + path + "' must stay in the sandbox");
            }
            if (sandbox == null) {
                return null;
            }
            try { // links the fetcher unpacked into the sandbox are followed inside it only
                return RootPaths.resolve(sandbox.toRealPath(), path, true);
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("cannot create sandbox volume path '" + path + "': "
                        + e.getMessage());
            }
        }
        throw new IllegalArgumentException("volume at '" + volume.getContainerPath() + "': only host_path and"
                + " SANDBOX_PATH (SELF) volumes are supported");
    }
}
