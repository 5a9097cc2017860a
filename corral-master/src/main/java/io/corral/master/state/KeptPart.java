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
 * <p>Not part of the view's value: every {@code KeptPart} equals every other.
 *
 * <p>Threading: any thread. Readers racing with different runs may replace each other's part; each gets the part of
 * the pieces it asked with.
 */
public final class KeptPart extends ReaderCache {
    private record Kept(List<?> elements, CompressedPart part) {}

    private volatile Kept kept;

    /**
     * The compressed form of the run {@code elements}, whose pieces {@code pieces} renders (from the elements alone):
     * the kept one if made from the same elements or of the same arrays, else made now and kept.
     */
    public CompressedPart get(List<?> elements, Supplier<List<byte[]>> pieces) {
        Kept known = kept;
        if (known != null && IdentityLists.sameElements(known.elements(), elements)) {
            return known.part();
        }
        List<byte[]> asked = pieces.get();
        CompressedPart part = known != null && known.part().isMadeOf(asked) ? known.part() : CompressedPart.of(asked);
        kept = new Kept(List.copyOf(elements), part);
        return part;
    }
}
