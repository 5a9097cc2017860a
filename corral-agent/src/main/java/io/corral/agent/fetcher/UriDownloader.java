package io.corral.agent.fetcher;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscribers;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Copies what a {@code CommandInfo.URI} names into a local file: an absolute path or a {@code file://} URI is
 * copied; an {@code http://} or {@code https://} URL is downloaded with the JDK's HTTP client (redirects followed),
 * within a time limit for the whole download and a size cap (checked against {@code Content-Length} first, then while
 * the body arrives, so a server that lies or streams forever is cut off). Other schemes (hdfs, s3, ftp...) and
 * relative paths (Mesos resolves them against {@code --frameworks_home}, which Corral does not have) are refused.
 *
 * <p>Threading: thread-safe (the HTTP client is); {@link #download} blocks, so call it on a worker thread.
 */
final class UriDownloader {
    private final HttpClient http;
    private final Duration timeout;
    private final long maxBytes;

    UriDownloader(Duration timeout, long maxBytes) {
        this.timeout = timeout;
        this.maxBytes = maxBytes;
        this.http = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    /** Writes the URI's content to {@code target} (replacing it); throws {@link FetchException} saying why not. */
    void download(String uri, Path target) throws IOException {
        String lower = uri.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            downloadHttp(uri, target);
        } else if (lower.startsWith("file://") || uri.startsWith("/")) {
            copyLocal(uri, target);
        } else if (lower.matches("^[a-z][a-z0-9+.-]*://.*")) {
            throw new FetchException("'" + uri + "': unsupported scheme (this agent fetches absolute paths,"
                    + " file://, http:// and https://)");
        } else {
            throw new FetchException("'" + uri + "' is a relative path; give an absolute path or a URL");
        }
    }

    /** The name a URI's content gets in the sandbox without {@code output_file}: the last segment of its path. */
    static String basename(String uri) throws FetchException {
        String path;
        if (uri.startsWith("/")) {
            path = uri;
        } else {
            try {
                path = new URI(uri).getPath();
            } catch (URISyntaxException e) {
                throw new FetchException("'" + uri + "' is not a valid URI: " + e.getMessage());
            }
        }
        if (path != null) {
            while (path.endsWith("/")) {
                path = path.substring(0, path.length() - 1);
            }
        }
        if (path == null || path.isEmpty() || path.substring(path.lastIndexOf('/') + 1).isEmpty()) {
            throw new FetchException("'" + uri + "' names no file; set output_file");
        }
        return path.substring(path.lastIndexOf('/') + 1);
    }

    private static void copyLocal(String uri, Path target) throws IOException {
        Path source;
        try {
            source = uri.startsWith("/") ? Path.of(uri) : Path.of(new URI(uri));
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new FetchException("'" + uri + "' is not a valid file URI: " + e.getMessage());
        }
        if (!Files.exists(source)) {
            throw new FetchException("'" + source + "' does not exist");
        }
        if (!Files.isRegularFile(source)) {
            throw new FetchException("'" + source + "' is not a regular file");
        }
        try {
            Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new FetchException("Cannot copy '" + source + "': " + e.getMessage(), e);
        }
    }

    private void downloadHttp(String uri, Path target) throws IOException {
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(new URI(uri)).timeout(timeout).GET().build();
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new FetchException("'" + uri + "' is not a valid URL: " + e.getMessage());
        }
        CompletableFuture<Long> done = new CompletableFuture<>();
        CompletableFuture<HttpResponse<Void>> response;
        try (FileChannel file = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            response = http.sendAsync(request, info -> {
                if (info.statusCode() < 200 || info.statusCode() > 299) {
                    done.completeExceptionally(new FetchException("'" + uri + "': HTTP " + info.statusCode()));
                    return BodySubscribers.replacing(null);
                }
                long length = info.headers().firstValueAsLong("Content-Length").orElse(-1);
                if (length > maxBytes) {
                    done.completeExceptionally(tooLarge(uri, length + " bytes"));
                    return BodySubscribers.replacing(null);
                }
                return BodySubscribers.fromSubscriber(new CappedFileWriter(file, uri, done), writer -> null);
            });
            response.whenComplete((ignored, failure) -> {
                if (failure != null) {
                    done.completeExceptionally(failure);
                }
            });
            try {
                done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                response.cancel(true);
                throw new FetchException("'" + uri + "': not downloaded within " + timeout.toSeconds() + " s");
            } catch (InterruptedException e) {
                response.cancel(true);
                Thread.currentThread().interrupt();
                throw new FetchException("'" + uri + "': interrupted");
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof FetchException fetch) {
                    throw fetch;
                }
                throw new FetchException("'" + uri + "': " + describe(cause), cause);
            }
        }
    }

    private FetchException tooLarge(String uri, String size) {
        return new FetchException("'" + uri + "' is larger (" + size + ") than the agent's limit of " + maxBytes
                + " bytes");
    }

    private static String describe(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getMessage() == null) {
            cause = cause.getCause();
        }
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }

    /** Writes the body as it arrives; cancels the download once it passes the cap. */
    private final class CappedFileWriter implements Flow.Subscriber<List<ByteBuffer>> {
        private final FileChannel file;
        private final String uri;
        private final CompletableFuture<Long> done;
        private Flow.Subscription subscription;
        private long written;

        CappedFileWriter(FileChannel file, String uri, CompletableFuture<Long> done) {
            this.file = file;
            this.uri = uri;
            this.done = done;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            if (done.isDone()) { // timed out or failed: stop
                subscription.cancel();
                return;
            }
            try {
                for (ByteBuffer buffer : buffers) {
                    written += buffer.remaining();
                    if (written > maxBytes) {
                        subscription.cancel();
                        done.completeExceptionally(tooLarge(uri, "more than " + maxBytes + " bytes"));
                        return;
                    }
                    while (buffer.hasRemaining()) {
                        file.write(buffer);
                    }
                }
            } catch (IOException e) {
                subscription.cancel();
                done.completeExceptionally(new FetchException("'" + uri + "': cannot write it: " + e.getMessage()));
                return;
            }
            subscription.request(1);
        }

        @Override
        public void onError(Throwable failure) {
            done.completeExceptionally(failure);
        }

        @Override
        public void onComplete() {
            done.complete(written);
        }
    }
}
