package io.corral.protocol.resources;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.mesos.v1.Protos.Value;

/**
 * An immutable set of unsigned 64-bit integers kept as sorted, disjoint, non-adjacent closed intervals: the value
 * behind a Mesos RANGES resource ({@code ports:[31000-32000]}).
 *
 * <p>Bounds are stored shifted by {@code Long.MIN_VALUE} so that plain signed comparison orders them as unsigned,
 * which Mesos's uint64 bounds require.
 *
 * <p>Threading: immutable; safe to share between threads.
 */
final class IntervalSet {
    static final IntervalSet EMPTY = new IntervalSet(new long[0], new long[0]);

    /** Shifted bounds: begins[i] <= ends[i] < begins[i+1] - 1. */
    private final long[] begins;
    private final long[] ends;

    private IntervalSet(long[] begins, long[] ends) {
        this.begins = begins;
        this.ends = ends;
    }

    /** Normalizes any list of ranges (overlapping, adjacent, unsorted); a range with begin > end is an error. */
    static IntervalSet of(List<Value.Range> ranges) {
        long[][] pairs = new long[ranges.size()][];
        for (int i = 0; i < pairs.length; i++) {
            Value.Range range = ranges.get(i);
            if (Long.compareUnsigned(range.getBegin(), range.getEnd()) > 0) {
                throw new IllegalArgumentException("range [" + Long.toUnsignedString(range.getBegin()) + "-"
                        + Long.toUnsignedString(range.getEnd()) + "] has begin > end");
            }
            pairs[i] = new long[] {shift(range.getBegin()), shift(range.getEnd())};
        }
        return normalize(pairs);
    }

    boolean isEmpty() {
        return begins.length == 0;
    }

    IntervalSet union(IntervalSet other) {
        long[][] pairs = new long[begins.length + other.begins.length][];
        for (int i = 0; i < begins.length; i++) {
            pairs[i] = new long[] {begins[i], ends[i]};
        }
        for (int i = 0; i < other.begins.length; i++) {
            pairs[begins.length + i] = new long[] {other.begins[i], other.ends[i]};
        }
        return normalize(pairs);
    }

    /** Every value of this set that is not in {@code other}; intervals are split where {@code other} cuts them. */
    IntervalSet minus(IntervalSet other) {
        Builder result = new Builder();
        int next = 0; // first interval of other that may still overlap
        for (int i = 0; i < begins.length; i++) {
            long from = begins[i];
            long to = ends[i];
            while (next < other.begins.length && other.ends[next] < from) {
                next++;
            }
            boolean covered = false;
            for (int k = next; k < other.begins.length && other.begins[k] <= to; k++) {
                if (other.begins[k] > from) {
                    result.add(from, other.begins[k] - 1);
                }
                if (other.ends[k] >= to) {
                    covered = true;
                    break;
                }
                from = other.ends[k] + 1; // cannot overflow: other.ends[k] < to
            }
            if (!covered) {
                result.add(from, to);
            }
        }
        return result.build();
    }

    boolean containsAll(IntervalSet other) {
        int i = 0;
        for (int k = 0; k < other.begins.length; k++) {
            while (i < begins.length && ends[i] < other.begins[k]) {
                i++;
            }
            // Normalized intervals never touch, so one interval of this set must hold the whole of other's.
            if (i == begins.length || begins[i] > other.begins[k] || ends[i] < other.ends[k]) {
                return false;
            }
        }
        return true;
    }

    Value.Ranges toRanges() {
        Value.Ranges.Builder ranges = Value.Ranges.newBuilder();
        for (int i = 0; i < begins.length; i++) {
            ranges.addRange(Value.Range.newBuilder().setBegin(unshift(begins[i])).setEnd(unshift(ends[i])));
        }
        return ranges.build();
    }

    /** Mesos's text form, {@code [31000-32000, 33000-34000]}. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("[");
        for (int i = 0; i < begins.length; i++) {
            if (i > 0) {
                text.append(", ");
            }
            text.append(Long.toUnsignedString(unshift(begins[i]))).append('-')
                    .append(Long.toUnsignedString(unshift(ends[i])));
        }
        return text.append(']').toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IntervalSet other && Arrays.equals(begins, other.begins) && Arrays.equals(ends, other.ends);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(begins) + Arrays.hashCode(ends);
    }

    private static IntervalSet normalize(long[][] pairs) {
        Arrays.sort(pairs, (a, b) -> Long.compare(a[0], b[0]));
        Builder result = new Builder();
        for (long[] pair : pairs) {
            result.add(pair[0], pair[1]);
        }
        return result.build();
    }

    private static long shift(long unsigned) {
        return unsigned ^ Long.MIN_VALUE;
    }

    private static long unshift(long shifted) {
        return shifted ^ Long.MIN_VALUE;
    }

    /** Collects intervals given in ascending order of begin, merging overlapping and adjacent ones. */
    private static final class Builder {
        private final List<long[]> intervals = new ArrayList<>();

        void add(long begin, long end) {
            long[] last = intervals.isEmpty() ? null : intervals.get(intervals.size() - 1);
            if (last != null && (last[1] == Long.MAX_VALUE || begin <= last[1] + 1)) {
                last[1] = Math.max(last[1], end);
            } else {
                intervals.add(new long[] {begin, end});
            }
        }

        IntervalSet build() {
            if (intervals.isEmpty()) {
                return EMPTY;
            }
            long[] begins = new long[intervals.size()];
            long[] ends = new long[intervals.size()];
            for (int i = 0; i < begins.length; i++) {
                begins[i] = intervals.get(i)[0];
                ends[i] = intervals.get(i)[1];
            }
            return new IntervalSet(begins, ends);
        }
    }
}
