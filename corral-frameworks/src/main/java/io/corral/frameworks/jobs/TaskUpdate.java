package io.corral.frameworks.jobs;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;

/** What the domain needs of a TaskStatus: whose, which state, where, and the message (with the exit status). */
public record TaskUpdate(String taskId, TaskState state, String agentId, String message) {
    /** The command executor's wording: "Command exited with status 3". */
    private static final Pattern EXIT_STATUS = Pattern.compile("exited with status (\\d+)");

    public static TaskUpdate of(TaskStatus status) {
        return new TaskUpdate(status.getTaskId().getValue(), status.getState(),
                status.hasAgentId() ? status.getAgentId().getValue() : null,
                status.hasMessage() ? status.getMessage() : null);
    }

    /** The process's exit code as the final TaskStatus tells it: 0 when finished, N from "exited with status N". */
    public Integer exitCode() {
        if (state == TaskState.TASK_FINISHED) {
            return 0;
        }
        if (message == null) {
            return null;
        }
        Matcher m = EXIT_STATUS.matcher(message);
        if (!m.find()) {
            return null;
        }
        try {
            return Integer.valueOf(m.group(1));
        } catch (NumberFormatException tooLarge) {
            return null;
        }
    }
}
