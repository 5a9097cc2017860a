package io.corral.agent.resources;

import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Test helper: real character device nodes with the NVIDIA driver's numbers ({@code nvidia<N>} as 195:N,
 * {@code nvidiactl} as 195:255) in a directory of the test's own, made with {@code mknod}. No driver answers them, so
 * opening one fails with "No such device or address" when the devices cgroup lets the process open it and with
 * "Operation not permitted" when it does not: what a task would see with a real GPU. Skips the test (an assumption)
 * where nodes cannot be made (not root, a file system mounted nodev is still fine: only opening is refused there).
 */
public final class FakeNvidiaDevices {

    private FakeNvidiaDevices() {}

    /** Makes {@code dir/nvidia<minor>} for each minor and {@code dir/nvidiactl}. */
    public static void create(Path dir, int... minors) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        for (int minor : minors) {
            mknod(dir.resolve("nvidia" + minor), NvidiaGpu.MAJOR, minor);
        }
        mknod(dir.resolve("nvidiactl"), NvidiaGpu.MAJOR, 255);
    }

    public static void mknod(Path node, int major, int minor) throws IOException, InterruptedException {
        Process mknod = new ProcessBuilder("mknod", node.toString(), "c", Integer.toString(major),
                Integer.toString(minor)).redirectErrorStream(true).start();
        String output = new String(mknod.getInputStream().readAllBytes());
        assumeThat(mknod.waitFor()).as("mknod (root only): " + output).isZero();
    }
}
