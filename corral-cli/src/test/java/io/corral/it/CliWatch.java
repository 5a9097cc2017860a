package io.corral.it;

import io.corral.cli.Corral;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine;

/**
 * One run of the {@code corral} CLI on a thread of its own, whose output the test can read while it runs (to act
 * when a follower has printed something). Like {@link CliRun}, it swaps {@code System.out} and {@code System.err}
 * for the run: tests of one class run one at a time.
 */
final class CliWatch {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final CompletableFuture<CliRun> done = new CompletableFuture<>();

    private CliWatch() {
    }

    static CliWatch start(String... args) {
        CliWatch watch = new CliWatch();
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        System.setOut(new PrintStream(watch.out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(watch.err, true, StandardCharsets.UTF_8));
        Thread thread = new Thread(() -> {
            CliRun run = null;
            Throwable failure = null;
            try {
                int exit = new CommandLine(new Corral()).execute(args);
                run = new CliRun(exit, watch.out(), watch.err());
            } catch (Throwable t) {
                failure = t;
            } finally {
                // Restored before the test hears it is done: a CLI run the test starts next swaps them itself.
                System.setOut(savedOut);
                System.setErr(savedErr);
            }
            if (failure != null) {
                watch.done.completeExceptionally(failure);
            } else {
                watch.done.complete(run);
            }
        }, "cli-watch");
        thread.setDaemon(true);
        thread.start();
        return watch;
    }

    /** What it printed on stdout so far. */
    String out() {
        synchronized (out) { // ByteArrayOutputStream's methods synchronize on it
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    String err() {
        synchronized (err) {
            return err.toString(StandardCharsets.UTF_8);
        }
    }

    /** The finished run. */
    CompletableFuture<CliRun> done() {
        return done;
    }
}
