package io.corral.protocol.resources;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sum of resource sets that come and go one at a time, as a framework's live tasks and executors do (what
 * {@code /master/state} shows as its used resources): each distinct set is counted, and the sum is made from the
 * distinct sets times their counts when it is asked for after a change. A framework's 10,000 tasks are usually of a
 * few shapes, so the sum costs a few additions instead of 10,000, and a task that only changes state costs nothing.
 *
 * <p>Why count rather than subtract: ranges and sets add as sets do, so they cannot be taken back from a sum one set
 * at a time (two tasks on two agents may both hold port 31000; the sum holds it once). Sums as
 * {@link ResourceSet#sumAtMost} does: a scalar beyond 1e12 stays at 1e12.
 *
 * <p>Threading: not thread-safe; one owner (the master's event loop). The sets {@link #sum} returns are immutable and
 * may be published to readers.
 */
public final class ResourceTally {
    /** Each distinct set added and not taken back, with how many times; in the order first added. */
    private final Map<ResourceSet, Long> counts = new LinkedHashMap<>();
    /** The sum of what is counted; null after a change until it is asked for. */
    private ResourceSet sum = ResourceSet.empty();

    /** Counts {@code set} once more. */
    public void add(ResourceSet set) {
        if (!set.isEmpty()) {
            counts.merge(set, 1L, Long::sum);
            sum = null;
        }
    }

    /**
     * Takes back one set equal to {@code set}, added before.
     *
     * @throws IllegalArgumentException if no such set is counted (nothing changes)
     */
    public void remove(ResourceSet set) {
        if (set.isEmpty()) {
            return;
        }
        Long count = counts.get(set);
        if (count == null) {
            throw new IllegalArgumentException("Cannot take back " + set + ": it was not added");
        }
        if (count == 1) {
            counts.remove(set);
        } else {
            counts.put(set, count - 1);
        }
        sum = null;
    }

    /** Everything counted, summed; the same object until the next change. */
    public ResourceSet sum() {
        if (sum == null) {
            List<ResourceSet> parts = new ArrayList<>(counts.size());
            counts.forEach((set, count) -> parts.add(set.timesAtMost(count)));
            sum = ResourceSet.sumAtMost(parts);
        }
        return sum;
    }
}
