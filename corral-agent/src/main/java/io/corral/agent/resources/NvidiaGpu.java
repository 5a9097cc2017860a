package io.corral.agent.resources;

/**
 * One NVIDIA GPU of this machine: its {@code index} (nvidia-smi's numbering, which {@code --nvidia-gpu-devices} and
 * {@code NVIDIA_VISIBLE_DEVICES} use) and the minor number of its device node {@code /dev/nvidia<minor>}, whose major
 * is always {@link #MAJOR}.
 *
 * <p>Immutable.
 */
public record NvidiaGpu(int index, int minor) implements Comparable<NvidiaGpu> {
    /** The major number the NVIDIA driver registers for its GPU nodes and {@code /dev/nvidiactl}. */
    public static final int MAJOR = 195;

    public NvidiaGpu {
        if (index < 0 || minor < 0 || minor > 254) { // 255 is nvidiactl
            throw new IllegalArgumentException("not a GPU: index " + index + ", minor " + minor);
        }
    }

    /** Ordered by index, the order GPUs are handed out in. */
    @Override
    public int compareTo(NvidiaGpu other) {
        return Integer.compare(index, other.index);
    }
}
