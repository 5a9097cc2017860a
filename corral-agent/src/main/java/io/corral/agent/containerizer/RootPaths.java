package io.corral.agent.containerizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Resolves a path the way a process whose root is {@code root} would see it, on the host: every symbolic link on the
 * way is followed inside {@code root} (an absolute target starts again at {@code root}, {@code ..} never climbs above
 * it). The agent, root on the host, writes image layers and prepares mount points through it, so a link in an image
 * can never lead it to a host file.
 *
 * <p>Stateless.
 */
public final class RootPaths {
    private static final int MAX_LINK_HOPS = 40;

    private RootPaths() {}

    /**
     * The host path of {@code name} inside {@code root} (which must be a real path). Links are followed on the way,
     * and for the last component too when {@code createDirectories}, which also creates every missing directory
     * (the last one included).
     *
     * @throws IOException when a component on the way is a file, or links loop
     */
    public static Path resolve(Path root, String name, boolean createDirectories) throws IOException {
        Path current = root;
        Deque<String> parts = new ArrayDeque<>(split(name));
        int hops = 0;
        while (!parts.isEmpty()) {
            String part = parts.removeFirst();
            if (part.equals("..")) {
                current = current.equals(root) ? root : current.getParent();
                continue;
            }
            Path next = current.resolve(part);
            if (Files.isSymbolicLink(next) && (createDirectories || !parts.isEmpty())) {
                if (++hops > MAX_LINK_HOPS) {
                    throw new IOException("too many symbolic links under '" + name + "' in the container's root");
                }
                String target = Files.readSymbolicLink(next).toString();
                List<String> expanded = split(target);
                for (int i = expanded.size() - 1; i >= 0; i--) {
                    parts.addFirst(expanded.get(i));
                }
                if (target.startsWith("/")) {
                    current = root;
                }
                continue;
            }
            if (createDirectories && !Files.exists(next, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(next);
            } else if (createDirectories && !Files.isDirectory(next, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException("'" + name + "' in the container's root goes through '"
                        + root.relativize(next) + "', which is not a directory");
            }
            current = next;
        }
        return current;
    }

    private static List<String> split(String path) {
        List<String> parts = new ArrayList<>();
        for (String part : path.split("/")) {
            if (!part.isEmpty() && !part.equals(".")) {
                parts.add(part);
            }
        }
        return parts;
    }
}
