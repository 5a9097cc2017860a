package io.corral.agent;

import io.corral.protocol.tls.ClientTls;
import io.corral.protocol.tls.ServerTls;
import java.util.Objects;
import java.util.Optional;

/**
 * An agent's TLS: what its own HTTPS server presents ({@code --tls-cert}, {@code --tls-key}) and how its link to the
 * masters checks their certificates ({@code --tls-ca}).
 *
 * <p>An agent given a CA speaks HTTPS to the masters. One that serves TLS itself but was given no CA speaks HTTPS to
 * them too, trusting the JDK's CAs: a cluster is TLS throughout or not at all (Mesos's {@code MasterInfo} carries no
 * scheme to tell one master from another).
 *
 * <p>Immutable.
 */
public record AgentTls(Optional<ServerTls> server, Optional<ClientTls> masters, Optional<java.nio.file.Path> caFile) {
    public static final AgentTls NONE = new AgentTls(Optional.empty(), Optional.empty());

    public AgentTls {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(masters, "masters");
        Objects.requireNonNull(caFile, "caFile");
    }

    /** Without the CA file's path: executors then get no {@code LIBPROCESS_SSL_CA_FILE}. */
    public AgentTls(Optional<ServerTls> server, Optional<ClientTls> masters) {
        this(server, masters, Optional.empty());
    }

    /** What custom executors are told: HTTPS with the agent's {@code --tls-ca} when it serves TLS. */
    public ExecutorTls executors() {
        return server.isPresent() ? new ExecutorTls(true, caFile) : ExecutorTls.NONE;
    }

    /** How the link to the masters speaks: HTTPS with the given CA, or as above, or plain HTTP. */
    public Optional<ClientTls> toMasters() {
        return masters.or(() -> server.map(ignored -> ClientTls.systemTrust()));
    }
}
