package io.corral.agent.containerizer;

import io.corral.agent.containerizer.cgroups.Cgroups;
import io.corral.agent.resources.GpuResources;
import io.corral.agent.resources.NvidiaGpuDetector;
import io.corral.protocol.concurrent.Timers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The agent's isolation flags and the isolators they make: {@code --isolation} takes Mesos's names, comma
 * separated ({@code cgroups/cpu}, {@code cgroups/mem}, {@code cgroups/pids}, {@code disk/du}, {@code gpu/nvidia};
 * none means Mesos's {@code posix}: processes only); {@code --container-pids-limit} is the pids isolator's limit,
 * {@code --container-disk-watch-interval} the disk isolator's period, {@code --switch-user} whether tasks run as
 * their user when the agent is root ({@link TaskUsers}), {@code --nvidia-gpu-devices} which GPUs to offer (by
 * nvidia-smi index; see {@link GpuResources}); {@code filesystem/linux}, {@code namespaces/pid} and
 * {@code docker/runtime} with {@code --image-providers docker} run tasks that have an image in it
 * ({@link #images}, {@code docs/images.md}).
 *
 * <p>Immutable.
 *
 * @param gpuDetector how the machine's GPUs are found ({@link NvidiaGpuDetector#system()}; tests give a device
 *     directory of their own)
 */
public record IsolationOptions(List<String> isolators, long pidsLimit, Duration diskWatchInterval,
                               boolean switchUser, Optional<List<Integer>> nvidiaGpuDevices,
                               NvidiaGpuDetector gpuDetector, io.corral.agent.image.ImageOptions images) {
    public static final String CPU = "cgroups/cpu";
    public static final String MEM = "cgroups/mem";
    public static final String PIDS = "cgroups/pids";
    public static final String DISK = "disk/du";
    public static final String GPU = GpuResources.ISOLATOR;
    /** Container images (Mesos's names): a root filesystem of the task's own, in its own mount namespace. */
    public static final String FILESYSTEM = "filesystem/linux";
    /** Container images: the task in its own pid namespace (so are its uts and ipc ones). */
    public static final String PID_NAMESPACE = "namespaces/pid";
    /** Container images: the image's environment, working directory and command. */
    public static final String DOCKER_RUNTIME = "docker/runtime";
    public static final List<String> KNOWN = List.of(CPU, MEM, PIDS, DISK, GPU, FILESYSTEM, PID_NAMESPACE,
            DOCKER_RUNTIME);
    /** What {@code corral local} turns on when it can ({@link #localDefault}). */
    public static final List<String> LOCAL_DEFAULT = List.of(CPU, MEM, PIDS, DISK);

    public IsolationOptions {
        isolators = List.copyOf(isolators);
        for (String name : isolators) {
            if (!KNOWN.contains(name)) {
                throw new IllegalArgumentException("Unknown isolator '" + name + "': this agent knows "
                        + String.join(", ", KNOWN));
            }
        }
        Objects.requireNonNull(diskWatchInterval, "diskWatchInterval");
        Objects.requireNonNull(gpuDetector, "gpuDetector");
        nvidiaGpuDevices = nvidiaGpuDevices.map(List::copyOf);
        images = images == null ? io.corral.agent.image.ImageOptions.NONE : images;
        if (images.enabled() && !(isolators.contains(FILESYSTEM) && isolators.contains(DOCKER_RUNTIME))) {
            throw new IllegalArgumentException("--image-providers docker needs --isolation with " + FILESYSTEM + " and "
                    + DOCKER_RUNTIME + " (and " + PID_NAMESPACE + "), as in Mesos");
        }
        if (!images.enabled() && (isolators.contains(FILESYSTEM) || isolators.contains(DOCKER_RUNTIME))) {
            throw new IllegalArgumentException("--isolation " + FILESYSTEM + " and " + DOCKER_RUNTIME
                    + " run tasks in container images: add --image-providers docker");
        }
        if (pidsLimit < 1) {
            throw new IllegalArgumentException("the container pids limit must be at least 1, got " + pidsLimit);
        }
    }

    /** All GPUs the machine has (no {@code --nvidia-gpu-devices}), found by {@link NvidiaGpuDetector#system()}. */
    public IsolationOptions(List<String> isolators, long pidsLimit, Duration diskWatchInterval, boolean switchUser) {
        this(isolators, pidsLimit, diskWatchInterval, switchUser, io.corral.agent.image.ImageOptions.NONE);
    }

    /** As above, running tasks that have an image as {@code images} says. */
    public IsolationOptions(List<String> isolators, long pidsLimit, Duration diskWatchInterval, boolean switchUser,
                            io.corral.agent.image.ImageOptions images) {
        this(isolators, pidsLimit, diskWatchInterval, switchUser, Optional.empty(), NvidiaGpuDetector.system(),
                images);
    }

    /** The same options offering only the GPUs of these nvidia-smi indices ({@code --nvidia-gpu-devices}). */
    public IsolationOptions withNvidiaGpuDevices(List<Integer> indices) {
        return new IsolationOptions(isolators, pidsLimit, diskWatchInterval, switchUser, Optional.of(indices),
                gpuDetector, images);
    }

    /** The same options finding GPUs with {@code detector}. */
    public IsolationOptions withGpuDetector(NvidiaGpuDetector detector) {
        return new IsolationOptions(isolators, pidsLimit, diskWatchInterval, switchUser, nvidiaGpuDevices,
                detector, images);
    }

    /**
     * The GPUs this agent offers and isolates, by Mesos's rules ({@link GpuResources#resolve}).
     *
     * @param resourcesFlag {@code --resources}, null when the agent detects its resources
     */
    public GpuResources gpus(String resourcesFlag) throws IOException {
        return GpuResources.resolve(resourcesFlag, isolators, nvidiaGpuDevices, gpuDetector);
    }

    /** The isolators named, with the default limits, switching users (Mesos's default). */
    public static IsolationOptions of(List<String> isolators) {
        return new IsolationOptions(isolators, CgroupPidsIsolator.DEFAULT_LIMIT, DiskUsageIsolator.DEFAULT_INTERVAL,
                true);
    }

    /** No isolation (Mesos's {@code posix}). */
    public static IsolationOptions none() {
        return of(List.of());
    }

    /**
     * Makes the isolators. Any {@code cgroups/*} one brings the freezer ({@link CgroupKillIsolator}) along when the
     * kernel has it, so kills reach every process of a container.
     *
     * @param cgroupRoot the agent's own cgroup directory name (per work dir: agents sharing a machine never touch
     *     each other's containers)
     * @param diskState where {@code disk/du} keeps its containers' limits, for recovery
     * @param diskTimers the clock and thread {@code disk/du} measures sandboxes on (not the agent's loop)
     * @throws IOException when the kernel cannot provide an isolator asked for: the agent refuses to start rather
     *     than run tasks without it
     */
    public Isolators build(Path cgroupMount, String cgroupRoot, Path diskState, Timers diskTimers)
            throws IOException {
        return build(cgroupMount, cgroupRoot, diskState, diskTimers, GpuResources.NONE,
                diskState.resolveSibling("gpu"));
    }

    /**
     * @param gpus the GPUs {@code gpu/nvidia} hands out ({@link #gpus})
     * @param gpuState where {@code gpu/nvidia} records which GPUs each container holds, for recovery
     */
    public Isolators build(Path cgroupMount, String cgroupRoot, Path diskState, Timers diskTimers, GpuResources gpus,
                           Path gpuState) throws IOException {
        List<Isolator> built = new ArrayList<>();
        Cgroups cgroups = null;
        // The cgroups' device control (v1's devices controller, v2's eBPF programs) keeps tasks off each other's GPUs.
        boolean gpuDevices = isolators.contains(GPU) && !gpus.machine().gpus().isEmpty();
        if (isolators.stream().anyMatch(name -> name.startsWith("cgroups/")) || gpuDevices) {
            cgroups = Cgroups.detect(cgroupMount, cgroupRoot, gpuDevices);
            if (cgroups.has(Cgroups.Controller.FREEZER)) {
                built.add(new CgroupKillIsolator(cgroups));
            }
        }
        for (String name : isolators) {
            switch (name) {
                case CPU -> built.add(new CgroupCpuIsolator(cgroups));
                case MEM -> built.add(new CgroupMemoryIsolator(cgroups));
                case PIDS -> built.add(new CgroupPidsIsolator(cgroups, pidsLimit));
                case DISK -> built.add(new DiskUsageIsolator(diskTimers, diskWatchInterval, diskState));
                case GPU -> built.add(NvidiaGpuIsolator.create(gpus, cgroups, gpuState));
                case FILESYSTEM, PID_NAMESPACE, DOCKER_RUNTIME -> { } // the agent adds the image isolator
                default -> throw new IllegalStateException(name); // the constructor checked the names
            }
        }
        return new Isolators(built);
    }

    /**
     * What {@code corral local} asks its agents for: every isolator ({@link #LOCAL_DEFAULT}) when this process is
     * root and the cgroups under {@code cgroupMount} can be written (v1 with cpu, memory and pids, or v2), so a local
     * cluster behaves like a real one; none otherwise (a developer's laptop without root).
     */
    public static List<String> localDefault(Path cgroupMount) {
        if (!TaskUsers.agentIsRoot()) {
            return List.of();
        }
        if (Files.isRegularFile(cgroupMount.resolve("cgroup.controllers"))) {
            return Files.isWritable(cgroupMount.resolve("cgroup.subtree_control")) ? LOCAL_DEFAULT : List.of();
        }
        boolean v1 = List.of("cpu", "memory", "pids").stream()
                .allMatch(controller -> Files.isWritable(cgroupMount.resolve(controller).resolve("cgroup.procs")));
        return v1 ? LOCAL_DEFAULT : List.of();
    }
}
