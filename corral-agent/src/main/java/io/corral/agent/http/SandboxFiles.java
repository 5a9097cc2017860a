package io.corral.agent.http;

import io.corral.agent.AgentView;
import io.corral.agent.AgentView.ExecutorView;
import io.corral.protocol.http.HttpError;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The files an agent serves: only its executors' sandboxes, each reachable under the paths Mesos's agent attaches for
 * it ({@code docs/agent-api.md}, "Files"):
 *
 * <ul>
 *   <li>the sandbox's own absolute path, the {@code directory} that {@code /state} shows;
 *   <li>{@code /frameworks/<framework>/executors/<executor>/runs/latest}, the virtual path Mesos prefers (it does not
 *       reveal the agent's work dir); the newest run of that executor wins;
 *   <li>{@code <work_dir>/slaves/<agent>/frameworks/<framework>/executors/<executor>/runs/latest}, the older form.
 * </ul>
 *
 * <p>A requested path is resolved as Mesos's {@code FilesProcess::resolve} does (the longest attached prefix, then the
 * rest below it, then the real path, which must stay inside the attached directory), but more strictly, because the
 * agent serves whatever its tasks wrote and a task is not trusted: a path with a {@code ..} segment or a control
 * character (a NUL byte included) is refused before the disk is touched (403); a real path outside its sandbox, e.g.
 * through a symlink a task made to {@code /etc}, is refused (403); a path under no sandbox is not found (404), the
 * same answer as a file that does not exist, so the answers reveal nothing of the rest of the machine. Percent
 * escapes are decoded exactly once, by the HTTP layer: {@code %2e%2e} arrives here as {@code ..} and is refused, and
 * {@code %252e} stays the literal name {@code %2e}. Files are opened with {@code NOFOLLOW_LINKS} on their last
 * component, so a task swapping a checked file for a symlink between the check and the open is refused too.
 *
 * <p>Under {@code --acls}, each sandbox is served only to principals allowed {@code access_sandboxes} on the user its
 * executor runs as ({@link #restrictedTo}), checked as Mesos's {@code FilesProcess::authorize} does: on the attached
 * path the request falls under, before the disk is touched, so a refused principal learns nothing of the files.
 * {@link #debug} lists only the sandboxes the principal may access.
 *
 * <p>Immutable and thread-safe: built from one published {@link AgentView}; file I/O happens on the caller's thread
 * (the agent's HTTP reader threads, never its loop).
 */
public final class SandboxFiles {
    /** Mesos caps each read at 16 pages. */
    public static final int MAX_READ_LENGTH = 16 * 4096;

    /** Virtual path (normalized, from {@code /}) to the sandbox it stands for. */
    private final Map<String, Sandbox> attached;
    /** Who is asking: {@link Approvals#ALL} for the agent's own use and agents without ACLs. */
    private final Approvals approvals;

    /** An attached sandbox: its absolute directory, and the user its executor runs as (whose sandbox it is). */
    record Sandbox(Path directory, String user) {}

    /** A path that passed every check: what was asked, and the real file it names. */
    public record Resolved(String requested, Path real) {}

    /** One entry of a directory listing, with Mesos's {@code FileInfo} fields. */
    public record Entry(String path, long nlink, long size, long mtimeSeconds, int modeBits, String mode, String uid,
                        String gid) {}

    /**
     * What a read found.
     *
     * @param size the file's size when it was read
     * @param data the bytes read: none when the offset is at or past the end, at most {@link #MAX_READ_LENGTH}
     */
    public record Chunk(long size, byte[] data) {}

    SandboxFiles(Map<String, Sandbox> attached) {
        this(Collections.unmodifiableMap(new LinkedHashMap<>(attached)), Approvals.ALL);
    }

    private SandboxFiles(Map<String, Sandbox> attached, Approvals approvals) {
        this.attached = attached;
        this.approvals = approvals;
    }

    /** The same files, served to a principal with these approvals (no copy: the attached paths are shared). */
    public SandboxFiles restrictedTo(Approvals approvals) {
        return approvals.permitsAll() ? this : new SandboxFiles(attached, approvals);
    }

    /** The sandboxes of the view's executors, completed ones included, under the paths Mesos attaches them at. */
    public static SandboxFiles of(AgentView view) {
        Map<String, Sandbox> attached = new LinkedHashMap<>();
        // Completed first (oldest first), then live ones: a later run of the same executor takes "latest" over.
        for (List<ExecutorView> executors : List.of(view.completedExecutors(), view.executors())) {
            for (ExecutorView executor : executors) {
                Sandbox sandbox = new Sandbox(executor.directory(), view.executorUser(executor));
                String framework = executor.frameworkId().getValue();
                attached.put(sandbox.directory().toString(), sandbox);
                attached.put("/frameworks/" + framework + "/executors/" + executor.id() + "/runs/latest", sandbox);
                if (!view.agentId().isEmpty()) {
                    attached.put(view.workDir().resolve("slaves").resolve(view.agentId()).resolve("frameworks")
                            .resolve(framework).resolve("executors").resolve(executor.id()).resolve("runs")
                            .resolve("latest").toString(), sandbox);
                }
            }
        }
        return new SandboxFiles(attached);
    }

    /**
     * Every attached path and the directory it stands for (Mesos's {@code /files/debug}), sorted; only those of
     * sandboxes the principal may access.
     */
    public Map<String, String> debug() {
        Map<String, String> map = new TreeMap<>();
        attached.forEach((virtual, sandbox) -> {
            if (approvals.accessSandbox(sandbox.user())) {
                map.put(virtual, sandbox.directory().toString());
            }
        });
        return map;
    }

    /**
     * Checks and resolves a requested path.
     *
     * @throws HttpError 400 when it is missing, 403 when it tries to leave a sandbox or holds a control character
     *     or when the principal may not access the sandbox ({@code access_sandboxes}), 404 when it names nothing
     *     served
     */
    public Resolved resolve(String requested) {
        if (requested == null || requested.isEmpty()) {
            throw new HttpError(400, "Expecting 'path=value' in query.");
        }
        List<String> segments = segments(requested);
        for (int length = segments.size(); length >= 0; length--) {
            Sandbox sandbox = attached.get("/" + String.join("/", segments.subList(0, length)));
            if (sandbox != null) {
                approvals.requireSandboxAccess(sandbox.user(), requested);
                return new Resolved(requested, inside(requested, sandbox.directory(),
                        segments.subList(length, segments.size())));
            }
        }
        throw notFound(requested);
    }

    /** The entries of a directory, sorted by name, symlinks shown as links (their targets are not looked at). */
    public List<Entry> browse(String requested) {
        Resolved resolved = resolve(requested);
        if (!Files.isDirectory(resolved.real(), LinkOption.NOFOLLOW_LINKS)) {
            return List.of(); // Mesos lists nothing for a file
        }
        String base = requested.endsWith("/") ? requested.substring(0, requested.length() - 1) : requested;
        List<Entry> entries = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(resolved.real())) {
            for (Path child : children) {
                entry(base + "/" + child.getFileName(), child).ifPresent(entries::add);
            }
        } catch (IOException e) {
            throw new HttpError(404, "Cannot list '" + requested + "': " + describe(e));
        }
        entries.sort((a, b) -> a.path().compareTo(b.path()));
        return entries;
    }

    /**
     * Reads at most {@code length} bytes (null: to the end; capped at {@link #MAX_READ_LENGTH}) from {@code offset}.
     *
     * @throws HttpError 400 for a directory, and as {@link #resolve}
     */
    public Chunk read(String requested, long offset, Long length) {
        Resolved resolved = resolve(requested);
        if (Files.isDirectory(resolved.real(), LinkOption.NOFOLLOW_LINKS)) {
            throw new HttpError(400, "Cannot read a directory.");
        }
        try (FileChannel file = open(resolved)) {
            long size = file.size();
            if (offset >= size || (length != null && length == 0)) {
                return new Chunk(size, new byte[0]);
            }
            long wanted = length == null ? size - offset : Math.min(length, size - offset);
            ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(wanted, MAX_READ_LENGTH));
            while (buffer.hasRemaining()) {
                int read = file.read(buffer, offset + buffer.position());
                if (read < 0) {
                    break; // the file shrank meanwhile
                }
            }
            return new Chunk(size, Arrays.copyOf(buffer.array(), buffer.position()));
        } catch (IOException e) {
            throw new HttpError(404, "Cannot read '" + requested + "': " + describe(e));
        }
    }

    /**
     * Opens a file for download; the caller closes the channel.
     *
     * @throws HttpError 400 for a directory, and as {@link #resolve}
     */
    public FileChannel openForDownload(Resolved resolved) {
        if (Files.isDirectory(resolved.real(), LinkOption.NOFOLLOW_LINKS)) {
            throw new HttpError(400, "Cannot download a directory.");
        }
        try {
            return open(resolved);
        } catch (IOException e) {
            throw new HttpError(404, "Cannot read '" + resolved.requested() + "': " + describe(e));
        }
    }

    private static FileChannel open(Resolved resolved) throws IOException {
        return FileChannel.open(resolved.real(), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    }

    // ---- the checks ----

    /** The path's segments, without empty and {@code .} ones; refuses control characters and {@code ..}. */
    private static List<String> segments(String requested) {
        for (int i = 0; i < requested.length(); i++) {
            char c = requested.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new HttpError(403, "Path '" + printable(requested)
                        + "' is not served: it contains a control character (such as a NUL byte)");
            }
        }
        if (!requested.startsWith("/")) {
            throw notFound(requested); // every attached path is absolute
        }
        List<String> segments = new ArrayList<>();
        for (String segment : requested.split("/")) {
            if (segment.equals("..")) {
                throw new HttpError(403, "Path '" + requested + "' is not served: '..' is not allowed");
            }
            if (!segment.isEmpty() && !segment.equals(".")) {
                segments.add(segment);
            }
        }
        return segments;
    }

    /** The real path of {@code rest} below the attached {@code directory}, which it must not leave. */
    private static Path inside(String requested, Path directory, List<String> rest) {
        Path base;
        try {
            base = directory.toRealPath();
        } catch (IOException e) {
            throw new HttpError(404, "No such file or directory: '" + requested + "' (its sandbox is gone)");
        }
        Path candidate = base;
        for (String segment : rest) {
            candidate = candidate.resolve(segment);
        }
        Path real;
        try {
            real = candidate.toRealPath(); // follows every symlink on the way
        } catch (NoSuchFileException | NotDirectoryException e) {
            throw notFound(requested);
        } catch (AccessDeniedException | FileSystemLoopException e) {
            throw new HttpError(403, "Path '" + requested + "' is not served: " + describe(e));
        } catch (IOException e) {
            throw new HttpError(404, "No such file or directory: '" + requested + "' (" + describe(e) + ")");
        }
        if (!real.startsWith(base)) {
            throw new HttpError(403, "Path '" + requested + "' is not served: it leads outside its sandbox");
        }
        return real;
    }

    private static HttpError notFound(String requested) {
        return new HttpError(404, "No such file or directory: '" + requested
                + "' (this agent serves only its executors' sandboxes; see /files/debug)");
    }

    private static java.util.Optional<Entry> entry(String virtualPath, Path file) {
        try {
            PosixFileAttributes attributes = Files.readAttributes(file, PosixFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            Number nlink = (Number) Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
            int bits = permissionBits(attributes.permissions());
            char type = attributes.isDirectory() ? 'd' : attributes.isSymbolicLink() ? 'l'
                    : attributes.isRegularFile() ? '-' : attributes.isOther() ? 'p' : '-';
            int typeBits = attributes.isDirectory() ? 0040000 : attributes.isSymbolicLink() ? 0120000 : 0100000;
            return java.util.Optional.of(new Entry(virtualPath, nlink.longValue(), attributes.size(),
                    attributes.lastModifiedTime().toMillis() / 1000, typeBits | bits, type + modeString(bits),
                    attributes.owner().getName(), attributes.group().getName()));
        } catch (IOException | UnsupportedOperationException e) {
            return java.util.Optional.empty(); // gone meanwhile: Mesos skips entries it cannot stat
        }
    }

    private static int permissionBits(Set<PosixFilePermission> permissions) {
        int bits = 0;
        for (PosixFilePermission permission : permissions) {
            bits |= 1 << (8 - permission.ordinal()); // OWNER_READ is ordinal 0: bit 8 (0400)
        }
        return bits;
    }

    private static String modeString(int bits) {
        String letters = "rwxrwxrwx";
        StringBuilder mode = new StringBuilder(9);
        for (int i = 0; i < 9; i++) {
            mode.append((bits & (1 << (8 - i))) != 0 ? letters.charAt(i) : '-');
        }
        return mode.toString();
    }

    private static String describe(IOException e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private static String printable(String text) {
        StringBuilder out = new StringBuilder();
        for (char c : text.toCharArray()) {
            out.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return out.toString();
    }
}
