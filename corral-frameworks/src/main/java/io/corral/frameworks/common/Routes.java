package io.corral.frameworks.common;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A framework's REST routes, tried in the order they were added. A pattern is a path whose parts may be named:
 * {@code {name}} matches one segment, {@code {name*}} one or more (for ids with slashes, {@code /v1/apps/{id*}/scale}).
 * Add the longer patterns first where a greedy part could swallow them.
 *
 * <p>Threading: build on one thread, then read-only (safe to share once {@link FrameworkHttp} started).
 */
public final class Routes {

    /** Serves one route; runs on a worker thread and may block (ZooKeeper, waiting for the framework's loop). */
    @FunctionalInterface
    public interface Route {
        ApiResponse handle(ApiRequest request) throws Exception;
    }

    /** A route found for a request, with the path's named parts. */
    public record Match(Route route, Map<String, String> params, boolean leaderOnly) {}

    private record Entry(String method, Pattern pattern, List<String> names, Route route, boolean leaderOnly) {}

    private static final Pattern PART = Pattern.compile("\\{([a-z_]+)(\\*?)}");

    private final List<Entry> entries = new ArrayList<>();

    public Routes get(String pattern, Route route) {
        return add("GET", pattern, route, true);
    }

    public Routes post(String pattern, Route route) {
        return add("POST", pattern, route, true);
    }

    public Routes put(String pattern, Route route) {
        return add("PUT", pattern, route, true);
    }

    public Routes delete(String pattern, Route route) {
        return add("DELETE", pattern, route, true);
    }

    /**
     * Adds a route. {@code leaderOnly} routes are answered by the leader alone (a standby redirects, 307, or answers
     * 503 when there is no leader); the others by any process.
     */
    public Routes add(String method, String pattern, Route route, boolean leaderOnly) {
        List<String> names = new ArrayList<>();
        StringBuilder regex = new StringBuilder();
        Matcher part = PART.matcher(pattern);
        int last = 0;
        while (part.find()) {
            regex.append(Pattern.quote(pattern.substring(last, part.start())));
            regex.append(part.group(2).isEmpty() ? "([^/]+)" : "([^?#]+?)");
            names.add(part.group(1));
            last = part.end();
        }
        regex.append(Pattern.quote(pattern.substring(last)));
        entries.add(new Entry(method, Pattern.compile(regex.toString()), names, route, leaderOnly));
        return this;
    }

    /** The route for {@code method} and {@code path}. */
    public Optional<Match> find(String method, String path) {
        for (Entry entry : entries) {
            if (!entry.method.equals(method)) {
                continue;
            }
            Matcher m = entry.pattern.matcher(path);
            if (m.matches()) {
                Map<String, String> params = new LinkedHashMap<>();
                for (int i = 0; i < entry.names.size(); i++) {
                    params.put(entry.names.get(i), m.group(i + 1));
                }
                return Optional.of(new Match(entry.route, params, entry.leaderOnly));
            }
        }
        return Optional.empty();
    }

    /** The methods some route serves at {@code path}, for 405 answers. */
    public List<String> methodsAt(String path) {
        return entries.stream().filter(e -> e.pattern.matcher(path).matches()).map(Entry::method).distinct().toList();
    }
}
