package io.corral.protocol.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.protocol.security.RateLimits;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The token buckets on a clock moved by hand: no sleeps. */
class RateLimiterTest {
    private static final long MS = 1_000_000L;
    private final AtomicLong now = new AtomicLong(1_000 * MS);

    private RateLimiter limiter(String json) {
        return new RateLimiter(RateLimits.parse(json, "test"), now::get);
    }

    private RateLimiter.Decision take(RateLimiter limiter, String principal) {
        return limiter.acquire(Optional.ofNullable(principal));
    }

    @Test
    void servesAtQpsQueuesUpToCapacityThenRefusesWithRetryAfter() {
        RateLimiter limiter = limiter("{\"limits\": [{\"principal\": \"batch\", \"qps\": 10, \"capacity\": 3}]}");

        assertThat(take(limiter, "batch")).isEqualTo(new RateLimiter.Admit(0));
        assertThat(take(limiter, "batch")).isEqualTo(new RateLimiter.Admit(100 * MS));
        assertThat(take(limiter, "batch")).isEqualTo(new RateLimiter.Admit(200 * MS));
        assertThat(take(limiter, "batch")).isEqualTo(new RateLimiter.Admit(300 * MS));
        RateLimiter.Decision fifth = take(limiter, "batch");
        assertThat(fifth).isInstanceOf(RateLimiter.Refuse.class);
        RateLimiter.Refuse refused = (RateLimiter.Refuse) fifth;
        assertThat(refused.retryAfterSeconds()).isEqualTo(1);
        assertThat(refused.reason()).contains("principal 'batch'", "3 requests are already waiting", "qps 10",
                "capacity 3");

        // 100 ms later one waiting request has had its turn: room for one more, at the back of the queue.
        now.addAndGet(100 * MS);
        assertThat(take(limiter, "batch")).isEqualTo(new RateLimiter.Admit(300 * MS));
        assertThat(take(limiter, "batch")).isInstanceOf(RateLimiter.Refuse.class);

        // Idle for a long time: one token, not a burst (Mesos gives none either).
        now.addAndGet(60_000 * MS);
        assertThat(take(limiter, "batch")).isEqualTo(new RateLimiter.Admit(0));
        assertThat(take(limiter, "batch")).isEqualTo(new RateLimiter.Admit(100 * MS));
    }

    @Test
    void retryAfterIsTheWholeSecondsUntilTheQueueHasRoom() {
        RateLimiter limiter = limiter("{\"limits\": [{\"principal\": \"slow\", \"qps\": 0.5, \"capacity\": 1}]}");
        assertThat(take(limiter, "slow")).isEqualTo(new RateLimiter.Admit(0));
        assertThat(take(limiter, "slow")).isEqualTo(new RateLimiter.Admit(2_000 * MS));
        // The queue has room again when the waiting one is served, 2 s from now.
        assertThat(((RateLimiter.Refuse) take(limiter, "slow")).retryAfterSeconds()).isEqualTo(2);
        now.addAndGet(1_500 * MS);
        assertThat(((RateLimiter.Refuse) take(limiter, "slow")).retryAfterSeconds()).isEqualTo(1);
    }

    @Test
    void capacityZeroServesOnlyWhatNeedNotWait() {
        RateLimiter limiter = limiter("{\"limits\": [{\"principal\": \"p\", \"qps\": 4, \"capacity\": 0}]}");
        assertThat(take(limiter, "p")).isEqualTo(new RateLimiter.Admit(0));
        assertThat(take(limiter, "p")).isInstanceOf(RateLimiter.Refuse.class);
        now.addAndGet(250 * MS);
        assertThat(take(limiter, "p")).isEqualTo(new RateLimiter.Admit(0));
    }

    @Test
    void withoutCapacityTheQueueIsUnbounded() {
        RateLimiter limiter = limiter("{\"limits\": [{\"principal\": \"p\", \"qps\": 1000}]}");
        for (int i = 0; i < 10_000; i++) {
            assertThat(take(limiter, "p")).isEqualTo(new RateLimiter.Admit(i * MS));
        }
    }

    @Test
    void principalsHaveBucketsOfTheirOwnAndTheUnlistedShareTheAggregate() {
        RateLimiter limiter = limiter("{\"limits\": [{\"principal\": \"batch\", \"qps\": 1, \"capacity\": 0},"
                + " {\"principal\": \"prod\"}], \"aggregate_default_qps\": 2, \"aggregate_default_capacity\": 0}");
        assertThat(take(limiter, "batch")).isEqualTo(new RateLimiter.Admit(0));
        assertThat(take(limiter, "batch")).isInstanceOf(RateLimiter.Refuse.class);
        // batch being over its limit costs nobody else anything.
        for (int i = 0; i < 1000; i++) {
            assertThat(take(limiter, "prod")).isEqualTo(new RateLimiter.Admit(0)); // listed without qps: free
        }
        // Unlisted principals and anonymous requests share one bucket, as Mesos's aggregate_default_qps.
        assertThat(take(limiter, "dev-1")).isEqualTo(new RateLimiter.Admit(0));
        assertThat(take(limiter, null)).isInstanceOf(RateLimiter.Refuse.class);
        assertThat(take(limiter, "dev-2")).isInstanceOf(RateLimiter.Refuse.class);
        now.addAndGet(500 * MS);
        assertThat(take(limiter, "dev-2")).isEqualTo(new RateLimiter.Admit(0));
    }

    @Test
    void withoutLimitsNothingIsThrottled() {
        RateLimiter limiter = new RateLimiter(RateLimits.none(), now::get);
        for (int i = 0; i < 1000; i++) {
            assertThat(take(limiter, i % 2 == 0 ? "a" : null)).isEqualTo(new RateLimiter.Admit(0));
        }
    }
}
