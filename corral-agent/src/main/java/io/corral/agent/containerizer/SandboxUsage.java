package io.corral.agent.containerizer;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Set;

/**
 * How many bytes a sandbox's files take, as {@code du} would count them for Mesos's {@code disk/du}: every regular
 * file under the directory, a hard-linked file once, symbolic links not followed (persistent volumes are linked into
 * the sandbox and have their own disk resources). Files that vanish during the walk are skipped. Sizes are the
 * files' lengths, so a sparse file counts in full: a task can never use more than it is charged for.
 *
 * <p>Stateless.
 */
final class SandboxUsage {

    private SandboxUsage() {}

    static long bytes(Path sandbox) throws IOException {
        long[] total = {0};
        Set<Object> seen = new HashSet<>();
        Files.walkFileTree(sandbox, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                Object key = attributes.fileKey();
                if (attributes.isRegularFile() && (key == null || seen.add(key))) {
                    total[0] += attributes.size();
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE; // deleted by the task meanwhile, or unreadable: not counted
            }
        });
        return total[0];
    }
}
