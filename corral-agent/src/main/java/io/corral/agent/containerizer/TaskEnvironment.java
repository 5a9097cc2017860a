package io.corral.agent.containerizer;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.Environment;

/**
 * Builds a task's environment, later layers overriding earlier ones:
 *
 * <ol>
 *   <li>the agent's own environment, minus variables that belong to the agent and would mislead the task:
 *       {@code CORRAL_*} (agent configuration), {@code MESOS_*} and {@code LIBPROCESS_*} (left over from whoever
 *       started the agent; the agent sets the task's own values below), and the JVM option variables
 *       {@code JAVA_TOOL_OPTIONS}, {@code _JAVA_OPTIONS}, {@code JDK_JAVA_OPTIONS} (the agent's JVM flags, such as a
 *       debugger port, would break Java tasks);
 *   <li>{@code MESOS_SANDBOX}: the absolute sandbox path (set by the containerizer in Mesos);
 *   <li>the spec's extra environment (what the agent sets: {@code MESOS_FRAMEWORK_ID}, ...);
 *   <li>the task's {@code CommandInfo.environment}: last, so the task wins, as in Mesos's command executor.
 * </ol>
 *
 * <p>Stateless.
 */
final class TaskEnvironment {

    private static final List<String> PRIVATE_PREFIXES = List.of("CORRAL_", "MESOS_", "LIBPROCESS_");
    private static final Set<String> PRIVATE_NAMES = Set.of("JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS");

    private TaskEnvironment() {}

    /** The task's environment; throws {@link IllegalArgumentException} for variables the agent cannot provide. */
    static Map<String, String> build(
            Map<String, String> agentEnvironment, Path sandbox, Map<String, String> extra, CommandInfo command) {
        Map<String, String> environment = new HashMap<>();
        agentEnvironment.forEach((name, value) -> {
            if (!isAgentPrivate(name)) {
                environment.put(name, value);
            }
        });
        environment.put("MESOS_SANDBOX", sandbox.toAbsolutePath().toString());
        environment.putAll(extra);
        for (Environment.Variable variable : command.getEnvironment().getVariablesList()) {
            environment.put(requireName(variable), valueOf(variable));
        }
        return environment;
    }

    /**
     * Adds what the isolators set ({@link Isolator#environment}) to a built environment, between the agent's layers
     * and the task's own: a variable the task's {@code CommandInfo.environment} sets keeps the task's value.
     */
    static void addIsolatorEnvironment(Map<String, String> environment, Map<String, String> isolators,
                                       CommandInfo command) {
        Set<String> tasks = new java.util.HashSet<>();
        command.getEnvironment().getVariablesList().forEach(variable -> tasks.add(variable.getName()));
        isolators.forEach((name, value) -> {
            if (!tasks.contains(name)) {
                environment.put(name, value);
            }
        });
    }

    static boolean isAgentPrivate(String name) {
        return PRIVATE_NAMES.contains(name) || PRIVATE_PREFIXES.stream().anyMatch(name::startsWith);
    }

    private static String requireName(Environment.Variable variable) {
        String name = variable.getName();
        if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("CommandInfo.environment has an invalid variable name '" + name
                    + "': names must be non-empty and contain neither '=' nor NUL");
        }
        return name;
    }

    private static String valueOf(Environment.Variable variable) {
        if (variable.getType() == Environment.Variable.Type.SECRET) {
            throw new IllegalArgumentException("environment variable " + variable.getName()
                    + " is a SECRET, which this agent cannot resolve: pass it with type VALUE");
        }
        if (variable.getValue().indexOf('\0') >= 0) {
            throw new IllegalArgumentException(
                    "environment variable " + variable.getName() + " contains a NUL character");
        }
        return variable.getValue();
    }
}
