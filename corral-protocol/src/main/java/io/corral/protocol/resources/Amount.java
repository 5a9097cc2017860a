package io.corral.protocol.resources;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.Value;

/**
 * How much of one kind of resource: a scalar, a set of ranges or a set of items. Arithmetic is only ever applied
 * between amounts of the same kind, because {@link ResourceSet} keys them by resource type.
 *
 * <p>Threading: all implementations are immutable.
 */
sealed interface Amount {
    Amount plus(Amount other);

    /** {@link #plus}, except that a scalar beyond the largest stays at the largest instead of failing. */
    default Amount plusAtMost(Amount other) {
        return plus(other);
    }

    /**
     * This amount added to itself {@code times} times ({@code times >= 1}) as {@link #plusAtMost} adds: a scalar
     * multiplied, at most the largest; ranges and items as they are, since a set added to itself is itself.
     */
    default Amount timesAtMost(long times) {
        return this;
    }

    /** Callers check {@link #contains} first; the result is never negative. */
    Amount minus(Amount other);

    boolean contains(Amount other);

    boolean isEmpty();

    /** Sets this amount's value field (scalar, ranges or set) on {@code resource}. */
    void writeTo(Resource.Builder resource);

    /** Reads the value of a resource whose type has been validated as SCALAR, RANGES or SET. */
    static Amount of(Resource resource) {
        switch (resource.getType()) {
            case SCALAR:
                return Scalar.of(resource.getScalar().getValue());
            case RANGES:
                return new Ranges(IntervalSet.of(resource.getRanges().getRangeList()));
            case SET:
                return new Items(Collections.unmodifiableSortedSet(new TreeSet<>(resource.getSet().getItemList())));
            default:
                throw new IllegalArgumentException("resource type " + resource.getType() + " has no amount");
        }
    }

    /**
     * A scalar in thousandths, as Mesos keeps them (it rounds every scalar to 0.001), so sums and differences are
     * exact: 0.1 + 0.2 - 0.3 is 0.
     */
    record Scalar(long millis) implements Amount {
        /**
         * Largest scalar, alone or summed: below it, thousandths survive the trip through a double (protobuf's
         * type for scalars) exactly. Far above any real machine's cpus or MB.
         */
        static final double MAX_VALUE = 1e12;
        private static final long MAX_MILLIS = 1_000_000_000_000_000L;

        static Scalar of(double value) {
            if (!(value >= 0 && value <= MAX_VALUE)) {
                throw new IllegalArgumentException("scalar value " + value + " must be a number from 0 to 1e12");
            }
            return new Scalar(Math.round(value * 1000));
        }

        double value() {
            return millis / 1000.0;
        }

        @Override
        public Amount plus(Amount other) {
            long sum = millis + ((Scalar) other).millis;
            if (sum > MAX_MILLIS) {
                throw new IllegalArgumentException("scalar total " + this + " + " + other + " exceeds 1e12");
            }
            return new Scalar(sum);
        }

        @Override
        public Amount plusAtMost(Amount other) {
            return new Scalar(Math.min(MAX_MILLIS, millis + ((Scalar) other).millis)); // each at most MAX_MILLIS
        }

        @Override
        public Amount timesAtMost(long times) {
            return new Scalar(millis > MAX_MILLIS / times ? MAX_MILLIS : millis * times);
        }

        @Override
        public Amount minus(Amount other) {
            return new Scalar(millis - ((Scalar) other).millis);
        }

        @Override
        public boolean contains(Amount other) {
            return millis >= ((Scalar) other).millis;
        }

        @Override
        public boolean isEmpty() {
            return millis == 0;
        }

        @Override
        public void writeTo(Resource.Builder resource) {
            resource.setScalar(Value.Scalar.newBuilder().setValue(value()));
        }

        /** Shortest decimal form: 4, 0.5, 1024.125. */
        @Override
        public String toString() {
            return BigDecimal.valueOf(millis, 3).stripTrailingZeros().toPlainString();
        }
    }

    record Ranges(IntervalSet intervals) implements Amount {
        @Override
        public Amount plus(Amount other) {
            return new Ranges(intervals.union(((Ranges) other).intervals));
        }

        @Override
        public Amount minus(Amount other) {
            return new Ranges(intervals.minus(((Ranges) other).intervals));
        }

        @Override
        public boolean contains(Amount other) {
            return intervals.containsAll(((Ranges) other).intervals);
        }

        @Override
        public boolean isEmpty() {
            return intervals.isEmpty();
        }

        @Override
        public void writeTo(Resource.Builder resource) {
            resource.setRanges(intervals.toRanges());
        }

        @Override
        public String toString() {
            return intervals.toString();
        }
    }

    record Items(SortedSet<String> items) implements Amount {
        @Override
        public Amount plus(Amount other) {
            TreeSet<String> union = new TreeSet<>(items);
            union.addAll(((Items) other).items);
            return new Items(Collections.unmodifiableSortedSet(union));
        }

        @Override
        public Amount minus(Amount other) {
            TreeSet<String> difference = new TreeSet<>(items);
            difference.removeAll(((Items) other).items);
            return new Items(Collections.unmodifiableSortedSet(difference));
        }

        @Override
        public boolean contains(Amount other) {
            return items.containsAll(((Items) other).items);
        }

        @Override
        public boolean isEmpty() {
            return items.isEmpty();
        }

        @Override
        public void writeTo(Resource.Builder resource) {
            resource.setSet(Value.Set.newBuilder().addAllItem(items));
        }

        /** Mesos's text form, {@code {a, b}}. */
        @Override
        public String toString() {
            return "{" + String.join(", ", items) + "}";
        }
    }
}
