package io.corral.agent.containerizer;

import io.corral.agent.containerizer.cgroups.Cgroups;
import io.corral.agent.containerizer.cgroups.Cgroups.Controller;
import io.corral.agent.containerizer.cgroups.DeviceRule;
import io.corral.agent.resources.GpuResources;
import io.corral.agent.resources.NvidiaGpu;
import io.corral.agent.resources.NvidiaGpuDetector;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.ResourceStatistics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mesos's {@code gpu/nvidia}: hands each container the whole GPUs its {@code gpus} resource asks for, from the
 * agent's free ones ({@link GpuAllocator}), and keeps it away from every other GPU of the machine through its cgroup
 * (v1's devices controller, or a v2 eBPF device program); tells the task which GPUs are its own in
 * {@code NVIDIA_VISIBLE_DEVICES} (their indices, comma separated; {@code none} when it has none, as the NVIDIA
 * container runtime spells it).
 *
 * <p>The rules ({@link #rules}): the GPU device nodes not handed to the container are denied ({@code c 195:<minor>
 * rwm} in v1's {@code devices.deny}); its own GPUs and the control devices ({@code /dev/nvidiactl},
 * {@code nvidia-uvm}, {@code nvidia-uvm-tools}, which even {@code nvidia-smi} needs) are allowed. The agent's devices
 * cgroup allows every device by default, so a task keeps every other device (Mesos's {@code cgroups/devices}
 * whitelist is not built); in that mode the kernel lists only {@code a *:* rwm} in {@code devices.list} and the
 * denials show when a task opens a device ("Operation not permitted"). On cgroup v2 the same rules become the
 * container's eBPF device program, which allows what it does not name too.
 *
 * <p>An agent that cannot control devices (no v1 devices controller, no eBPF device programs on v2) refuses to start
 * with GPUs to hand out. A machine without GPUs gets no cgroup at all (nothing to deny).
 *
 * <p>Each container's GPUs are written to {@code stateDir/<container id>} ("index:minor" list) when they are handed
 * out, so a restarted agent gives its recovered containers the same GPUs again (the task resources only say how many).
 *
 * <p>Threading: thread-safe: the allocation is synchronized ({@link GpuAllocator}), and recovery and cleanup hold this
 * isolator's lock so that a container ending during recovery cannot leave its GPUs taken.
 */
public final class NvidiaGpuIsolator implements Isolator {
    private static final Logger LOG = LoggerFactory.getLogger(NvidiaGpuIsolator.class);
    public static final String ENVIRONMENT_VARIABLE = "NVIDIA_VISIBLE_DEVICES";

    private final NvidiaGpuDetector.Machine machine;
    private final GpuAllocator allocator;
    /** Present when the kernel controls devices and the machine has GPUs to deny. */
    private final Optional<Cgroups> devices;
    private final Path stateDir;

    /**
     * @param devices the cgroups whose device control isolates GPUs; empty to hand out GPUs without isolating them
     */
    public NvidiaGpuIsolator(GpuResources gpus, Optional<Cgroups> devices, Path stateDir) throws IOException {
        this.machine = gpus.machine();
        this.allocator = new GpuAllocator(gpus.offered());
        this.devices = machine.gpus().isEmpty() ? Optional.empty() : devices;
        this.stateDir = stateDir;
        if (this.devices.isPresent() && !this.devices.get().has(Controller.DEVICES)) {
            throw new IOException(name() + " needs device control, which " + this.devices.get().describe()
                    + " does not offer");
        }
        Files.createDirectories(stateDir);
    }

    /**
     * Makes the isolator for an agent whose cgroups are {@code cgroups} (null when none could be had): with GPUs to
     * hand out, it refuses to start unless the cgroups control devices, since tasks would reach each other's GPUs.
     */
    static NvidiaGpuIsolator create(GpuResources gpus, Cgroups cgroups, Path stateDir) throws IOException {
        if (gpus.machine().gpus().isEmpty()) {
            LOG.info("{}: this machine has no NVIDIA GPU: no gpus resource", "gpu/nvidia");
            return new NvidiaGpuIsolator(gpus, Optional.empty(), stateDir);
        }
        if (cgroups == null || !cgroups.has(Controller.DEVICES)) {
            throw new IOException("gpu/nvidia needs device control to keep tasks off each other's GPUs (cgroup v1's "
                    + "devices controller, or eBPF device programs on cgroup v2, which need root and a kernel with "
                    + "CONFIG_CGROUP_BPF), and " + (cgroups == null ? "no cgroup" : cgroups.describe())
                    + " offers neither (the agent's log says why); leave gpu/nvidia out of --isolation to run without "
                    + "GPU isolation");
        }
        return new NvidiaGpuIsolator(gpus, Optional.of(cgroups), stateDir);
    }

    @Override
    public String name() {
        return GpuResources.ISOLATOR;
    }

    /** Whether tasks are kept off GPUs that are not theirs (a devices cgroup per container). */
    public boolean isolatesDevices() {
        return devices.isPresent();
    }

    @Override
    public void prepare(ContainerSpec spec) throws IOException {
        String containerId = spec.containerId();
        if (devices.isPresent()) {
            devices.get().create(Controller.DEVICES, containerId);
        }
        assign(containerId, spec.resources());
    }

    @Override
    public void isolate(String containerId, long launcherPid) throws IOException {
        if (devices.isPresent()) {
            devices.get().join(Controller.DEVICES, containerId, launcherPid);
        }
    }

    @Override
    public Optional<List<Path>> joinFiles(String containerId) {
        return Optional.of(devices.map(cgroups -> List.of(cgroups.procsFile(Controller.DEVICES, containerId)))
                .orElse(List.of()));
    }

    /** A container's executor gained or lost tasks: it holds as many GPUs as its resources say now. */
    @Override
    public void update(String containerId, List<Resource> resources) throws IOException {
        assign(containerId, resources);
    }

    private synchronized void assign(String containerId, List<Resource> resources) throws IOException {
        List<NvidiaGpu> before = allocator.heldBy(containerId);
        List<NvidiaGpu> gpus = allocator.resize(containerId, wholeGpus(resources));
        try {
            writeRecord(containerId, gpus);
            if (devices.isPresent()) {
                devices.get().setDeviceRules(containerId, rules(machine, gpus));
            }
        } catch (IOException e) {
            allocator.resize(containerId, before.size());
            throw e;
        }
        if (!gpus.isEmpty()) {
            LOG.info("Container {}: GPUs {}", containerId, indices(gpus));
        }
    }

    /** The {@code gpus} a task asks for, which Mesos wants whole. */
    static int wholeGpus(List<Resource> resources) throws IOException {
        double gpus = CgroupIsolator.scalar(resources, "gpus");
        if (gpus != Math.rint(gpus) || gpus < 0) {
            throw new IOException("the gpus resource must be a whole number, got " + gpus);
        }
        return (int) gpus;
    }

    /**
     * The devices cgroup rules of a container holding {@code gpus}: the control devices and its GPUs allowed, every
     * other GPU of the machine denied.
     */
    public static List<DeviceRule> rules(NvidiaGpuDetector.Machine machine, List<NvidiaGpu> gpus) {
        List<DeviceRule> rules = new ArrayList<>();
        for (NvidiaGpuDetector.DeviceNode control : machine.controlDevices()) {
            rules.add(DeviceRule.character(true, control.major(), control.minor()));
        }
        for (NvidiaGpu gpu : machine.gpus()) {
            rules.add(DeviceRule.character(gpus.contains(gpu), NvidiaGpu.MAJOR, gpu.minor()));
        }
        return rules;
    }

    @Override
    public Map<String, String> environment(String containerId) {
        List<NvidiaGpu> gpus = allocator.heldBy(containerId);
        return Map.of(ENVIRONMENT_VARIABLE, gpus.isEmpty() ? "none" : indices(gpus));
    }

    /** The GPUs the container holds now. */
    public List<NvidiaGpu> gpusOf(String containerId) {
        return allocator.heldBy(containerId);
    }

    /** The offered GPUs no container holds. */
    public List<NvidiaGpu> freeGpus() {
        return allocator.free();
    }

    @Override
    public void usage(String containerId, ResourceStatistics.Builder usage) {
        // Mesos reports no GPU statistics either (NVML usage is a TODO there).
    }

    @Override
    public Optional<Limitation> limitation(String containerId) {
        return Optional.empty();
    }

    @Override
    public synchronized void cleanup(String containerId) {
        if (devices.isPresent()) {
            devices.get().destroy(Controller.DEVICES, containerId);
        }
        List<NvidiaGpu> released = allocator.release(containerId);
        if (!released.isEmpty()) {
            LOG.info("Container {}: GPUs {} free again", containerId, indices(released));
        }
        try {
            Files.deleteIfExists(stateDir.resolve(containerId));
        } catch (IOException e) {
            LOG.warn("Container {}: cannot delete its GPU record: {}", containerId, e.toString());
        }
    }

    @Override
    public synchronized void recover(Set<String> live) {
        try (Stream<Path> records = Files.list(stateDir)) {
            for (Path record : records.toList()) {
                String containerId = record.getFileName().toString();
                if (!live.contains(containerId)) {
                    cleanup(containerId);
                    continue;
                }
                try {
                    allocator.claim(containerId, readRecord(record));
                } catch (IOException | RuntimeException e) {
                    LOG.warn("Container {}: cannot give it its GPUs again ({}): they stay free", containerId,
                            e.getMessage());
                }
            }
        } catch (IOException e) {
            LOG.warn("Could not read the GPU records in {}: {}", stateDir, e.getMessage());
        }
        if (devices.isPresent()) {
            try {
                for (String containerId : devices.get().containers(Controller.DEVICES)) {
                    if (!live.contains(containerId)) {
                        cleanup(containerId);
                    }
                }
            } catch (IOException e) {
                LOG.warn("gpu/nvidia: could not list devices cgroups to clean up: {}", e.getMessage());
            }
        }
    }

    private void writeRecord(String containerId, List<NvidiaGpu> gpus) throws IOException {
        Path record = stateDir.resolve(containerId);
        if (gpus.isEmpty()) {
            Files.deleteIfExists(record);
            return;
        }
        AtomicFiles.writeUnsynced(record, gpus.stream().map(gpu -> gpu.index() + ":" + gpu.minor())
                .collect(Collectors.joining(",")) + "\n");
    }

    private static List<NvidiaGpu> readRecord(Path record) throws IOException {
        String text = Files.readString(record, StandardCharsets.UTF_8).trim();
        List<NvidiaGpu> gpus = new ArrayList<>();
        for (String pair : text.isEmpty() ? new String[0] : text.split(",")) {
            String[] parts = pair.split(":");
            gpus.add(new NvidiaGpu(Integer.parseInt(parts[0]), Integer.parseInt(parts[1])));
        }
        return gpus;
    }

    private static String indices(List<NvidiaGpu> gpus) {
        return gpus.stream().map(gpu -> Integer.toString(gpu.index())).collect(Collectors.joining(","));
    }
}
