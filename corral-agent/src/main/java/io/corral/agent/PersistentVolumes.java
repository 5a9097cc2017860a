package io.corral.agent;

import io.corral.protocol.resources.Reservations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.mesos.v1.Protos.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Persistent volumes on this agent's disk: {@code <work_dir>/volumes/roles/<role>/<persistence id>}, a directory
 * that outlives the tasks using it. A task whose resources include a volume finds it in its sandbox at the volume's
 * {@code container_path} (a symbolic link to the volume's directory). The master's list of volumes
 * ({@link #keepOnly}) is the truth: a volume it no longer lists was destroyed, and its data is deleted, unless a
 * live task still uses it.
 *
 * <p>Paths are built only from values the master validated (persistence ids by Mesos's id rules; container paths
 * relative, without {@code ..}); the link is still checked to stay inside the sandbox.
 *
 * <p>Threading: used on the agent's event loop only.
 */
final class PersistentVolumes {
    private static final Logger LOG = LoggerFactory.getLogger(PersistentVolumes.class);

    private final Path root;

    PersistentVolumes(Path workDir) {
        this.root = workDir.resolve("volumes").resolve("roles");
    }

    /** The directory of a volume: one per (role, persistence id). */
    Path directoryOf(Resource volume) {
        String role = URLEncoder.encode(Reservations.role(volume), StandardCharsets.UTF_8);
        return root.resolve(role).resolve(volume.getDisk().getPersistence().getId());
    }

    /** Creates the volumes {@code resources} use and links each into {@code sandbox} at its container path. */
    void mount(List<Resource> resources, Path sandbox) throws IOException {
        for (Resource resource : resources) {
            if (!Reservations.isPersistentVolume(resource)) {
                continue;
            }
            Resource volume = Reservations.canonical(resource);
            Path directory = Files.createDirectories(directoryOf(volume));
            Path link = sandbox.resolve(volume.getDisk().getVolume().getContainerPath()).normalize();
            if (!link.startsWith(sandbox) || link.equals(sandbox)) {
                throw new IOException("volume path '" + volume.getDisk().getVolume().getContainerPath()
                        + "' is outside the sandbox");
            }
            Files.createDirectories(link.getParent());
            Files.createSymbolicLink(link, directory);
        }
    }

    /**
     * The master recorded {@code checkpointed} as this agent's reservations and volumes: creates the volumes listed,
     * deletes the data of those that are not, except the ones in {@code inUse} (directories of live tasks' volumes).
     */
    void keepOnly(List<Resource> checkpointed, Set<Path> inUse) {
        Set<Path> kept = new HashSet<>(inUse);
        for (Resource resource : checkpointed) {
            if (Reservations.isPersistentVolume(resource)) {
                Path directory = directoryOf(Reservations.canonical(resource));
                kept.add(directory);
                try {
                    Files.createDirectories(directory);
                } catch (IOException e) {
                    LOG.warn("Could not create persistent volume {}: {}", directory, e.getMessage());
                }
            }
        }
        for (Path existing : existing()) {
            if (!kept.contains(existing)) {
                LOG.info("Deleting persistent volume {}: the master no longer lists it (destroyed)", existing);
                deleteTree(existing);
            }
        }
    }

    private List<Path> existing() {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> roles = Files.list(root)) {
            return roles.filter(Files::isDirectory).flatMap(PersistentVolumes::children).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Stream<Path> children(Path directory) {
        try (Stream<Path> children = Files.list(directory)) {
            return children.toList().stream();
        } catch (IOException e) {
            return Stream.empty();
        }
    }

    private static void deleteTree(Path directory) {
        try (Stream<Path> walk = Files.walk(directory)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            LOG.warn("Could not delete {}: {}", directory, e.getMessage());
        }
    }
}
