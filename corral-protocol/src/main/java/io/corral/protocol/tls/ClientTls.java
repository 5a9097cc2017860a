package io.corral.protocol.tls;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/**
 * How a client (an agent's link to its master, the SDK, the CLI) checks the servers it speaks HTTPS to: against a CA
 * bundle ({@code --tls-ca}, PEM), or the JDK's trusted CAs when given none. Hostname verification is always on: the
 * JDK's HTTP client checks that the certificate names the host it dialled (a SAN DNS name or IP address), so a
 * certificate issued by the right CA to another machine is refused as well.
 *
 * <p>A client with a {@code ClientTls} speaks HTTPS to every master it finds, by ZooKeeper or by redirect: Mesos's
 * {@code MasterInfo} has no scheme, so TLS is a property of the whole cluster, as Mesos's
 * {@code LIBPROCESS_SSL_ENABLED} makes it.
 *
 * <p>Immutable and thread-safe.
 */
public final class ClientTls {
    public static final String SCHEME = "https";

    private final SSLContext context;
    private final String trusts;

    private ClientTls(SSLContext context, String trusts) {
        this.context = context;
        this.trusts = trusts;
    }

    /**
     * Trusts the CA certificates in a PEM bundle, and only them.
     *
     * @throws IllegalArgumentException with a one-line message naming the file when it holds no certificate
     */
    public static ClientTls trusting(Path caBundle) {
        List<X509Certificate> authorities = Pem.readCertificates(caBundle, "--tls-ca");
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < authorities.size(); i++) {
                store.setCertificateEntry("ca-" + i, authorities.get(i));
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return new ClientTls(context, caBundle.toString());
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalArgumentException("Cannot trust the CAs in " + caBundle + " (--tls-ca): "
                    + e.getMessage(), e);
        }
    }

    /** Trusts the JDK's CAs: for masters whose certificates a public CA signed. */
    public static ClientTls systemTrust() {
        try {
            return new ClientTls(SSLContext.getDefault(), "the JDK's trusted CAs");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("The JDK has no default TLS context", e);
        }
    }

    /** A context built elsewhere (a key store, client certificates); {@code trusts} names it in messages. */
    public static ClientTls of(SSLContext context, String trusts) {
        return new ClientTls(java.util.Objects.requireNonNull(context, "context"), trusts);
    }

    /** {@code --tls-ca FILE} if given, else nothing (plain HTTP). */
    public static Optional<ClientTls> fromFlag(Path caBundle) {
        return Optional.ofNullable(caBundle).map(ClientTls::trusting);
    }

    public SSLContext sslContext() {
        return context;
    }

    /** TLS 1.2 and 1.3 only, and the certificate must name the host (hostname verification). */
    public SSLParameters sslParameters() {
        SSLParameters parameters = context.getDefaultSSLParameters();
        parameters.setProtocols(ServerTls.PROTOCOLS.toArray(new String[0]));
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        return parameters;
    }

    /** Makes {@code builder}'s client verify servers this way. */
    public HttpClient.Builder configure(HttpClient.Builder builder) {
        return builder.sslContext(context).sslParameters(sslParameters());
    }

    /** An HTTP client builder for {@code tls}: configured when present, plain otherwise. */
    public static HttpClient.Builder builder(Optional<ClientTls> tls) {
        HttpClient.Builder builder = HttpClient.newBuilder();
        return tls.map(t -> t.configure(builder)).orElse(builder);
    }

    /** The URL scheme clients with {@code tls} use: {@code https} when present, {@code http} otherwise. */
    public static String scheme(Optional<ClientTls> tls) {
        return tls.isPresent() ? SCHEME : "http";
    }

    /** What this client trusts, for messages: the CA file, or the JDK's CAs. */
    public String trusts() {
        return trusts;
    }

    @Override
    public String toString() {
        return "TLS trusting " + trusts;
    }
}
