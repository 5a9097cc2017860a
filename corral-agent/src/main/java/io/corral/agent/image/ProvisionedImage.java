package io.corral.agent.image;

import java.nio.file.Path;
import java.util.List;

/**
 * A container's root filesystem, built from an image, and what the image's configuration asks of the processes run
 * in it. Immutable.
 *
 * @param image the image's name as the task gave it
 * @param rootfs the directory the container sees as {@code /}
 * @param environment the image's {@code Env} ({@code NAME=value} entries), which the task's own environment overrides
 * @param workingDir the image's {@code WorkingDir}; empty when it sets none (the sandbox then, as in Mesos)
 * @param entrypoint the image's {@code Entrypoint}, empty when none
 * @param cmd the image's {@code Cmd}, empty when none
 */
public record ProvisionedImage(String image, Path rootfs, List<String> environment, String workingDir,
                               List<String> entrypoint, List<String> cmd) {
    public ProvisionedImage {
        environment = List.copyOf(environment);
        entrypoint = List.copyOf(entrypoint);
        cmd = List.copyOf(cmd);
    }
}
