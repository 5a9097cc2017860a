package io.corral.protocol.tls;

import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.util.Optional;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * Turns the JDK's TLS failures (long chains of "PKIX path building failed: ...") into one line that says what is
 * wrong and what to pass, for clients to print or log.
 *
 * <p>Stateless; thread-safe.
 */
public final class TlsFailures {
    private TlsFailures() {
    }

    /**
     * One line about {@code failure} when it is a TLS failure talking to {@code address}, else empty.
     *
     * @param trusts what the client trusted, e.g. the {@code --tls-ca} file (see {@link ClientTls#trusts()})
     */
    public static Optional<String> describe(Throwable failure, String address, String trusts) {
        return describe(failure, address, trusts, "--tls-ca");
    }

    /**
     * As above, for a client whose CA comes from {@code caFlag} (e.g. {@code --zk-tls-ca}), which the message names.
     */
    public static Optional<String> describe(Throwable failure, String address, String trusts, String caFlag) {
        SSLException tls = find(failure, SSLException.class);
        if (tls == null) {
            return Optional.empty();
        }
        String all = messages(failure);
        if (find(failure, CertificateExpiredException.class) != null || all.contains("validity check failed")) {
            return Optional.of("the TLS certificate of " + address + " has expired (or is not valid yet)");
        }
        if (all.contains("No subject alternative") || all.contains("No name matching")) {
            return Optional.of("the TLS certificate of " + address + " does not name that host (hostname"
                    + " verification failed): connect by a name or IP address its certificate lists");
        }
        if (find(failure, CertPathValidatorException.class) != null || all.contains("PKIX path")
                || all.contains("unable to find valid certification path")) {
            return Optional.of("the TLS certificate of " + address + " is not signed by a CA in " + trusts
                    + ": refusing it (pass the cluster's CA with " + caFlag + " FILE"
                    + (caFlag.equals("--tls-ca") ? " or CORRAL_TLS_CA)" : ")"));
        }
        if (all.contains("Unsupported or unrecognized SSL message") || all.contains("plaintext connection")) {
            return Optional.of(caFlag.equals("--tls-ca")
                    ? address + " does not speak TLS: it serves plain HTTP (drop --tls-ca, or start it with"
                    + " --tls-cert and --tls-key)"
                    : address + " does not speak TLS: it is a plain port (drop " + caFlag + ", or name the"
                    + " servers' secure client ports)");
        }
        if (tls instanceof SSLHandshakeException) {
            return Optional.of("TLS handshake with " + address + " failed: " + tls.getMessage());
        }
        return Optional.of("TLS with " + address + " failed: " + tls.getMessage());
    }

    private static <T extends Throwable> T find(Throwable failure, Class<T> type) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    private static String messages(Throwable failure) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = failure; t != null && all.length() < 10_000; t = t.getCause()) {
            all.append(t.getMessage()).append('\n');
            if (t.getCause() == t) {
                break;
            }
        }
        return all.toString();
    }
}
