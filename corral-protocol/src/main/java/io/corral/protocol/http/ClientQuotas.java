package io.corral.protocol.http;

import io.corral.protocol.security.RateLimits;
import java.net.InetAddress;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Counts each client's open connections and event streams against its limits ({@link RateLimits#maxConnections},
 * {@link RateLimits#maxStreams}), so that no single client can hold all of a server's sockets or make it buffer
 * for thousands of streams it never reads.
 *
 * <p>A client is its principal once a request of the connection authenticated; before that, and on a server that
 * authenticates nobody, it is the connection's remote address (so an anonymous flood from one machine is bounded,
 * while clients behind one address that authenticate are counted apart).
 *
 * <p>Threading: thread-safe. Counts live in a concurrent map and are changed atomically with
 * {@link ConcurrentHashMap#compute}; a client's entry goes when its count reaches 0, so the map holds only clients
 * with something open.
 */
public final class ClientQuotas {
    private final RateLimits limits;
    private final ConcurrentHashMap<Client, Integer> connections = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Client, Integer> streams = new ConcurrentHashMap<>();

    public ClientQuotas(RateLimits limits) {
        this.limits = limits;
    }

    /** Who is counted: a principal, or, without one, a remote address. */
    public record Client(Optional<String> principal, String address) {
        static Client of(Optional<String> principal, InetAddress address) {
            return principal.isPresent() ? new Client(principal, "")
                    : new Client(Optional.empty(), address == null ? "?" : address.getHostAddress());
        }

        @Override
        public String toString() {
            return principal.map(p -> "principal '" + p + "'").orElse("address " + address);
        }
    }

    /** Something counted against a client until released. Release is idempotent and thread-safe. */
    public final class Lease {
        private final Client client;
        private final ConcurrentHashMap<Client, Integer> counts;
        private final AtomicBoolean released = new AtomicBoolean();

        private Lease(Client client, ConcurrentHashMap<Client, Integer> counts) {
            this.client = client;
            this.counts = counts;
        }

        public Client client() {
            return client;
        }

        public void release() {
            if (released.compareAndSet(false, true)) {
                counts.computeIfPresent(client, (c, n) -> n <= 1 ? null : n - 1);
            }
        }
    }

    /** Counts one more connection for {@code client}; empty when it already has its most. */
    public Optional<Lease> openConnection(Client client) {
        return take(connections, client, limits.maxConnections(client.principal()), false);
    }

    /** Counts one more event stream for {@code client}; empty when it already has its most. */
    public Optional<Lease> openStream(Client client) {
        return take(streams, client, limits.maxStreams(client.principal()), false);
    }

    /** Counts a stream that is already open, whatever the limit (a handler that did not reserve one). */
    Lease countStream(Client client) {
        return take(streams, client, Integer.MAX_VALUE, true).orElseThrow();
    }

    public int maxConnections(Client client) {
        return limits.maxConnections(client.principal());
    }

    public int maxStreams(Client client) {
        return limits.maxStreams(client.principal());
    }

    /** Open connections of {@code client} now. */
    public int connections(Client client) {
        return connections.getOrDefault(client, 0);
    }

    /** Open (or reserved) streams of {@code client} now. */
    public int streams(Client client) {
        return streams.getOrDefault(client, 0);
    }

    private Optional<Lease> take(ConcurrentHashMap<Client, Integer> counts, Client client, int max, boolean force) {
        boolean[] taken = {false};
        counts.compute(client, (c, n) -> {
            int now = n == null ? 0 : n;
            if (now >= max && !force) {
                return n;
            }
            taken[0] = true;
            return now + 1;
        });
        return taken[0] ? Optional.of(new Lease(client, counts)) : Optional.empty();
    }
}
