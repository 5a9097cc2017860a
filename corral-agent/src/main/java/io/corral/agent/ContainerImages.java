package io.corral.agent;

import io.corral.agent.containerizer.ContainerSpec;
import io.corral.agent.image.ImageException;
import io.corral.agent.image.ImageStore;
import io.corral.agent.image.ProvisionedImage;
import io.corral.agent.image.TaskImages;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.apache.mesos.v1.Protos.TaskInfo;

/**
 * The agent's side of container images: whether a task asks for one this agent can provide, pulling it (off the
 * loop) into the container's root filesystem, and the containerizer's spec for a task that runs in it.
 *
 * <p>Stateless.
 */
final class ContainerImages {
    private ContainerImages() {}

    /** Why an image could not be provisioned; the task's TASK_FAILED says it. */
    static final class ProvisioningException extends RuntimeException {
        ProvisioningException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The image {@code task} runs in; empty for a plain process.
     *
     * @throws IllegalArgumentException when the task's container is one this agent cannot run (its message says
     *     why), or it has an image and images are off ({@code store} null)
     */
    static Optional<String> imageOf(TaskInfo task, ImageStore store) {
        if (!task.hasContainer()) {
            return Optional.empty();
        }
        Optional<String> image = TaskImages.imageOf(task.getContainer());
        if (image.isPresent() && store == null) {
            throw new IllegalArgumentException("this agent does not run container images (image '" + image.get()
                    + "'): start it with --isolation filesystem/linux,docker/runtime --image-providers docker");
        }
        return image; // volumes without an image are ignored, as before images (only a root of its own has mounts)
    }

    /** Pulls {@code image} and builds the container's root; blocks; failures as {@link ProvisioningException}. */
    static ProvisionedImage provision(ImageStore store, String containerId, String image) {
        try {
            return store.provision(containerId, image);
        } catch (ImageException e) {
            throw new CompletionException(new ProvisioningException("Failed to provision image '" + image + "': "
                    + e.getMessage(), e));
        }
    }

    /** {@code spec} run in the image's root, with the image's command when the task's has no value. */
    static ContainerSpec rooted(ContainerSpec spec, TaskInfo task, ProvisionedImage image) {
        return new ContainerSpec(spec.containerId(), spec.taskId(), spec.frameworkId(), spec.executorId(),
                TaskImages.command(spec.command(), image), spec.sandbox(), spec.runDir(), spec.extraEnvironment(),
                spec.resources(), spec.frameworkUser(),
                TaskImages.root(image, task.getContainer(), spec.sandbox().toAbsolutePath()));
    }
}
