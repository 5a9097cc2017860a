package io.corral.agent.containerizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A container that runs in a root filesystem of its own (built from an image), in new mount, pid, uts and ipc
 * namespaces, with its sandbox at {@link #SANDBOX} and the task's volumes mounted in. The launcher starts it through
 * {@code unshare} and the {@code corral-rootfs.sh} script next to this class (see {@link #entry}).
 *
 * <p>Immutable.
 *
 * @param rootfs the host directory that becomes the container's {@code /}
 * @param imageEnvironment the image's {@code Env} ({@code NAME=value}); the task's environment is built on it
 *     instead of the agent's
 * @param workingDir where the task starts, inside the container; empty means the sandbox
 * @param volumes host paths mounted into the container
 */
public record ContainerRoot(Path rootfs, List<String> imageEnvironment, String workingDir, List<Volume> volumes) {
    /** Where the sandbox is inside the container, as in Mesos. */
    public static final String SANDBOX = "/mnt/mesos/sandbox";
    static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    /** The host's files a container on the host's network reads them from (see {@link #hostNetworkFile}). */
    private static final List<String> HOST_NETWORK_FILES = List.of("/etc/resolv.conf", "/etc/hosts");

    /**
     * A host file or directory mounted at {@code containerPath} (absolute, or relative to the sandbox as Mesos
     * reads a relative container path).
     */
    public record Volume(Path hostPath, String containerPath, boolean readOnly) {
        public Volume {
            Objects.requireNonNull(hostPath, "hostPath");
            if (containerPath == null || containerPath.isBlank()) {
                throw new IllegalArgumentException("a volume needs a container_path");
            }
        }
    }

    public ContainerRoot {
        Objects.requireNonNull(rootfs, "rootfs");
        imageEnvironment = List.copyOf(imageEnvironment);
        workingDir = workingDir == null ? "" : workingDir;
        volumes = List.copyOf(volumes);
    }

    /** The environment the task's is built on: the image's, with a default PATH when it sets none. */
    Map<String, String> baseEnvironment() {
        Map<String, String> environment = new HashMap<>();
        environment.put("PATH", DEFAULT_PATH);
        for (String entry : imageEnvironment) {
            int equals = entry.indexOf('=');
            if (equals > 0) {
                environment.put(entry.substring(0, equals), entry.substring(equals + 1));
            }
        }
        return environment;
    }

    /**
     * The start of the argv that enters the container and runs the task's argv (which follows) in it: {@code unshare} into new namespaces,
     * the mount script, then {@code unshare --root} (chroot) into the root filesystem as {@code uid}:{@code gid}.
     * Creates the mount points first, resolved inside the root ({@link RootPaths}), so that nothing the image holds
     * (a link named {@code /mnt}) can make a mount land on the host.
     *
     * @param user the uid and gid the task runs as; empty: the agent's (root)
     */
    List<String> entry(Path unshare, String script, String hostname, Path sandbox, Optional<int[]> user)
            throws IOException {
        Path root = rootfs.toRealPath();
        List<String> argv = new ArrayList<>(List.of(unshare.toString(), "--mount", "--pid", "--uts", "--ipc",
                "--fork", "--propagation", "private", "--", TaskCommandLine.SHELL, "-c", script, "corral-rootfs",
                root.toString(), hostname,
                RootPaths.resolve(root, "dev", true).toString(),
                RootPaths.resolve(root, "proc", true).toString()));
        argv.addAll(List.of(sandbox.toString(), RootPaths.resolve(root, SANDBOX, true).toString(), "rw"));
        Path sandboxRoot = sandbox.toRealPath();
        for (Volume volume : volumes) {
            String inside = volume.containerPath().startsWith("/") ? volume.containerPath()
                    : SANDBOX + "/" + volume.containerPath();
            Path target;
            if (inside.startsWith(SANDBOX + "/")) {
                // Under the sandbox's mount: the mount point is made in the sandbox, and reached through the mount.
                String relative = inside.substring(SANDBOX.length() + 1);
                Path onHost = Files.isDirectory(volume.hostPath()) ? RootPaths.resolve(sandboxRoot, relative, true)
                        : mountFile(sandboxRoot, relative);
                target = root.resolve(SANDBOX.substring(1)).resolve(sandboxRoot.relativize(onHost));
            } else {
                target = Files.isDirectory(volume.hostPath()) ? RootPaths.resolve(root, inside, true)
                        : mountFile(root, inside);
            }
            argv.addAll(List.of(volume.hostPath().toString(), target.toString(), volume.readOnly() ? "ro" : "rw"));
        }
        for (String name : HOST_NETWORK_FILES) {
            if (volumes.stream().anyMatch(volume -> Path.of(name).startsWith(Path.of("/").resolve(
                    volume.containerPath())))) {
                continue; // a volume of the task's own is mounted over it
            }
            hostNetworkFile(root, Path.of(name)).ifPresent(target -> argv.addAll(List.of(name, target.toString(),
                    "ro")));
        }
        argv.add("--");
        argv.addAll(List.of(unshare.toString(), "--root=" + root, "--wd=" + (workingDir.isEmpty() ? SANDBOX
                : workingDir)));
        user.ifPresent(ids -> argv.addAll(List.of("--setuid", Integer.toString(ids[0]), "--setgid",
                Integer.toString(ids[1]))));
        argv.add("--");
        return argv;
    }

    /**
     * Where the host's {@code file} ({@code /etc/resolv.conf}, {@code /etc/hosts}) is mounted read-only in the
     * container, which shares the host's network (as Mesos's {@code network/cni} isolator does for containers on the
     * host network): name resolution works as on the host. Nothing when the host has no such file, or the image has
     * a link or a directory in its place (the image's own then stays).
     */
    private static Optional<Path> hostNetworkFile(Path root, Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Path directory = RootPaths.resolve(root, file.getParent().toString(), true);
        Path target = directory.resolve(file.getFileName().toString());
        if (Files.isSymbolicLink(target) || Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            Files.createFile(target);
        }
        return Optional.of(target);
    }

    /** An empty file to bind a host file onto, its directory resolved inside the root. */
    private static Path mountFile(Path root, String inside) throws IOException {
        int slash = inside.lastIndexOf('/');
        Path directory = RootPaths.resolve(root, inside.substring(0, Math.max(slash, 0)), true);
        Path file = directory.resolve(inside.substring(slash + 1));
        if (Files.isSymbolicLink(file) || Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("cannot mount a file at '" + inside + "': the image has a link or a directory"
                    + " there");
        }
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            Files.createFile(file);
        }
        return file;
    }
}
