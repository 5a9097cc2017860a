package io.corral.agent;

import io.corral.protocol.Durations;
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
 * <p>{@code MESOS_EXECUTOR_AUTHENTICATION_TOKEN} is set when the agent authenticates ({@link ExecutorTokens}). Not
 * set: {@code MESOS_NATIVE_JAVA_LIBRARY} (there is no libmesos) and {@code MESOS_DOMAIN_SOCKET}.
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
                                     Duration shutdownGracePeriod, ExecutorTokens tokens) {
        return build(agent, framework, executor, sandbox, shutdownGracePeriod, tokens, ExecutorTls.NONE);
    }

    /** As above, with the agent's TLS for an agent serving HTTPS ({@link ExecutorTls}). */
    static Map<String, String> build(AgentInfo agent, FrameworkInfo framework, ExecutorInfo executor, Path sandbox,
                                     Duration shutdownGracePeriod, ExecutorTokens tokens, ExecutorTls tls) {
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
        tokens.tokenFor(framework.getId().getValue(), executor.getExecutorId().getValue())
                .ifPresent(token -> env.put(ExecutorTokens.ENVIRONMENT_VARIABLE, token));
        tls.addTo(env);
        if (framework.getCheckpoint()) {
            env.put("MESOS_CHECKPOINT", "1");
            env.put("MESOS_RECOVERY_TIMEOUT", mesosDuration(RECOVERY_TIMEOUT));
            env.put("MESOS_SUBSCRIPTION_BACKOFF_MAX", mesosDuration(SUBSCRIPTION_BACKOFF_MAX));
        } else {
            env.put("MESOS_CHECKPOINT", "0");
        }
        return env;
    }

    /** Mesos's units ({@code 5secs}, {@code 500ms}): executor libraries parse these, not ISO-8601. */
    private static String mesosDuration(Duration duration) {
        return Durations.format(duration);
    }
}
