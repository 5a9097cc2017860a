package io.corral.agent.http;

import io.corral.agent.AgentView;
import io.corral.protocol.http.HttpError;
import io.corral.protocol.http.HttpExchange;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How every HTTP reader of the agent's state gets it: the latest published {@link AgentView} (asked of the loop with
 * a timeout: a loop too busy to publish one in time gets the client a 503, never a stale or torn answer), then the
 * reader's work (rendering, file and {@code /proc} reads) on the agent's reader threads, off both the loop and the
 * network threads. Failures become HTTP answers here, in one place.
 *
 * <p>Thread-safe; the only mutable field is a volatile cache of the files of the latest view.
 */
public final class AgentReads {
    private static final Logger LOG = LoggerFactory.getLogger(AgentReads.class);

    private final Supplier<CompletableFuture<AgentView>> views;
    private final Executor readers;
    private final Duration timeout;
    /** The sandbox files of the latest view asked for, so a burst of file reads builds them once. */
    private volatile FilesOfView cached;

    private record FilesOfView(AgentView view, SandboxFiles files) {}

    public AgentReads(Supplier<CompletableFuture<AgentView>> views, Executor readers, Duration timeout) {
        this.views = views;
        this.readers = readers;
        this.timeout = timeout;
    }

    /** Runs {@code reader} on a reader thread with a current view. */
    public <T> CompletableFuture<T> read(Function<AgentView, T> reader) {
        return views.get().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).thenApplyAsync(reader, readers);
    }

    /** Runs {@code reader} on a reader thread with the part of a current view that {@code approvals} may see. */
    public <T> CompletableFuture<T> readVisible(Approvals approvals, Function<AgentView, T> reader) {
        return read(view -> reader.apply(VisibleView.of(view, approvals)));
    }

    /**
     * Runs {@code reader} on a reader thread with the sandboxes of a current view, as served to a principal with
     * {@code approvals} ({@code access_sandboxes}).
     */
    public <T> CompletableFuture<T> readFiles(Approvals approvals, Function<SandboxFiles, T> reader) {
        return read(view -> reader.apply(filesOf(view).restrictedTo(approvals)));
    }

    private SandboxFiles filesOf(AgentView view) {
        FilesOfView last = cached;
        if (last != null && last.view() == view) {
            return last.files();
        }
        SandboxFiles files = SandboxFiles.of(view);
        cached = new FilesOfView(view, files);
        return files;
    }

    /** Answers the exchange with the failure: an {@link HttpError} as itself, a busy or closed loop as 503. */
    public static void fail(HttpExchange exchange, Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof HttpError error) {
            exchange.respondText(error.status(), error.getMessage());
        } else if (cause instanceof TimeoutException) {
            exchange.respondText(503, "The agent is busy: its state could not be read in time; retry");
        } else if (cause instanceof RejectedExecutionException) {
            exchange.respondText(503, "The agent is stopping");
        } else {
            LOG.error("{} {} failed", exchange.method(), exchange.uri(), cause);
            exchange.respondError(cause);
        }
    }
}
