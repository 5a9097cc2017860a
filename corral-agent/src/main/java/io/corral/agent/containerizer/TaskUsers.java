package io.corral.agent.containerizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.mesos.v1.Protos.CommandInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which user a task runs as, with Mesos's semantics ({@code --switch_user}, on by default): when the agent runs as
 * root, the task runs as its {@code CommandInfo.user}, else its framework's {@code FrameworkInfo.user}; as root only
 * when that user is {@code root}. An unknown user fails the launch ("user 'x' does not exist on this agent"). When the
 * agent is not root, or switching is off, every task runs as the agent's user.
 *
 * <p>Switching happens in the launcher's command line: {@code setpriv --reuid --regid --init-groups --} (util-linux)
 * before the task's program, so the launcher itself stays root (it writes the agent's checkpoint) and only the task
 * drops its privileges. The sandbox is given to the user first ({@link #giveSandbox}), and {@code USER},
 * {@code LOGNAME} and {@code HOME} are the user's.
 *
 * <p>Immutable and thread-safe.
 */
public final class TaskUsers {
    private static final Logger LOG = LoggerFactory.getLogger(TaskUsers.class);
    private static final String ROOT = "root";

    private final boolean switching;
    private final Optional<Path> setpriv;
    private final UserLookup users;

    private TaskUsers(boolean switching, Optional<Path> setpriv) {
        this.switching = switching;
        this.setpriv = setpriv;
        this.users = new UserLookup();
    }

    /** Every task runs as the agent's user (tests, and agents with {@code --switch-user=false}). */
    public static TaskUsers agentUser() {
        return new TaskUsers(false, Optional.empty());
    }

    /**
     * Switches users when asked to and the agent is root; says at start when it cannot ({@code setpriv} missing)
     * or need not (not root).
     */
    public static TaskUsers switchingWhenRoot(boolean switchUser) {
        if (!switchUser) {
            LOG.info("Tasks run as the agent's user (--switch-user=false)");
            return agentUser();
        }
        if (!agentIsRoot()) {
            LOG.info("The agent is not root: tasks run as its user {}", System.getProperty("user.name"));
            return agentUser();
        }
        Optional<Path> setpriv = HostPrograms.find("setpriv");
        if (setpriv.isEmpty()) {
            LOG.warn("setpriv (util-linux) is not installed: tasks that should run as a user other than root will "
                    + "fail to launch. Install util-linux, or start the agent with --switch-user=false to run every "
                    + "task as root.");
        } else {
            LOG.info("Tasks run as their CommandInfo.user, else their framework's user (through {})", setpriv.get());
        }
        return new TaskUsers(true, setpriv);
    }

    /** The effective uid in {@code /proc/self/status} is 0 (Java has no geteuid). */
    static boolean agentIsRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("Uid:")) {
                    return line.substring(4).trim().split("\\s+")[1].equals("0");
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot read /proc/self/status: {}", e.toString());
        }
        return ROOT.equals(System.getProperty("user.name"));
    }

    /**
     * The user the task must run as; empty for the agent's own user (which is root when the task asked for root).
     *
     * @throws IOException when the task cannot run as the user it names (unknown user, no setpriv, no user at all)
     */
    Optional<TaskUser> userFor(ContainerSpec spec) throws IOException {
        if (!switching) {
            return Optional.empty();
        }
        CommandInfo command = spec.command();
        String name = command.hasUser() && !command.getUser().isEmpty() ? command.getUser() : spec.frameworkUser();
        if (name.isEmpty()) {
            throw new IOException("the task names no user (neither CommandInfo.user nor FrameworkInfo.user) and the "
                    + "agent runs as root; it runs tasks as root only for user 'root'");
        }
        if (name.equals(ROOT)) {
            return Optional.empty();
        }
        TaskUser user = users.find(name)
                .orElseThrow(() -> new IOException("user '" + name + "' does not exist on this agent"));
        if (user.uid() == 0) {
            return Optional.empty(); // another name for root, asked for by name
        }
        if (setpriv.isEmpty()) {
            throw new IOException("cannot run the task as user '" + name + "': setpriv (util-linux) is not installed"
                    + " on this agent");
        }
        return Optional.of(user);
    }

    /** The launcher runs this before the task's program. */
    List<String> commandPrefix(TaskUser user) {
        return List.of(setpriv.orElseThrow().toString(), "--reuid=" + user.uid(), "--regid=" + user.gid(),
                "--init-groups", "--");
    }

    static Map<String, String> environment(TaskUser user) {
        return Map.of("USER", user.name(), "LOGNAME", user.name(), "HOME", user.home());
    }

    /**
     * Creates the sandbox's {@code stdout} and {@code stderr} and gives the whole sandbox to the user, as Mesos does,
     * so the task can write there. Symbolic links (persistent volumes) are not followed.
     */
    static void giveSandbox(Path sandbox, TaskUser user) throws IOException {
        for (String name : List.of(ProcessContainerizer.STDOUT, ProcessContainerizer.STDERR)) {
            Path file = sandbox.resolve(name);
            if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                Files.createFile(file);
            }
        }
        Files.walkFileTree(sandbox, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) throws IOException {
                chown(dir);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                chown(file);
                return FileVisitResult.CONTINUE;
            }

            private void chown(Path path) throws IOException {
                Files.setAttribute(path, "unix:uid", (int) user.uid(), LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(path, "unix:gid", (int) user.gid(), LinkOption.NOFOLLOW_LINKS);
            }
        });
    }
}
