package io.corral.frameworks.services;

import com.google.protobuf.ByteString;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.ContainerInfo;
import org.apache.mesos.v1.Protos.DurationInfo;
import org.apache.mesos.v1.Protos.Environment;
import org.apache.mesos.v1.Protos.ExecutorID;
import org.apache.mesos.v1.Protos.ExecutorInfo;
import org.apache.mesos.v1.Protos.HealthCheck;
import org.apache.mesos.v1.Protos.Image;
import org.apache.mesos.v1.Protos.KillPolicy;
import org.apache.mesos.v1.Protos.Label;
import org.apache.mesos.v1.Protos.Labels;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskInfo;

/**
 * Builds the Mesos {@link TaskInfo} of one instance: the command (shell or argv), the environment (the app's, plus
 * {@code PORT0..}, {@code PORT}, {@code HOST}, {@code CORRAL_APP_ID}, {@code CORRAL_APP_VERSION}, {@code CORRAL_TASK_ID}),
 * the user, a MESOS container with the image when the app names one, the health check the agent runs, the kill
 * grace period and the labels; or, for an app with a custom executor, that executor (the same environment and user)
 * with the app's {@code cmd} as the task's data. Pure.
 */
final class TaskFactory {
    private TaskFactory() {
    }

    /**
     * One instance's task.
     *
     * @param resources         the task's own resources
     * @param executorResources its custom executor's (empty without one)
     */
    static TaskInfo build(AppDefinition app, String taskId, String agentId, String hostname, List<Resource> resources,
                          List<Resource> executorResources, List<Integer> ports) {
        TaskInfo.Builder task = TaskInfo.newBuilder()
                .setName(app.id())
                .setTaskId(TaskID.newBuilder().setValue(taskId))
                .setAgentId(AgentID.newBuilder().setValue(agentId))
                .addAllResources(resources);
        if (app.hasExecutor()) {
            // Mesos: a task has a command or an executor, not both; the app's cmd is the executor's to interpret
            task.setExecutor(executor(app, taskId, hostname, ports, executorResources));
            if (app.cmd() != null) {
                task.setData(ByteString.copyFromUtf8(app.cmd()));
            }
        } else {
            task.setCommand(command(app, taskId, hostname, ports));
        }
        if (app.container() != null) {
            task.setContainer(ContainerInfo.newBuilder().setType(ContainerInfo.Type.MESOS)
                    .setMesos(ContainerInfo.MesosInfo.newBuilder().setImage(Image.newBuilder()
                            .setType(Image.Type.DOCKER)
                            .setDocker(Image.Docker.newBuilder().setName(app.container().docker().image())))));
        }
        if (app.hasHealthCheck()) {
            task.setHealthCheck(healthCheck(app.healthChecks().get(0), ports));
        }
        task.setKillPolicy(KillPolicy.newBuilder().setGracePeriod(DurationInfo.newBuilder()
                .setNanoseconds((long) (app.killGracePeriodSeconds() * 1e9))));
        if (!app.labels().isEmpty()) {
            Labels.Builder labels = Labels.newBuilder();
            new TreeMap<>(app.labels()).forEach((k, v) -> labels.addLabels(Label.newBuilder().setKey(k).setValue(v)));
            task.setLabels(labels);
        }
        return task.build();
    }

    /** The instance's own executor (its id is the task's: one executor per instance), with the task's environment. */
    private static ExecutorInfo executor(AppDefinition app, String taskId, String hostname, List<Integer> ports,
                                         List<Resource> resources) {
        CommandInfo.Builder command = CommandInfo.newBuilder().setShell(true).setValue(app.executor().cmd());
        return ExecutorInfo.newBuilder().setType(ExecutorInfo.Type.CUSTOM)
                .setExecutorId(ExecutorID.newBuilder().setValue(taskId))
                .setName("corral-services executor of " + app.id())
                .setCommand(withUserAndEnvironment(command, app, taskId, hostname, ports))
                .addAllResources(resources).build();
    }

    private static CommandInfo command(AppDefinition app, String taskId, String hostname, List<Integer> ports) {
        CommandInfo.Builder command = CommandInfo.newBuilder();
        if (app.cmd() != null) {
            command.setShell(true).setValue(app.cmd());
        } else {
            command.setShell(false).setValue(app.args().get(0)).addAllArguments(app.args());
        }
        return withUserAndEnvironment(command, app, taskId, hostname, ports);
    }

    private static CommandInfo withUserAndEnvironment(CommandInfo.Builder command, AppDefinition app, String taskId,
                                                      String hostname, List<Integer> ports) {
        if (app.user() != null) {
            command.setUser(app.user());
        }
        Map<String, String> env = new TreeMap<>(app.env());
        for (int i = 0; i < ports.size(); i++) {
            env.put("PORT" + i, Integer.toString(ports.get(i)));
        }
        if (!ports.isEmpty()) {
            env.put("PORT", Integer.toString(ports.get(0)));
        }
        env.put("HOST", hostname);
        env.put("CORRAL_APP_ID", app.id());
        env.put("CORRAL_APP_VERSION", Long.toString(app.version()));
        env.put("CORRAL_TASK_ID", taskId);
        Environment.Builder environment = Environment.newBuilder();
        env.forEach((k, v) -> environment.addVariables(Environment.Variable.newBuilder().setName(k).setValue(v)));
        return command.setEnvironment(environment).build();
    }

    private static HealthCheck healthCheck(AppDefinition.HealthCheckDefinition check, List<Integer> ports) {
        HealthCheck.Builder health = HealthCheck.newBuilder()
                .setDelaySeconds(check.delaySeconds())
                .setIntervalSeconds(check.intervalSeconds())
                .setTimeoutSeconds(check.timeoutSeconds())
                .setConsecutiveFailures(check.maxConsecutiveFailures())
                .setGracePeriodSeconds(check.gracePeriodSeconds());
        switch (check.protocol()) {
            case "HTTP" -> health.setType(HealthCheck.Type.HTTP).setHttp(HealthCheck.HTTPCheckInfo.newBuilder()
                    .setScheme("http").setPort(ports.get(check.portIndex())).setPath(check.path()));
            case "TCP" -> health.setType(HealthCheck.Type.TCP).setTcp(HealthCheck.TCPCheckInfo.newBuilder()
                    .setPort(ports.get(check.portIndex())));
            default -> health.setType(HealthCheck.Type.COMMAND).setCommand(CommandInfo.newBuilder()
                    .setShell(true).setValue(check.command()));
        }
        return health.build();
    }
}
