package io.corral.agent.containerizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Finds user accounts by name, as the C library would: {@code getent passwd NAME} (so LDAP or other NSS sources
 * count), else {@code /etc/passwd} where there is no getent. Users found are remembered for a minute, so a burst of
 * launches for one user costs one lookup; unknown names are asked again each time (the account may be created).
 *
 * <p>Thread-safe (a concurrent cache; a lookup may run twice at once, harmlessly).
 */
final class UserLookup {
    private static final long CACHE_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final Path PASSWD = Path.of("/etc/passwd");

    private record Cached(TaskUser user, long atNanos) {}

    private final Optional<Path> getent = HostPrograms.find("getent");
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    Optional<TaskUser> find(String name) throws IOException {
        Cached cached = cache.get(name);
        if (cached != null && System.nanoTime() - cached.atNanos() < CACHE_NANOS) {
            return Optional.of(cached.user());
        }
        Optional<TaskUser> user = getent.isPresent() ? viaGetent(name) : viaPasswdFile(name);
        user.ifPresent(found -> cache.put(name, new Cached(found, System.nanoTime())));
        return user;
    }

    /** getent exits 2 for an unknown name and prints nothing. */
    private Optional<TaskUser> viaGetent(String name) throws IOException {
        Process process = new ProcessBuilder(getent.get().toString(), "passwd", name)
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("getent passwd " + name + " did not answer within 10s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while looking up user " + name, e);
        }
        if (process.exitValue() != 0 || output.isBlank()) {
            return Optional.empty();
        }
        return matching(output.lines().findFirst().orElse(""), name);
    }

    private static Optional<TaskUser> viaPasswdFile(String name) throws IOException {
        for (String line : Files.readAllLines(PASSWD, StandardCharsets.UTF_8)) {
            Optional<TaskUser> user = matching(line, name);
            if (user.isPresent()) {
                return user;
            }
        }
        return Optional.empty();
    }

    private static Optional<TaskUser> matching(String line, String name) {
        try {
            TaskUser user = TaskUser.parsePasswd(line);
            return user.name().equals(name) ? Optional.of(user) : Optional.empty();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
