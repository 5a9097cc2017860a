package io.corral.protocol.http;

import io.corral.protocol.security.RateLimits;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Holds each principal to its rate of {@link RateLimits}: a token bucket per principal (one shared by all principals
 * not listed, and by requests without a principal) that gains a token every {@code 1/qps} seconds and holds at most
 * one, with a queue of at most {@code capacity} requests waiting for theirs.
 *
 * <p>That is Mesos's behaviour: a throttled master "promises not to process messages from that framework at a rate
 * above qps", queues the rest in memory and fails a message once {@code capacity} are outstanding. Corral
 * answers such a request 429 with {@code Retry-After} at once; one that fits in the queue is served after its delay
 * (see {@link Throttle}). The bucket holds one token, not a burst: Mesos gives no burst either, and a burst of
 * {@code capacity} served at once would break the promise.
 *
 * <p>The bucket is kept as the time its next token is due ("theoretical arrival time", as in GCRA): the requests
 * waiting are {@code (due - now) x qps}, so a queue of any length costs one long, and nothing runs between requests.
 * Buckets exist only for the principals listed plus the aggregate one, so clients cannot make the map grow.
 *
 * <p>Threading: thread-safe; each bucket is guarded by its own lock, held for a few arithmetic operations. Time
 * comes from the injected nanosecond clock, so tests move it by hand.
 */
public final class RateLimiter {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    /** What to do with one request. */
    public sealed interface Decision {}

    /** Serve it after {@code delayNanos} (0: at once). */
    public record Admit(long delayNanos) implements Decision {}

    /** Refuse it: the queue is full; a retry after {@code retryAfterSeconds} would fit. */
    public record Refuse(long retryAfterSeconds, String reason) implements Decision {}

    private static final Admit NOW = new Admit(0);

    private final LongSupplier nanoClock;
    private final Map<String, Bucket> own = new HashMap<>(); // immutable after construction
    private final Bucket aggregate;
    private final java.util.Set<String> listed;

    /** @param nanoClock a monotonic clock in nanoseconds ({@code System::nanoTime} in production) */
    public RateLimiter(RateLimits limits, LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        long start = nanoClock.getAsLong();
        limits.limits().forEach((principal, limit) -> limits.rateOf(Optional.of(principal))
                .ifPresent(rate -> own.put(principal, new Bucket("principal '" + principal + "'", rate, start))));
        this.aggregate = limits.aggregateDefault()
                .map(rate -> new Bucket("principals without a limit of their own (aggregate_default_qps)", rate,
                        start))
                .orElse(null);
        this.listed = limits.limits().keySet();
    }

    /** Takes a turn for one request of {@code principal} (empty: an anonymous request). */
    public Decision acquire(Optional<String> principal) {
        // A listed principal without qps has no bucket: it is not throttled, not even by the aggregate.
        Bucket bucket = principal.isPresent() && listed.contains(principal.get()) ? own.get(principal.get())
                : aggregate;
        return bucket == null ? NOW : bucket.acquire(nanoClock.getAsLong());
    }

    /** One token bucket with its queue. */
    private static final class Bucket {
        private final String who;
        private final double qps;
        private final long intervalNanos;
        /** Most requests waiting for a token; {@code Long.MAX_VALUE} without a capacity. */
        private final long capacity;
        /** When the next token is due; a time in the past means a token is there now. Guarded by this. */
        private long dueNanos;

        Bucket(String who, RateLimits.Rate rate, long now) {
            this.who = who;
            this.qps = rate.qps();
            this.intervalNanos = Math.max(1, Math.round(NANOS_PER_SECOND / rate.qps()));
            this.capacity = rate.capacity().orElse(Long.MAX_VALUE);
            this.dueNanos = now;
        }

        synchronized Decision acquire(long now) {
            long due = Math.max(dueNanos, now);
            long wait = due - now;
            // With this request, ceil(wait / interval) requests would be waiting for a token (0 when one is here).
            long queued = wait == 0 ? 0 : (wait - 1) / intervalNanos + 1;
            if (queued > capacity) {
                // The queue has room again once the due time is within capacity x interval of now.
                long roomInNanos = wait - Math.min(capacity, Long.MAX_VALUE / intervalNanos) * intervalNanos;
                long seconds = Math.max(1, (roomInNanos + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND);
                return new Refuse(seconds, "Rate limit of " + who + " exceeded: " + (queued - 1)
                        + " requests are already waiting (qps " + formatQps() + ", capacity " + capacity
                        + "); retry after " + seconds + " s");
            }
            dueNanos = due + intervalNanos;
            return wait == 0 ? NOW : new Admit(wait);
        }

        private String formatQps() {
            return qps == Math.rint(qps) ? Long.toString((long) qps) : Double.toString(qps);
        }
    }
}
