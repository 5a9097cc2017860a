package io.corral.agent.containerizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.apache.mesos.v1.Protos.Environment;

/**
 * What {@link ProcessContainerizer#launch} does differently for a task with its own root filesystem
 * ({@link ContainerSpec#root()}): the environment is built on the image's instead of the agent's, with
 * {@code MESOS_SANDBOX} the sandbox's path inside the container ({@link ContainerRoot#SANDBOX}); and the task's argv
 * is preceded by the entry into the container ({@link ContainerRoot#entry}), which needs util-linux's
 * {@code unshare} and an agent running as root. The launcher and its protocol stay the same: the task's pid is the
 * outer {@code unshare}'s, in the task's process group, which waits for the container's first process and exits
 * with its status.
 *
 * <p>Stateless.
 */
final class RootedLaunch {
    private static final String SCRIPT = load("corral-rootfs.sh");

    private RootedLaunch() {}

    static Map<String, String> environment(ContainerRoot root, Map<String, String> extra, CommandInfo command) {
        Map<String, String> environment = TaskEnvironment.build(root.baseEnvironment(),
                Path.of(ContainerRoot.SANDBOX), extra, command);
        boolean taskSetsIt = command.getEnvironment().getVariablesList().stream()
                .map(Environment.Variable::getName).anyMatch("MESOS_SANDBOX"::equals);
        if (!taskSetsIt) {
            environment.put("MESOS_SANDBOX", ContainerRoot.SANDBOX); // the agent's extra names the host's path
        }
        return environment;
    }

    static List<String> entry(ContainerRoot root, ContainerSpec spec, Path sandbox, Optional<TaskUser> user)
            throws IOException {
        if (!TaskUsers.agentIsRoot()) {
            throw new IOException("task " + spec.taskId() + " has a container image, which needs an agent running as"
                    + " root (it mounts the image in namespaces of its own)");
        }
        Path unshare = HostPrograms.find("unshare").orElseThrow(() -> new IOException(
                "task " + spec.taskId() + " has a container image, which needs util-linux's unshare on the agent"));
        String hostname = spec.containerId().length() > 63 ? spec.containerId().substring(0, 63)
                : spec.containerId();
        return root.entry(unshare, SCRIPT, hostname, sandbox,
                user.map(u -> new int[] {(int) u.uid(), (int) u.gid()}));
    }

    private static String load(String name) {
        try (InputStream in = RootedLaunch.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the agent's jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
