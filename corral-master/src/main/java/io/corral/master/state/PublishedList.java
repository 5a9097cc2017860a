package io.corral.master.state;

import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A list of views the loop publishes again and again (a framework's live tasks, the agents): the list last given while
 * every view in it is still the same object, in the same order, else a new one. Readers ask for a fresh view after
 * nearly every event, so under 20 readers the loop publishes many times a second; 10,000 agents whose views did not
 * change then cost a pass of pointer comparisons instead of a new list (and readers' identity checks, such as
 * {@link KeptPart}'s, find the same objects). Works because each source keeps its view until it changes
 * ({@link Task#view}, {@link Agent#view}).
 *
 * <p>Threading: owned by the master's event loop; the lists it returns are immutable and may be published.
 *
 * @param <S> what the views are of (tasks, agents)
 * @param <V> their views
 */
public final class PublishedList<S, V> {
    private final Function<S, V> view;
    private List<V> last = List.of();

    public PublishedList(Function<S, V> view) {
        this.view = view;
    }

    /** The views of {@code sources}, in their order: the last list if it holds exactly these views. */
    public List<V> of(Collection<S> sources) {
        if (last.size() == sources.size() && sameViews(sources)) {
            return last;
        }
        last = sources.stream().map(view).collect(Collectors.toUnmodifiableList());
        return last;
    }

    private boolean sameViews(Collection<S> sources) {
        Iterator<V> previous = last.iterator();
        for (S source : sources) {
            if (view.apply(source) != previous.next()) {
                return false;
            }
        }
        return true;
    }
}
