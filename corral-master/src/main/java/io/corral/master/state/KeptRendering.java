package io.corral.master.state;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * A reader's rendering kept with the inputs it was made from, and made again when asked with other inputs. Kept by
 * the master's object across published views (as {@link Derived} is), it is reused as long as what it shows is the
 * same: an agent's operator-API object, say, while its used and offered resources and its modes stay as they were.
 * Comparing the inputs costs far less than rendering, and a missed reset cannot show stale data.
 *
 * <p>Not part of the view's value: every {@code KeptRendering} equals every other.
 *
 * <p>Threading: any thread. Readers racing with different inputs may replace each other's rendering; each gets the
 * rendering of the inputs it asked with.
 *
 * @param <K> the inputs; compared with {@code equals}
 */
public final class KeptRendering<K> extends ReaderCache {
    private record Kept<K>(K inputs, byte[] rendering) {}

    private volatile Kept<K> kept;

    /** The rendering of {@code inputs}: the kept one if it was made from equal inputs, else {@code render}'s. */
    public byte[] get(K inputs, Supplier<byte[]> render) {
        Kept<K> known = kept;
        if (known != null && known.inputs().equals(inputs)) {
            return known.rendering();
        }
        byte[] rendering = Objects.requireNonNull(render.get(), "rendering");
        kept = new Kept<>(inputs, rendering);
        return rendering;
    }
}
