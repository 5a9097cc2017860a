package io.corral.bench.charts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Where a benchmark run writes its charts and the CSV behind each: the directory named by {@code BENCH_RESULTS}, or
 * else a new {@code target/bench-results/<benchmark>-<UTC timestamp>/} under the working directory. File names start
 * with the benchmark's name, so several benchmarks can share one directory (e.g. {@code BENCH_RESULTS=docs/charts}).
 *
 * <p>Threading: immutable.
 */
public final class ResultsDirectory {
    /** The environment variable naming the directory. */
    public static final String ENV = "BENCH_RESULTS";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
            .withZone(ZoneOffset.UTC);

    private final Path path;

    private ResultsDirectory(Path path) {
        this.path = path;
    }

    /** Creates the directory for a run of {@code benchmark} and prints where it is. */
    public static ResultsDirectory create(String benchmark, Clock clock) throws IOException {
        return create(benchmark, clock, null);
    }

    /** As {@link #create(String, Clock)}, in {@code asked} if not null (a benchmark's own option). */
    public static ResultsDirectory create(String benchmark, Clock clock, String asked) throws IOException {
        if (asked == null) {
            asked = System.getenv(ENV);
        }
        Path path;
        if (asked != null && !asked.isBlank()) {
            path = Path.of(asked);
        } else {
            Path base = Path.of("target", "bench-results", benchmark + "-" + STAMP.format(clock.instant()));
            path = base;
            // Two runs in the same second (the smoke tests) must not share a directory.
            for (int n = 2; Files.exists(path); n++) {
                path = base.resolveSibling(base.getFileName() + "-" + n);
            }
        }
        Files.createDirectories(path);
        ResultsDirectory results = new ResultsDirectory(path.toAbsolutePath());
        System.out.println("results: " + results.path + " (PNG charts and the CSV behind each)");
        return results;
    }

    public Path path() {
        return path;
    }

    Path file(String name) {
        return path.resolve(name);
    }
}
