package io.corral.master.state;

import io.corral.protocol.resources.ResourceSet;
import java.util.List;

/**
 * A sum of resource sets kept with the parts it was made from, by the master's object across published views (as
 * {@link KeptRendering} keeps a rendering): a framework's allocated resources are its live tasks' resources summed,
 * 10,000 tasks' worth for a large framework, and from one view to the next they are usually the same tasks (a status
 * changed, not the resources). The parts are compared by identity, in order: a task keeps its resource set object
 * for life, so the comparison costs a pointer per task, and any task added, ended or replaced makes a new sum. A missed
 * change cannot show a stale sum.
 *
 * <p>Not part of the view's value: every {@code KeptSum} equals every other.
 *
 * <p>Threading: any thread. Readers racing with different parts may replace each other's sum; each gets the sum of the
 * parts it asked with.
 */
public final class KeptSum {
    private record Kept(List<ResourceSet> parts, ResourceSet sum) {}

    private volatile Kept kept;

    /** The sum of {@code parts} ({@link ResourceSet#sumAtMost}): the kept one if made from the same objects. */
    public ResourceSet get(List<ResourceSet> parts) {
        Kept known = kept;
        if (known != null && sameObjects(known.parts(), parts)) {
            return known.sum();
        }
        ResourceSet sum = ResourceSet.sumAtMost(parts);
        kept = new Kept(List.copyOf(parts), sum);
        return sum;
    }

    private static boolean sameObjects(List<ResourceSet> kept, List<ResourceSet> asked) {
        if (kept.size() != asked.size()) {
            return false;
        }
        for (int i = 0; i < kept.size(); i++) {
            if (kept.get(i) != asked.get(i)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof KeptSum;
    }

    @Override
    public int hashCode() {
        return 0;
    }

    @Override
    public String toString() {
        return "KeptSum";
    }
}
