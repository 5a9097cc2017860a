package io.corral.frameworks.jobs;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A job as its user defined it: what to run, with what, when, and what to do when it fails, overruns or overlaps.
 * Built only by {@link JobJson#parse} (which validates every field) or tests.
 *
 * @param image     a container image reference, or null to run on the agent's host file system
 * @param mem       MB
 * @param disk      MB
 * @param user      the user the task runs as, or null for the framework's
 * @param schedule  the cron schedule, or null: the job runs only on demand
 * @param timeout   an attempt running longer is killed (and counted as failed); null: no limit
 */
public record JobDefinition(String id, JobCommand command, String image, double cpus, double mem, double disk,
                            Map<String, String> env, String user, Map<String, String> labels, CronSchedule schedule,
                            RetryPolicy retry, Duration timeout, ConcurrencyPolicy concurrency) {
    public JobDefinition {
        env = Map.copyOf(env);
        labels = Map.copyOf(labels);
    }

    public Optional<CronSchedule> cron() {
        return Optional.ofNullable(schedule);
    }

    public Optional<Duration> timeLimit() {
        return Optional.ofNullable(timeout);
    }
}
