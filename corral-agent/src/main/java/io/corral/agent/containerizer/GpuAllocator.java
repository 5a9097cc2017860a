package io.corral.agent.containerizer;

import io.corral.agent.resources.NvidiaGpu;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Which of the agent's offered GPUs each container holds (Mesos's {@code NvidiaGpuAllocator}): a container asking for
 * N GPUs gets the free ones with the lowest indices, keeps those it has when it asks again, and gives back the
 * highest first when it asks for fewer; all of them return to the free set when it is released.
 *
 * <p>Threading: thread-safe (every method is synchronized): containers are prepared on the agent's loop and cleaned
 * up on whichever thread saw them end.
 */
final class GpuAllocator {
    private final List<NvidiaGpu> offered;
    private final TreeSet<NvidiaGpu> free;
    private final Map<String, List<NvidiaGpu>> held = new HashMap<>();

    GpuAllocator(List<NvidiaGpu> offered) {
        this.offered = List.copyOf(offered);
        this.free = new TreeSet<>(offered);
    }

    /**
     * Makes the container hold {@code count} GPUs and returns them, in index order.
     *
     * @throws IOException when fewer GPUs are free than it needs (nothing changes then)
     */
    synchronized List<NvidiaGpu> resize(String containerId, int count) throws IOException {
        List<NvidiaGpu> mine = new ArrayList<>(held.getOrDefault(containerId, List.of()));
        int more = count - mine.size();
        if (more > free.size()) {
            throw new IOException("the task needs " + count + " GPU(s) but only " + free.size() + " of this agent's "
                    + offered.size() + " are free" + (mine.isEmpty() ? "" : " besides the " + mine.size()
                    + " it holds"));
        }
        for (int i = 0; i < more; i++) {
            mine.add(free.pollFirst());
        }
        while (mine.size() > count) {
            free.add(mine.remove(mine.size() - 1));
        }
        mine.sort(null);
        if (mine.isEmpty()) {
            held.remove(containerId);
        } else {
            held.put(containerId, List.copyOf(mine));
        }
        return List.copyOf(mine);
    }

    /**
     * Gives a recovered container the GPUs its record names again.
     *
     * @throws IOException when one of them is not offered any more or another container holds it
     */
    synchronized void claim(String containerId, List<NvidiaGpu> gpus) throws IOException {
        for (NvidiaGpu gpu : gpus) {
            if (!free.contains(gpu)) {
                throw new IOException("GPU " + gpu.index() + " (minor " + gpu.minor() + ") is "
                        + (offered.contains(gpu) ? "held by another container" : "not offered by this agent any more"));
            }
        }
        gpus.forEach(free::remove);
        if (!gpus.isEmpty()) {
            held.put(containerId, gpus.stream().sorted().toList());
        }
    }

    /** Returns the container's GPUs to the free set; nothing when it holds none. */
    synchronized List<NvidiaGpu> release(String containerId) {
        List<NvidiaGpu> mine = held.remove(containerId);
        if (mine == null) {
            return List.of();
        }
        free.addAll(mine);
        return mine;
    }

    synchronized List<NvidiaGpu> heldBy(String containerId) {
        return held.getOrDefault(containerId, List.of());
    }

    synchronized List<NvidiaGpu> free() {
        return List.copyOf(free);
    }
}
