package io.corral.master.http;

import io.corral.master.MasterView;
import io.corral.protocol.http.ResponseBody;
import java.util.List;
import java.util.Objects;
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
 * <p>Threading: any thread; the kept pair is published as one immutable record. Readers racing with different
 * views may replace each other's answers; each gets the answer of the view it asked with.
 */
final class KeptAnswer {
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

    private record Kept(Inputs inputs, ResponseBody body, Kept before) {
    }

    private volatile Kept kept;

    /**
     * The answer for {@code view} and {@code extra}: a kept one rendered from the same lists, else {@code render}'s,
     * kept.
     */
    ResponseBody get(MasterView view, Object extra, Supplier<ResponseBody> render) {
        Inputs asked = Inputs.of(view, extra);
        Kept known = kept;
        for (Kept each = known; each != null; each = each.before()) {
            if (each.inputs().same(asked)) {
                return each.body();
            }
        }
        ResponseBody body = render.get();
        kept = new Kept(asked, body, known == null ? null : new Kept(known.inputs(), known.body(), null));
        return body;
    }
}
