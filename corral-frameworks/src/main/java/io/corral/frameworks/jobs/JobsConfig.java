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
 */
public record JobsConfig(int historyLimit, Duration idleRefuse, Duration busyRefuse, Duration maxWake) {
    public static final JobsConfig DEFAULTS =
            new JobsConfig(20, Duration.ofSeconds(60), Duration.ofSeconds(2), Duration.ofSeconds(60));
}
