package io.corral.master.state;

import io.corral.protocol.http.CompressedPart;
import java.util.List;

/**
 * The compressed form of a run of a large answer's elements ({@link Runs}: tasks, agents), kept with the view of the
 * run's first element by the master's object across published views, as {@link Derived} keeps an element's own
 * JSON: a run whose elements are unchanged from one reading to the next is not compressed again
 * ({@link CompressedPart}). The run is known by its pieces, the elements' kept renderings (and the commas between
 * them), compared by identity, in order: an unchanged element keeps its rendering's array, so any element of the run
 * added, changed, ended or replaced makes a new part. A missed change cannot show a stale part.
 *
 * <p>Not part of the view's value: every {@code KeptPart} equals every other.
 *
 * <p>Threading: any thread. Readers racing with different runs may replace each other's part; each gets the part of
 * the pieces it asked with.
 */
public final class KeptPart extends ReaderCache {
    private volatile CompressedPart kept;

    /** The compressed form of {@code pieces}: the kept one if made of the same arrays, else made now and kept. */
    public CompressedPart get(List<byte[]> pieces) {
        CompressedPart known = kept;
        if (known != null && known.isMadeOf(pieces)) {
            return known;
        }
        CompressedPart made = CompressedPart.of(pieces);
        kept = made;
        return made;
    }
}
