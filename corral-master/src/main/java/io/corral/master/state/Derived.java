package io.corral.master.state;

import java.util.function.Supplier;

/**
 * Something derived from the immutable view that holds it, computed on first use and kept with the view, as a
 * {@code String} keeps its hash. A task unchanged between two published views keeps the same {@link TaskView}
 * ({@link Task#view}), so what readers derived from it (its {@code /master/state} JSON) is computed once per change
 * of the task, not once per read: with 100,000 tasks most are unchanged from one read to the next.
 *
 * <p>Not part of the view's value: every {@code Derived} equals every other, so a view's equality stays its
 * content's.
 *
 * <p>Threading: any thread. Two readers racing on a fresh view may both compute the value; either result is kept,
 * and they are equal, since both derive from the same immutable view.
 *
 * @param <T> what is derived; must not be null
 */
public final class Derived<T> extends ReaderCache {
    private volatile T value;

    /** The value, computed by {@code compute} the first time. */
    public T get(Supplier<T> compute) {
        T known = value;
        if (known == null) {
            known = compute.get();
            value = known;
        }
        return known;
    }
}
