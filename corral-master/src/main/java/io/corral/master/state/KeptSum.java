package io.corral.master.state;

import io.corral.protocol.IdentityLists;
import io.corral.protocol.resources.ResourceSet;
import java.util.List;
import java.util.function.Supplier;

/**
 * A sum of resource sets kept with the objects it was made from, by the master's object across published views (as
 * {@link KeptRendering} keeps a rendering): a framework's allocated resources are its live tasks' resources summed,
 * 10,000 tasks' worth for a large framework, and from one view to the next they are usually the same tasks. The
 * sum is keyed by the objects its parts come from (a framework's task views and executors), compared by identity, in
 * order: a task unchanged between two views keeps its view object, so the comparison costs a pointer per task, and
 * any task added, changed, ended or replaced makes a new sum. A missed change cannot show a stale sum. Asked again
 * with the very same lists (a rendering asks each view more than once), it answers without a comparison.
 *
 * <p>Not part of the view's value: every {@code KeptSum} equals every other.
 *
 * <p>Threading: any thread. Readers racing with different objects may replace each other's sum; each gets the sum
 * of the objects it asked with. The lists given must not change (a view's are immutable).
 */
public final class KeptSum extends ReaderCache {
    private record Kept(List<?> objects, List<?> moreObjects, ResourceSet sum) {}

    private volatile Kept kept;

    /**
     * The sum of {@code parts} ({@link ResourceSet#sumAtMost}), which derive from {@code objects} and {@code
     * moreObjects} only: the kept sum if it was made from the same objects, else {@code parts} summed now.
     */
    public ResourceSet get(List<?> objects, List<?> moreObjects, Supplier<List<ResourceSet>> parts) {
        Kept known = kept;
        if (known != null && IdentityLists.sameElements(known.objects(), objects)
                && IdentityLists.sameElements(known.moreObjects(), moreObjects)) {
            return known.sum();
        }
        ResourceSet sum = ResourceSet.sumAtMost(parts.get());
        kept = new Kept(objects, moreObjects, sum);
        return sum;
    }
}
