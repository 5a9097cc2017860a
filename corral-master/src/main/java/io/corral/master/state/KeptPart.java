package io.corral.master.state;

import io.corral.protocol.http.CompressedPart;
import java.util.List;
import java.util.function.Supplier;

/**
 * The compressed part of a tasks array that starts at a task ({@link TaskRuns}), kept with that task's view, as
 * {@link Derived} keeps the task's own JSON: a run of tasks unchanged from one reading to the next is not compressed
 * again ({@link CompressedPart}). The run's tasks are compared by identity, in order: a task unchanged between two
 * published views keeps its view object, so any task of the run added, changed, ended or replaced makes a new part.
 * A missed change cannot show a stale part.
 *
 * <p>Not part of the view's value: every {@code KeptPart} equals every other.
 *
 * <p>Threading: any thread. Readers racing with different runs may replace each other's part; each gets the part of
 * the run it asked with.
 */
public final class KeptPart {
    private record Kept(List<TaskView> run, CompressedPart part) {}

    private volatile Kept kept;

    /** The part of {@code run}: the kept one if made from the same task views, else {@code make}'s, kept. */
    public CompressedPart get(List<TaskView> run, Supplier<CompressedPart> make) {
        Kept known = kept;
        if (known != null && sameViews(known.run(), run)) {
            return known.part();
        }
        CompressedPart part = make.get();
        kept = new Kept(List.copyOf(run), part);
        return part;
    }

    private static boolean sameViews(List<TaskView> kept, List<TaskView> asked) {
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
        return other instanceof KeptPart;
    }

    @Override
    public int hashCode() {
        return 0;
    }

    @Override
    public String toString() {
        return "KeptPart";
    }
}
