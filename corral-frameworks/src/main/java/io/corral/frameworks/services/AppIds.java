package io.corral.frameworks.services;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * App ids and the names derived from them. An id is a path of lowercase segments ({@code prod/web}), each of
 * {@code [a-z0-9-]} starting and ending with a letter or digit, as Marathon's path ids but simpler; a leading
 * {@code /} is accepted and dropped. Segments named like the API's actions ({@code scale}, {@code restart}...) are
 * refused, so {@code /v1/apps/{id}/scale} is never ambiguous.
 *
 * <p>Znode names ({@link #key}) replace {@code /} with {@code .}; task ids are {@code <key>.<uuid>}, so the app of
 * any task id is known without a lookup. Stateless.
 */
public final class AppIds {
    public static final int MAX_LENGTH = 128;
    private static final Pattern SEGMENT = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?");
    static final Set<String> RESERVED = Set.of("scale", "restart", "rollback", "versions", "tasks");

    private AppIds() {
    }

    /** Why {@code id} is not a valid app id, or empty when it is (after {@link #normalize}). */
    public static Optional<String> problem(String id) {
        if (id == null || id.isEmpty()) {
            return Optional.of("is required");
        }
        if (id.length() > MAX_LENGTH) {
            return Optional.of("must be at most " + MAX_LENGTH + " characters");
        }
        for (String segment : id.split("/", -1)) {
            if (!SEGMENT.matcher(segment).matches()) {
                return Optional.of("must be segments of lowercase letters, digits and '-' separated by '/', each"
                        + " starting and ending with a letter or digit (e.g. prod/web); '" + segment + "' is not");
            }
            if (RESERVED.contains(segment)) {
                return Optional.of("must not have a segment named '" + segment + "' (reserved for the API)");
            }
        }
        return Optional.empty();
    }

    /** Drops one leading {@code /}. */
    public static String normalize(String id) {
        return id != null && id.startsWith("/") ? id.substring(1) : id;
    }

    /** The znode name of an app: {@code prod/web} is {@code prod.web}. */
    public static String key(String id) {
        return id.replace('/', '.');
    }

    /** A new task id for an instance of app {@code id}. */
    public static String newTaskId(String id) {
        return key(id) + "." + UUID.randomUUID();
    }

    /** The app a task id belongs to, when it is one of ours. */
    public static Optional<String> appOf(String taskId) {
        int dot = taskId.lastIndexOf('.');
        if (dot <= 0) {
            return Optional.empty();
        }
        String id = taskId.substring(0, dot).replace('.', '/');
        return problem(id).isEmpty() ? Optional.of(id) : Optional.empty();
    }

    public static List<String> reserved() {
        return RESERVED.stream().sorted().toList();
    }
}
