package io.corral.master.http;

import io.corral.master.MasterView;
import io.corral.protocol.http.ResponseBody;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.mesos.v1.Protos.MasterInfo;

/**
 * The last answers to one large read of the whole state ({@code /master/state}, {@code GET_STATE} in JSON), kept with
 * what they were rendered from: a reading of a view whose agents, frameworks and completed frameworks are the very
 * same lists as a kept answer's gets that answer instead of a rendering. The loop gives its lists again while nothing
 * in them changed ({@code PublishedList}, and each agent and framework its last view), and readers ask for a fresh
 * view after any event, most of which (an agent's PONG, an allocation cycle that offers nothing) change nothing a
 * reader sees: 20 dashboards polling a quiet cluster of 100,000 tasks cost one rendering, not one per round. A
 * changed list, even to an equal one, makes a new rendering, so a missed change cannot show a stale answer.
 *
 * <p>Two answers are kept, the last rendered and the one before, so that readers of two cuts (gzip and plain, or a
 * reader whose view ACLs cut the state, whose lists are made for it and never match) do not replace each other's.
 *
 * <p>An answer read {@link #HARDER_AFTER} times is compressed again, harder, on {@code compressor}
 * ({@link ResponseBody#compressedHarder}), and its kept place takes the smaller form: a quiet state is then sent in
 * 14-21% fewer bytes. Rendered with the runs of tasks compressed apart at the fastest level, an answer is quick to
 * make; once it has been read that often it is likely to be read again before the state changes.
 *
 * <p>Threading: any thread; the kept pair is published as one immutable record (compared and set). Readers racing
 * with different views may replace each other's answers; each gets the answer of the view it asked with.
 */
final class KeptAnswer {
    /** Readings of one kept answer after which it is compressed again, harder: five rounds of 20 readers. */
    static final int HARDER_AFTER = 100;
    /**
     * What a rendering of the whole state reads from a view, compared by identity, and {@code extra}, anything else
     * it depends on (the flags shown, whether gzip), compared by equality.
     */
    private record Inputs(MasterInfo info, long startMillis, List<?> agents, List<?> frameworks,
                          List<?> completedFrameworks, Object extra) {
        static Inputs of(MasterView view, Object extra) {
            return new Inputs(view.info(), view.startMillis(), view.agents(), view.frameworks(),
                    view.completedFrameworks(), extra);
        }

        boolean same(Inputs other) {
            return info == other.info && startMillis == other.startMillis && agents == other.agents
                    && frameworks == other.frameworks && completedFrameworks == other.completedFrameworks
                    && Objects.equals(extra, other.extra);
        }
    }

    /** An answer, how often it was given, and the answer kept before it (which keeps none before it). */
    private record Kept(Inputs inputs, ResponseBody body, AtomicInteger readings, Kept before) {
        Kept alone() {
            return new Kept(inputs, body, readings, null);
        }
    }

    private final AtomicReference<Kept> kept = new AtomicReference<>();
    private final Executor compressor;

    /** @param compressor where answers read often are compressed again (the master's reader threads) */
    KeptAnswer(Executor compressor) {
        this.compressor = compressor;
    }

    /**
     * The answer for {@code view} and {@code extra}: a kept one rendered from the same lists, else {@code render}'s,
     * kept.
     */
    ResponseBody get(MasterView view, Object extra, Supplier<ResponseBody> render) {
        Inputs asked = Inputs.of(view, extra);
        Kept known = kept.get();
        for (Kept each = known; each != null; each = each.before()) {
            if (each.inputs().same(asked)) {
                Kept hit = each;
                if (hit.readings().incrementAndGet() == HARDER_AFTER) {
                    compressor.execute(() -> compressHarder(hit));
                }
                return each.body();
            }
        }
        ResponseBody body = render.get();
        kept.set(new Kept(asked, body, new AtomicInteger(1), known == null ? null : known.alone()));
        return body;
    }

    /** Puts {@code answer} compressed harder in its place, if it is still kept. */
    private void compressHarder(Kept answer) {
        ResponseBody harder = answer.body().compressedHarder();
        Kept now;
        Kept replaced;
        do {
            now = kept.get();
            if (now != null && now.inputs() == answer.inputs()) {
                replaced = new Kept(now.inputs(), harder, now.readings(), now.before());
            } else if (now != null && now.before() != null && now.before().inputs() == answer.inputs()) {
                replaced = new Kept(now.inputs(), now.body(), now.readings(),
                        new Kept(answer.inputs(), harder, answer.readings(), null));
            } else {
                return; // a newer state replaced it meanwhile
            }
        } while (!kept.compareAndSet(now, replaced));
    }
}
