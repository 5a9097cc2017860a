package io.corral.agent;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a custom executor is told about the agent's TLS, as Mesos tells it: an agent serving HTTPS passes its executors
 * libprocess's TLS variables, and executor libraries (Mesos's default executor reads {@code LIBPROCESS_SSL_ENABLED})
 * then dial {@code https://$MESOS_AGENT_ENDPOINT}:
 * <ul>
 *   <li>{@code LIBPROCESS_SSL_ENABLED=true};</li>
 *   <li>{@code LIBPROCESS_SSL_VERIFY_SERVER_CERT=true} (and its legacy alias {@code LIBPROCESS_SSL_VERIFY_CERT}),
 *       with {@code LIBPROCESS_SSL_HOSTNAME_VALIDATION_SCHEME=openssl}: executors check the agent's certificate and
 *       that it names the host, the setting Mesos's docs/ssl.md recommends;</li>
 *   <li>{@code LIBPROCESS_SSL_CA_FILE}: the CA bundle the agent was given ({@code --tls-ca}), when it was.</li>
 * </ul>
 * Mesos executors inherit these (and the agent's own {@code LIBPROCESS_SSL_CERT_FILE} and {@code KEY_FILE}) from the
 * agent's environment; Corral never hands an executor, which runs a framework's code, the agent's private key.
 *
 * <p>Immutable.
 *
 * @param enabled whether the agent serves HTTPS
 * @param caFile  the CA bundle executors should trust, when known
 */
public record ExecutorTls(boolean enabled, Optional<Path> caFile) {
    public static final ExecutorTls NONE = new ExecutorTls(false, Optional.empty());

    public ExecutorTls {
        Objects.requireNonNull(caFile, "caFile");
    }

    /** Adds the variables to an executor's environment; nothing for an agent serving plain HTTP. */
    void addTo(Map<String, String> env) {
        if (!enabled) {
            return;
        }
        env.put("LIBPROCESS_SSL_ENABLED", "true");
        env.put("LIBPROCESS_SSL_VERIFY_SERVER_CERT", "true");
        env.put("LIBPROCESS_SSL_VERIFY_CERT", "true");
        env.put("LIBPROCESS_SSL_HOSTNAME_VALIDATION_SCHEME", "openssl");
        caFile.ifPresent(ca -> env.put("LIBPROCESS_SSL_CA_FILE", ca.toAbsolutePath().toString()));
    }
}
