package io.corral.agent;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.ExecutorInfo;
import org.apache.mesos.v1.Protos.FrameworkInfo;

/**
 * The environment Mesos's agent gives a custom executor ({@code executorEnvironment()} in Mesos): executor libraries
 * read it strictly and refuse to start when a variable is missing or a duration is not in Mesos's units
 * ({@code 5secs}, not {@code 5s}).
 *
 * <p>Not set: {@code MESOS_NATIVE_JAVA_LIBRARY} (there is no libmesos), {@code MESOS_DOMAIN_SOCKET} and
 * {@code MESOS_EXECUTOR_AUTHENTICATION_TOKEN} (no executor authentication).
 *
 * <p>Stateless.
 */
final class ExecutorEnvironment {
    /** Mesos's {@code --recovery_timeout}: how long a checkpointing executor waits for a restarted agent. */
    static final Duration RECOVERY_TIMEOUT = Duration.ofMinutes(15);
    /** Mesos's default {@code MESOS_SUBSCRIPTION_BACKOFF_MAX}. */
    static final Duration SUBSCRIPTION_BACKOFF_MAX = Duration.ofSeconds(2);

    private ExecutorEnvironment() {}

    static Map<String, String> build(AgentInfo agent, FrameworkInfo framework, ExecutorInfo executor, Path sandbox,
                                     Duration shutdownGracePeriod) {
        Map<String, String> env = new LinkedHashMap<>();
        String endpoint = agent.getHostname() + ":" + agent.getPort();
        env.put("MESOS_FRAMEWORK_ID", framework.getId().getValue());
        env.put("MESOS_EXECUTOR_ID", executor.getExecutorId().getValue());
        env.put("MESOS_DIRECTORY", sandbox.toString());
        env.put("MESOS_SANDBOX", sandbox.toString());
        env.put("MESOS_SLAVE_ID", agent.getId().getValue());
        env.put("MESOS_SLAVE_PID", "slave(1)@" + endpoint);
        env.put("MESOS_AGENT_ENDPOINT", endpoint);
        env.put("MESOS_HTTP_COMMAND_EXECUTOR", "0");
        env.put("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", mesosDuration(shutdownGracePeriod));
        env.put("LIBPROCESS_PORT", "0");
        if (framework.getCheckpoint()) {
            env.put("MESOS_CHECKPOINT", "1");
            env.put("MESOS_RECOVERY_TIMEOUT", mesosDuration(RECOVERY_TIMEOUT));
            env.put("MESOS_SUBSCRIPTION_BACKOFF_MAX", mesosDuration(SUBSCRIPTION_BACKOFF_MAX));
        } else {
            env.put("MESOS_CHECKPOINT", "0");
        }
        return env;
    }

    /**
     * A duration as Mesos's {@code Duration} prints it: the largest unit that keeps it whole ({@code 5secs},
     * {@code 15mins}, {@code 1500ms}, {@code 10ns}).
     */
    static String mesosDuration(Duration duration) {
        long nanos = duration.toNanos();
        if (nanos == 0) {
            return "0ns";
        }
        String[] units = {"weeks", "days", "hrs", "mins", "secs", "ms", "us", "ns"};
        long[] sizes = {604_800_000_000_000L, 86_400_000_000_000L, 3_600_000_000_000L, 60_000_000_000L,
                1_000_000_000L, 1_000_000L, 1_000L, 1L};
        for (int i = 0; i < units.length; i++) {
            if (nanos % sizes[i] == 0) {
                return (nanos / sizes[i]) + units[i];
            }
        }
        return nanos + "ns";
    }
}
