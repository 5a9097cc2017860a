package io.corral.master.state;

import io.corral.protocol.IdentityLists;
import io.corral.protocol.http.CompressedPart;
import java.util.List;
import java.util.function.Supplier;

/**
 * The compressed form of a run of a large answer's elements ({@link Runs}: tasks, agents), kept with the view of the
 * run's first element by the master's object across published views, as {@link Derived} keeps an element's own
 * JSON: a run whose elements are unchanged from one reading to the next is not compressed again
 * ({@link CompressedPart}). The run is known first by its elements (task or agent views), compared by identity, in
 * order: the same view objects make the same pieces, so a run of them costs a pointer per element and no rendering.
 * Else by its pieces, the elements' kept renderings (and the commas between them), also compared by identity: a view
 * made again equal to the last (an agent's) keeps its rendering's array, while any element of the run added, changed,
 * ended or replaced makes a new part. A missed change cannot show a stale part.
 *
 * <p>Two parts are kept, the last made and the one before: readers whose view ACLs cut a task list differently (one
 * sees all of a framework's tasks, another only some) ask for different runs starting at the same task, and with one
 * part kept each would replace the other's at every reading.
 *
 * <p>Not part of the view's value: every {@code KeptPart} equals every other.
 *
 * <p>Threading: any thread. The two kept parts are published together (one immutable record); readers racing with
 * different runs may replace each other's parts; each gets the part of the pieces it asked with.
 */
public final class KeptPart extends ReaderCache {
    /** A part with the elements it was made from, and the part kept before it (which keeps none before it). */
    private record Kept(List<?> elements, CompressedPart part, Kept before) {
        Kept madeFrom(List<?> asked) {
            for (Kept known = this; known != null; known = known.before()) {
                if (IdentityLists.sameElements(known.elements(), asked)) {
                    return known;
                }
            }
            return null;
        }

        CompressedPart madeOf(List<byte[]> asked) {
            for (Kept known = this; known != null; known = known.before()) {
                if (known.part().isMadeOf(asked)) {
                    return known.part();
                }
            }
            return null;
        }
    }

    private volatile Kept kept;

    /**
     * The compressed form of the run {@code elements}, whose pieces {@code pieces} renders (from the elements alone):
     * a kept one if made from the same elements or of the same arrays, else made now and kept.
     */
    public CompressedPart get(List<?> elements, Supplier<List<byte[]>> pieces) {
        Kept known = kept;
        Kept same = known == null ? null : known.madeFrom(elements);
        if (same != null) {
            return same.part();
        }
        List<byte[]> asked = pieces.get();
        CompressedPart equal = known == null ? null : known.madeOf(asked);
        CompressedPart part = equal != null ? equal : CompressedPart.of(asked);
        Kept previous = known == null ? null : new Kept(known.elements(), known.part(), null);
        kept = new Kept(List.copyOf(elements), part, previous);
        return part;
    }
}
