package io.corral.frameworks.jobs;

import java.time.Duration;

/**
 * Settings of the Jobs framework's scheduling.
 *
 * @param historyLimit  finished runs kept per job (the active ones are always kept)
 * @param idleRefuse    how long the master holds back an agent's resources declined while nothing waits to run
 *                      (the framework also suppresses offers then, and revives when a run is due)
 * @param busyRefuse    the same for an offer declined while runs wait for a bigger one
 * @param maxWake       the longest the framework sleeps between looks at its jobs (kills are sent again then)
 * @param maxJobs       jobs the framework keeps at most: each is a document in ZooKeeper, which callers must not be
 *                      able to fill; a create over it gets 409
 */
public record JobsConfig(int historyLimit, Duration idleRefuse, Duration busyRefuse, Duration maxWake, int maxJobs) {
    public static final int DEFAULT_MAX_JOBS = 10_000;
    public static final JobsConfig DEFAULTS = new JobsConfig(20, Duration.ofSeconds(60), Duration.ofSeconds(2),
            Duration.ofSeconds(60), DEFAULT_MAX_JOBS);

    /** The same settings, keeping at most {@code most} jobs. */
    public JobsConfig withMaxJobs(int most) {
        return new JobsConfig(historyLimit, idleRefuse, busyRefuse, maxWake, most);
    }
}
