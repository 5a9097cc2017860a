package io.corral.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Copies files of a task's sandbox ({@code stdout}, {@code stderr}) to the terminal as they grow, as {@code docker logs
 * -f} does: each file is read from where the last read stopped, through the agent's {@code READ_FILE}.
 *
 * <p>{@link #follow} polls with backoff: at once again while there is new output, then 50 ms, doubling up to 1 s
 * while there is none. It ends once {@code ended} said so and a read after that found nothing new, so everything the
 * task wrote before it ended is printed.
 *
 * <p>Threading: one thread uses an instance (the offsets are its state); the agent client is thread-safe.
 */
final class SandboxOutput {
    static final Duration FIRST_WAIT = Duration.ofMillis(50);
    static final Duration MAX_WAIT = Duration.ofSeconds(1);

    /** One file to copy and where to. */
    static final class Target {
        final String file;
        final PrintStream to;
        long offset;
        boolean seen;

        Target(String file, PrintStream to) {
            this.file = file;
            this.to = to;
        }
    }

    private final AgentClient agent;
    private final String directory;
    private final List<Target> targets;

    SandboxOutput(AgentClient agent, String directory, List<Target> targets) {
        this.agent = agent;
        this.directory = directory;
        this.targets = List.copyOf(targets);
    }

    /**
     * Copies what each file has beyond what was copied so far (one read each); true when something was.
     *
     * @param missingIsFine a file that is not there (yet) counts as empty; otherwise it throws
     * @throws AgentClient.FileGoneException when a file is not there and {@code missingIsFine} is false
     * @throws AgentClient.AgentUnavailableException when the agent cannot be reached
     */
    boolean copyNew(boolean missingIsFine) throws InterruptedException {
        boolean copied = false;
        for (Target target : targets) {
            AgentClient.Chunk chunk;
            try {
                chunk = agent.read(directory + "/" + target.file, target.offset);
            } catch (AgentClient.FileGoneException e) {
                if (missingIsFine) {
                    continue;
                }
                throw e;
            }
            target.seen = true;
            if (chunk.data().length > 0) {
                target.to.write(chunk.data(), 0, chunk.data().length);
                target.to.flush();
                target.offset += chunk.data().length;
                copied = true;
            }
        }
        return copied;
    }

    /** Copies everything there is now, to the end of each file. */
    void drain(boolean missingIsFine) throws InterruptedException {
        while (copyNew(missingIsFine)) {
            // until a round finds nothing new
        }
    }

    /**
     * Copies new output as it comes until {@code ended} is true and everything written before has been copied. Files
     * that are not there count as empty: {@link #sawNothing} tells afterwards whether any was.
     */
    void follow(BooleanSupplier ended) throws InterruptedException {
        Duration wait = FIRST_WAIT;
        while (true) {
            boolean over = ended.getAsBoolean(); // asked before reading: output written before the end is read after
            boolean copied = copyNew(true); // a file the task has not written yet is empty so far
            if (over && !copied) {
                return;
            }
            if (copied) {
                wait = FIRST_WAIT;
            } else {
                Thread.sleep(wait.toMillis());
                wait = wait.multipliedBy(2).compareTo(MAX_WAIT) > 0 ? MAX_WAIT : wait.multipliedBy(2);
            }
        }
    }

    /** True when no file could be read at all (none existed). */
    boolean sawNothing() {
        return targets.stream().noneMatch(target -> target.seen);
    }
}
