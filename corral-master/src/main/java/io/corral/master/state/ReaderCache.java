package io.corral.master.state;

/**
 * What readers keep with an immutable view to spare work on the next reading ({@link Derived}, {@link KeptRendering},
 * {@link KeptPart}): not part of the view's value, so every cache equals every other of its kind and
 * a view's equality (a record's) stays its content's.
 *
 * <p>Threading: stateless here; each subclass says its own.
 */
abstract class ReaderCache {
    @Override
    public final boolean equals(Object other) {
        return other != null && other.getClass() == getClass();
    }

    @Override
    public final int hashCode() {
        return 0;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName();
    }
}
