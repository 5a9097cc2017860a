package io.corral.agent.containerizer;

import java.nio.file.Path;
import java.util.Map;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.Environment;

/**
 * Starts a COMMAND check or health check the way Mesos runs one for a command task: in the task's sandbox, with the
 * task's environment ({@link TaskEnvironment}: the agent's, the agent's {@code MESOS_*} variables, the task's own),
 * the check's {@code CommandInfo.environment} on top, and the same shell and argv rules as the task
 * ({@link TaskCommandLine}).
 *
 * <p>Stateless.
 */
public final class CheckProcesses {
    private CheckProcesses() {}

    /**
     * A builder for the check's process; output is discarded.
     *
     * @throws IllegalArgumentException when the check's command cannot be run (no value, a SECRET variable)
     */
    public static ProcessBuilder builder(CommandInfo check, Path sandbox, Map<String, String> agentVariables,
                                         CommandInfo taskCommand) {
        Map<String, String> environment = TaskEnvironment.build(System.getenv(), sandbox, agentVariables,
                taskCommand);
        for (Environment.Variable variable : check.getEnvironment().getVariablesList()) {
            if (variable.getType() == Environment.Variable.Type.SECRET) {
                throw new IllegalArgumentException("check variable " + variable.getName()
                        + " is a SECRET, which this agent cannot resolve");
            }
            environment.put(variable.getName(), variable.getValue());
        }
        ProcessBuilder builder = new ProcessBuilder(TaskCommandLine.argv(check))
                .directory(sandbox.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().clear();
        builder.environment().putAll(environment);
        return builder;
    }
}
