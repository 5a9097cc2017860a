package io.corral.master.state;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * A long list of a large answer's elements (a framework's tasks, the agents) cut into runs of about {@link #MEAN}
 * for readers to keep compressed ({@link KeptPart}). A run ends after an element whose id hashes to one value in
 * {@link #MEAN}, or at {@link #MAX} elements, so the cuts follow the elements, not their positions: an element added
 * or removed changes its own run only, not every run after it.
 *
 * <p>Stateless.
 */
public final class Runs {
    static final int MEAN = 64;
    static final int MAX = 256;

    private Runs() {
    }

    /**
     * The runs of {@code elements}, in order, each a list of its own; {@code idHash} is the hash code of an element's
     * id (a task view keeps its own: {@link TaskView#idHash}).
     */
    public static <T> List<List<T>> of(List<T> elements, ToIntFunction<T> idHash) {
        List<List<T>> runs = new ArrayList<>(elements.size() / MEAN + 1);
        int start = 0;
        for (int i = 0; i < elements.size(); i++) {
            boolean last = i == elements.size() - 1;
            boolean cut = Math.floorMod(idHash.applyAsInt(elements.get(i)), MEAN) == MEAN - 1;
            if (last || cut || i - start + 1 == MAX) {
                runs.add(List.copyOf(elements.subList(start, i + 1)));
                start = i + 1;
            }
        }
        return runs;
    }
}
