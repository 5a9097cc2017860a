package io.corral.agent.containerizer;

import io.corral.agent.containerizer.cgroups.Cgroups;
import io.corral.agent.containerizer.cgroups.Cgroups.Controller;
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
 * agent's free ones ({@link GpuAllocator}), and keeps it away from every other GPU of the machine through its cgroup v1
 * devices controller; tells the task which GPUs are its own in {@code NVIDIA_VISIBLE_DEVICES} (their indices, comma
 * separated; {@code none} when it has none, as the NVIDIA container runtime spells it).
 *
 * <p>The rules ({@link #rules}): the GPU device nodes not handed to the container are denied ({@code c 195:<minor>
 * rwm} in {@code devices.deny}); its own GPUs and the control devices ({@code /dev/nvidiactl}, {@code nvidia-uvm},
 * {@code nvidia-uvm-tools}, which even {@code nvidia-smi} needs) are allowed. The agent's devices cgroup allows every
 * device by default, so a task keeps every other device (Mesos's {@code cgroups/devices} whitelist is not built); in
 * that mode the kernel lists only {@code a *:* rwm} in {@code devices.list} and the denials show when a task opens a
 * device ("Operation not permitted").
 *
 * <p>Where the kernel has no devices controller (cgroup v2, whose device control is an eBPF program) GPUs are still
 * handed out and named in {@code NVIDIA_VISIBLE_DEVICES}, but a task can open the others: the agent warns at start.
 * A machine without GPUs gets no cgroup at all (nothing to deny).
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
    /** Present when the kernel has a devices controller and the machine GPUs to deny. */
    private final Optional<Cgroups> devices;
    private final Path stateDir;

    /** One rule of a devices cgroup: {@code rule} ("c 195:0 rwm") goes to {@code devices.allow} or {@code .deny}. */
    public record DeviceRule(boolean allow, String rule) {}

    /**
     * @param devices the cgroups whose devices controller isolates GPUs; empty to hand out GPUs without isolating them
     */
    public NvidiaGpuIsolator(GpuResources gpus, Optional<Cgroups> devices, Path stateDir) throws IOException {
        this.machine = gpus.machine();
        this.allocator = new GpuAllocator(gpus.offered());
        this.devices = machine.gpus().isEmpty() ? Optional.empty() : devices;
        this.stateDir = stateDir;
        if (this.devices.isPresent() && !this.devices.get().has(Controller.DEVICES)) {
            throw new IOException(name() + " needs the devices controller, which " + this.devices.get().describe()
                    + " does not offer");
        }
        Files.createDirectories(stateDir);
    }

    /**
     * Makes the isolator for an agent whose cgroups are {@code cgroups} (null when no cgroup isolator asked for them):
     * without a v1 devices controller, only a cgroup v2 machine may go on (warned); anything else refuses to start.
     */
    static NvidiaGpuIsolator create(GpuResources gpus, Cgroups cgroups, boolean unified, Path stateDir)
            throws IOException {
        if (gpus.machine().gpus().isEmpty()) {
            LOG.info("{}: this machine has no NVIDIA GPU: no gpus resource", "gpu/nvidia");
            return new NvidiaGpuIsolator(gpus, Optional.empty(), stateDir);
        }
        if (cgroups != null && cgroups.has(Controller.DEVICES)) {
            return new NvidiaGpuIsolator(gpus, Optional.of(cgroups), stateDir);
        }
        if (!unified) {
            throw new IOException("gpu/nvidia needs the cgroup v1 devices controller to keep tasks off each other's "
                    + "GPUs, and " + (cgroups == null ? "no cgroup" : cgroups.describe()) + " does not offer it");
        }
        LOG.warn("gpu/nvidia: cgroup v2 has no devices controller (Corral does not attach eBPF device programs): "
                + "tasks are told their GPUs in {} but are NOT kept off the others", ENVIRONMENT_VARIABLE);
        return new NvidiaGpuIsolator(gpus, Optional.empty(), stateDir);
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
                for (DeviceRule rule : rules(machine, gpus)) {
                    devices.get().writeDeviceRule(containerId, rule.allow(), rule.rule());
                }
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
            rules.add(new DeviceRule(true, "c " + control.major() + ":" + control.minor() + " rwm"));
        }
        for (NvidiaGpu gpu : machine.gpus()) {
            rules.add(new DeviceRule(gpus.contains(gpu), "c " + NvidiaGpu.MAJOR + ":" + gpu.minor() + " rwm"));
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
