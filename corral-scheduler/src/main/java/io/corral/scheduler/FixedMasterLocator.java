package io.corral.scheduler;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A master given by URL. Any master of the cluster will do: a standby answers with a 307 to the leader, which this
 * locator then remembers, and it falls back to the configured URL when the remembered leader stops answering.
 *
 * <p>Threading: thread-safe (one atomic reference).
 */
public final class FixedMasterLocator implements MasterLocator {
    private final URI configured;
    private final AtomicReference<URI> current;

    /** @param url {@code http://host:port}, {@code https://host:port} (or {@code host:port}, plain HTTP) */
    public FixedMasterLocator(String url) {
        this(url, "http");
    }

    /** @param defaultScheme the scheme of a {@code host:port} without one: {@code https} for a TLS client */
    public FixedMasterLocator(String url, String defaultScheme) {
        this.configured = MasterAddresses.parseBase(url, defaultScheme);
        this.current = new AtomicReference<>(configured);
    }

    @Override
    public URI master(Duration timeout) {
        return current.get();
    }

    @Override
    public void redirected(URI from, URI leader) {
        current.set(leader);
    }

    @Override
    public void unreachable(URI master) {
        current.compareAndSet(master, configured);
    }

    @Override
    public String describe() {
        return configured.toString();
    }
}
