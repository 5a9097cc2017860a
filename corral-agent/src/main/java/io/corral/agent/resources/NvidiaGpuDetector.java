package io.corral.agent.resources;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds this machine's NVIDIA GPUs, as Mesos's {@code gpu/nvidia} isolator does through NVML, but without linking the
 * library: {@code nvidia-smi --query-gpu=index,minor_number --format=csv,noheader} when the program is there (the
 * driver's own numbering), else the GPU device nodes {@code <devDir>/nvidia<N>} (character devices of major 195;
 * indices are then their rank by minor number, which is nvidia-smi's order on every machine whose minors follow the
 * PCI order, as the driver assigns them). Also finds the control devices every GPU program opens
 * ({@code nvidiactl}, {@code nvidia-uvm}, {@code nvidia-uvm-tools}).
 *
 * <p>Immutable; {@link #detect} runs a process or reads the file system each time.
 */
public final class NvidiaGpuDetector {
    private static final Pattern NODE = Pattern.compile("nvidia([0-9]+)");
    private static final Pattern SMI_LINE = Pattern.compile("\\s*([0-9]+)\\s*,\\s*([0-9]+)\\s*");
    private static final List<String> CONTROL_NODES = List.of("nvidiactl", "nvidia-uvm", "nvidia-uvm-tools");
    private static final int S_IFMT = 0170000;
    private static final int S_IFCHR = 0020000;
    private static final long SMI_TIMEOUT_SECONDS = 30;

    private final Optional<Path> nvidiaSmi;
    private final Path devDir;

    /** @param nvidiaSmi the nvidia-smi program, if the machine has one; {@code devDir} is where device nodes are */
    public NvidiaGpuDetector(Optional<Path> nvidiaSmi, Path devDir) {
        this.nvidiaSmi = nvidiaSmi;
        this.devDir = devDir;
    }

    /** This machine: nvidia-smi from the PATH (or /usr/bin, /bin), the nodes in /dev. */
    public static NvidiaGpuDetector system() {
        return new NvidiaGpuDetector(
                io.corral.agent.containerizer.HostPrograms.find("nvidia-smi"), Path.of("/dev"));
    }

    /** A device node: {@code c major:minor} at {@code path}. */
    public record DeviceNode(Path path, int major, int minor) {}

    /**
     * What the machine has: its GPUs in index order (empty: none) and the control devices that exist.
     *
     * @param gpus every GPU, offered or not (those not offered are denied to every task)
     */
    public record Machine(List<NvidiaGpu> gpus, List<DeviceNode> controlDevices) {
        public static final Machine NONE = new Machine(List.of(), List.of());

        public Machine {
            gpus = gpus.stream().sorted().toList();
            controlDevices = List.copyOf(controlDevices);
        }
    }

    /**
     * @throws IOException when nvidia-smi exists but fails (a driver that is not loaded): the agent must not guess
     */
    public Machine detect() throws IOException {
        List<NvidiaGpu> gpus = nvidiaSmi.isPresent() ? query(nvidiaSmi.get()) : fromDeviceNodes();
        List<DeviceNode> control = new ArrayList<>();
        for (String name : CONTROL_NODES) {
            characterDevice(devDir.resolve(name)).ifPresent(control::add);
        }
        return new Machine(gpus, control);
    }

    private static List<NvidiaGpu> query(Path smi) throws IOException {
        Process process = new ProcessBuilder(smi.toString(), "--query-gpu=index,minor_number",
                "--format=csv,noheader").redirectErrorStream(true).start();
        String output;
        try (InputStream in = process.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(SMI_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(smi + " did not answer within " + SMI_TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException("interrupted while running " + smi, e);
        }
        if (process.exitValue() != 0) {
            throw new IOException(smi + " failed (exit " + process.exitValue() + "): " + output.trim());
        }
        return parse(output, smi);
    }

    /** nvidia-smi's "index, minor_number" lines. */
    static List<NvidiaGpu> parse(String csv, Path source) throws IOException {
        List<NvidiaGpu> gpus = new ArrayList<>();
        for (String line : csv.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            Matcher matcher = SMI_LINE.matcher(line);
            if (!matcher.matches()) {
                throw new IOException(source + " printed an unexpected line (want \"index, minor_number\"): " + line);
            }
            gpus.add(new NvidiaGpu(Integer.parseInt(matcher.group(1)), Integer.parseInt(matcher.group(2))));
        }
        return gpus;
    }

    private List<NvidiaGpu> fromDeviceNodes() throws IOException {
        if (!Files.isDirectory(devDir)) {
            return List.of();
        }
        List<DeviceNode> nodes = new ArrayList<>();
        try (Stream<Path> entries = Files.list(devDir)) {
            for (Path entry : entries.filter(p -> NODE.matcher(p.getFileName().toString()).matches()).toList()) {
                characterDevice(entry).filter(node -> node.major() == NvidiaGpu.MAJOR && node.minor() < 255)
                        .ifPresent(nodes::add);
            }
        }
        nodes.sort(Comparator.comparingInt(DeviceNode::minor));
        List<NvidiaGpu> gpus = new ArrayList<>();
        for (int rank = 0; rank < nodes.size(); rank++) {
            gpus.add(new NvidiaGpu(rank, nodes.get(rank).minor()));
        }
        return gpus;
    }

    /** The node's numbers when {@code path} is a character device (not following links); empty otherwise. */
    static Optional<DeviceNode> characterDevice(Path path) throws IOException {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        int mode = (Integer) Files.getAttribute(path, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
        if ((mode & S_IFMT) != S_IFCHR) {
            return Optional.empty();
        }
        long rdev = (Long) Files.getAttribute(path, "unix:rdev", java.nio.file.LinkOption.NOFOLLOW_LINKS);
        return Optional.of(new DeviceNode(path, major(rdev), minor(rdev)));
    }

    /** glibc's {@code gnu_dev_major}. */
    static int major(long dev) {
        return (int) (((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL));
    }

    /** glibc's {@code gnu_dev_minor}. */
    static int minor(long dev) {
        return (int) ((dev & 0xff) | ((dev >>> 12) & ~0xffL));
    }
}
