package io.corral.agent.resources;

import io.corral.protocol.resources.ResourceSet;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The {@code gpus} an agent offers and which GPUs they are, by Mesos's rules ({@code enumerateGpuResources}):
 *
 * <ul>
 *   <li>without the {@code gpu/nvidia} isolator nothing is detected: a {@code gpus} resource in {@code --resources}
 *       is offered as it is (and not isolated), and {@code --nvidia-gpu-devices} is refused;
 *   <li>with it, and neither {@code gpus} in {@code --resources} nor {@code --nvidia-gpu-devices}: every GPU the
 *       machine has ({@link NvidiaGpuDetector}); a machine without any offers no {@code gpus} resource at all (not
 *       {@code gpus:0});
 *   <li>{@code gpus:0} in {@code --resources}: no GPUs (and {@code --nvidia-gpu-devices} is refused);
 *   <li>{@code gpus:N} needs {@code --nvidia-gpu-devices} listing N distinct indices of GPUs this machine has, and
 *       the list needs {@code gpus:N}; N must be whole.
 * </ul>
 *
 * <p>Immutable.
 *
 * @param isolated whether {@code gpu/nvidia} is on (so the GPUs below are handed out and isolated)
 * @param offered the GPUs the agent offers, by index
 * @param machine every GPU and control device of the machine (empty when not isolated)
 */
public record GpuResources(boolean isolated, List<NvidiaGpu> offered, NvidiaGpuDetector.Machine machine) {
    /** Mesos's isolator name. */
    public static final String ISOLATOR = "gpu/nvidia";
    public static final GpuResources NONE = new GpuResources(false, List.of(), NvidiaGpuDetector.Machine.NONE);

    public GpuResources {
        offered = offered.stream().sorted().toList();
    }

    /**
     * @param resourcesFlag {@code --resources} as given; null when the agent detects its resources
     * @param isolation the {@code --isolation} names
     * @param devicesFlag {@code --nvidia-gpu-devices}, if given
     * @throws IllegalArgumentException for flags that contradict each other or the machine
     * @throws IOException when the GPUs cannot be detected ({@link NvidiaGpuDetector#detect})
     */
    public static GpuResources resolve(String resourcesFlag, List<String> isolation,
                                       Optional<List<Integer>> devicesFlag, NvidiaGpuDetector detector)
            throws IOException {
        boolean isolated = isolation.contains(ISOLATOR);
        if (devicesFlag.isPresent() && !isolated) {
            throw new IllegalArgumentException("--nvidia-gpu-devices can only be given when --isolation contains "
                    + ISOLATOR);
        }
        if (!isolated) {
            return NONE;
        }
        NvidiaGpuDetector.Machine machine = detector.detect();
        Optional<Double> named = gpusIn(resourcesFlag);
        if (named.isPresent() && named.get() == 0) {
            if (devicesFlag.isPresent()) {
                throw new IllegalArgumentException("--nvidia-gpu-devices cannot be given when --resources offers 0 "
                        + "gpus");
            }
            return new GpuResources(true, List.of(), machine);
        }
        if (devicesFlag.isPresent() && named.isEmpty()) {
            throw new IllegalArgumentException("--nvidia-gpu-devices needs gpus:" + devicesFlag.get().size()
                    + " in --resources as well");
        }
        if (named.isPresent() && devicesFlag.isEmpty()) {
            throw new IllegalArgumentException("gpus in --resources needs --nvidia-gpu-devices as well (which GPUs "
                    + "to offer, by nvidia-smi index)");
        }
        if (named.isEmpty()) {
            return new GpuResources(true, machine.gpus(), machine);
        }
        return new GpuResources(true, chosen(named.get(), devicesFlag.get(), machine), machine);
    }

    private static List<NvidiaGpu> chosen(double count, List<Integer> indices, NvidiaGpuDetector.Machine machine) {
        if (count != Math.rint(count) || count < 0) {
            throw new IllegalArgumentException("the gpus resource must be a whole number, got " + count);
        }
        Set<Integer> unique = new HashSet<>(indices);
        if (unique.size() != indices.size()) {
            throw new IllegalArgumentException("--nvidia-gpu-devices lists a GPU twice: " + indices);
        }
        if (indices.size() != (int) count) {
            throw new IllegalArgumentException("--resources offers gpus:" + (long) count
                    + " but --nvidia-gpu-devices lists " + indices.size() + " GPU(s)");
        }
        Map<Integer, NvidiaGpu> byIndex = machine.gpus().stream()
                .collect(Collectors.toMap(NvidiaGpu::index, Function.identity()));
        List<NvidiaGpu> chosen = new ArrayList<>();
        for (int index : indices) {
            NvidiaGpu gpu = byIndex.get(index);
            if (gpu == null) {
                throw new IllegalArgumentException("--nvidia-gpu-devices names GPU " + index + ", which this machine "
                        + "does not have (it has " + machine.gpus().size() + ": "
                        + machine.gpus().stream().map(g -> Integer.toString(g.index())).toList() + ")");
            }
            chosen.add(gpu);
        }
        return chosen;
    }

    /** The amount of the {@code gpus} resource {@code --resources} names, if it names one. */
    static Optional<Double> gpusIn(String resourcesFlag) {
        if (resourcesFlag == null) {
            return Optional.empty();
        }
        boolean named = false;
        for (String part : resourcesFlag.split(";")) {
            String name = part.trim().split("[:(]", 2)[0].trim();
            named |= name.equals("gpus");
        }
        return named ? Optional.of(ResourceSet.parse(resourcesFlag).scalar("gpus")) : Optional.empty();
    }

    /**
     * The agent's resources with these GPUs: {@code base} as it is when {@code --resources} named gpus (already
     * checked against the GPUs) or the isolator is off; else with {@code gpus:N} added when N is above 0.
     */
    public ResourceSet applyTo(ResourceSet base, String resourcesFlag) {
        if (!isolated || offered.isEmpty() || gpusIn(resourcesFlag).isPresent()) {
            return base;
        }
        return base.plus(ResourceSet.parse("gpus:" + offered.size()));
    }
}
