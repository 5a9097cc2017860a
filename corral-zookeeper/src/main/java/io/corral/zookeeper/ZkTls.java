package io.corral.zookeeper;

import io.corral.protocol.tls.TlsFailures;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.util.PemReader;

/**
 * How a Corral client speaks TLS to ZooKeeper's secure client port ({@code --zk-tls-ca}, {@code --zk-tls-cert}): the
 * CA bundle the servers' certificates must chain to, and, for ensembles that demand client certificates (ZooKeeper's
 * default {@code ssl.clientAuth=need}), a PEM file holding the client's certificate chain and its unencrypted PKCS#8
 * private key together, the one-file PEM key store ZooKeeper reads.
 *
 * <p>Everything goes into one {@link ZKClientConfig} per client ({@link #clientConfig()}), never into JVM-wide
 * system properties: a master, an agent and a framework in one JVM may each use another CA, or none. Servers are
 * checked as the JDK checks HTTPS servers: the chain must lead to a CA of the bundle, and the certificate must name
 * the host dialled (ZooKeeper's {@code ssl.hostnameVerification}, on).
 *
 * <p>Immutable; thread-safe.
 *
 * @param caBundle        PEM file of the CA certificates to trust
 * @param clientKeyStore  PEM file with the client certificate chain and its private key, when the ensemble asks for one
 */
public record ZkTls(Path caBundle, Optional<Path> clientKeyStore) {

    public static final String CA_FLAG = "--zk-tls-ca";
    public static final String CERT_FLAG = "--zk-tls-cert";
    private static final String NETTY_SOCKET = "org.apache.zookeeper.ClientCnxnSocketNetty";

    public ZkTls {
        Objects.requireNonNull(caBundle, "caBundle");
        Objects.requireNonNull(clientKeyStore, "clientKeyStore");
    }

    /**
     * TLS trusting the CAs in {@code caBundle}, presenting {@code clientKeyStore} when not null; both files are read
     * now, so a bad one stops the command at start.
     *
     * @throws IllegalArgumentException with one line naming the file and its flag
     */
    public static ZkTls of(Path caBundle, Path clientKeyStore) {
        ZkTls tls = new ZkTls(caBundle, Optional.ofNullable(clientKeyStore));
        tls.trustStore();
        tls.keyStore();
        return tls;
    }

    /** {@code --zk-tls-ca} and {@code --zk-tls-cert} as given: none without a CA; a certificate alone is refused. */
    public static Optional<ZkTls> fromFlags(Path caBundle, Path clientKeyStore) {
        if (caBundle == null) {
            if (clientKeyStore != null) {
                throw new IllegalArgumentException(CERT_FLAG + " needs " + CA_FLAG
                        + " FILE too: the CA that signed the ZooKeeper servers' certificates");
            }
            return Optional.empty();
        }
        return Optional.of(of(caBundle, clientKeyStore));
    }

    /**
     * The client settings for ZooKeeper: the Netty socket (the only one that speaks TLS), the trust store and, when
     * given, the key store, both in ZooKeeper's PEM format. Every TLS key is set, to "" where unused: a
     * {@link ZKClientConfig} starts from the JVM's {@code zookeeper.ssl.*} properties (an embedded server in the
     * same JVM sets them), and none of those must leak into this client.
     */
    public ZKClientConfig clientConfig() {
        ZKClientConfig config = new ZKClientConfig();
        config.setProperty(ZKClientConfig.SECURE_CLIENT, "true");
        config.setProperty(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET, NETTY_SOCKET);
        config.setProperty("zookeeper.ssl.trustStore.location", caBundle.toAbsolutePath().toString());
        config.setProperty("zookeeper.ssl.trustStore.type", "PEM");
        config.setProperty("zookeeper.ssl.trustStore.password", "");
        config.setProperty("zookeeper.ssl.trustStore.passwordPath", "");
        config.setProperty("zookeeper.ssl.keyStore.location",
                clientKeyStore.map(p -> p.toAbsolutePath().toString()).orElse(""));
        config.setProperty("zookeeper.ssl.keyStore.type", "PEM");
        config.setProperty("zookeeper.ssl.keyStore.password", "");
        config.setProperty("zookeeper.ssl.keyStore.passwordPath", "");
        config.setProperty("zookeeper.ssl.hostnameVerification", "true");
        return config;
    }

    /**
     * Sockets that check servers as ZooKeeper's client does (this CA bundle, hostname verification) and present the
     * client certificate when there is one: for four-letter words and probes to a TLS-only client port.
     */
    public SSLSocketFactory socketFactory() {
        return sslContext().getSocketFactory();
    }

    /** TLS 1.2+ and HTTPS-style hostname verification, for sockets of {@link #socketFactory()}. */
    public static void verifyHostname(SSLSocket socket) {
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        parameters.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        socket.setSSLParameters(parameters);
    }

    /**
     * Why no server of {@code connectString} would take this client, when TLS is why: a TLS handshake with each, and
     * the first refusal in one line (a CA that did not sign the server's certificate, a certificate for another
     * host, a port that does not speak TLS). Empty when no server refused TLS (they are down, or fine).
     */
    public Optional<String> diagnose(String connectString, Duration timeout) {
        int millis = Math.toIntExact(Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        for (String address : connectString.split(",")) {
            int colon = address.lastIndexOf(':');
            String host = address.substring(0, colon).replace("[", "").replace("]", "");
            int port = Integer.parseInt(address.substring(colon + 1));
            try (java.net.Socket plain = new java.net.Socket()) {
                plain.connect(new InetSocketAddress(host, port), millis);
                plain.setSoTimeout(millis);
                try (SSLSocket socket = (SSLSocket) socketFactory().createSocket(plain, host, port, false)) {
                    verifyHostname(socket);
                    socket.startHandshake();
                }
            } catch (IOException e) {
                Optional<String> why = TlsFailures.describe(e, "ZooKeeper " + address, caBundle.toString(), CA_FLAG);
                if (why.isPresent()) {
                    return why;
                }
            }
        }
        return Optional.empty();
    }

    private SSLContext sslContext() {
        try {
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trustStore());
            KeyManagerFactory keys = null;
            Optional<KeyStore> keyStore = keyStore();
            if (keyStore.isPresent()) {
                keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(keyStore.get(), new char[0]);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot set up TLS towards ZooKeeper: " + e.getMessage(), e);
        }
    }

    /** The CA bundle, read as ZooKeeper reads it. */
    private KeyStore trustStore() {
        try {
            requireReadable(caBundle, CA_FLAG);
            KeyStore store = PemReader.loadTrustStore(caBundle.toFile());
            if (store.size() == 0) {
                throw new IllegalArgumentException(caBundle + " (" + CA_FLAG + ") holds no PEM certificate");
            }
            return store;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("Cannot read the CAs in " + caBundle + " (" + CA_FLAG + "): "
                    + e.getMessage(), e);
        }
    }

    /** The client's certificate and key, read as ZooKeeper reads its PEM key store. */
    private Optional<KeyStore> keyStore() {
        if (clientKeyStore.isEmpty()) {
            return Optional.empty();
        }
        Path file = clientKeyStore.get();
        try {
            requireReadable(file, CERT_FLAG);
            File pem = file.toFile();
            return Optional.of(PemReader.loadKeyStore(pem, pem, Optional.empty()));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("Cannot read a certificate and its private key from " + file + " ("
                    + CERT_FLAG + ": one PEM file with the certificate chain and the unencrypted PKCS#8 key,"
                    + " -----BEGIN PRIVATE KEY-----): " + e.getMessage(), e);
        }
    }

    private static void requireReadable(Path file, String flag) {
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException("Cannot read " + file + " (" + flag
                    + "): check the path and its permissions");
        }
    }

    @Override
    public String toString() {
        return "TLS trusting " + caBundle + clientKeyStore.map(k -> ", presenting " + k).orElse("");
    }
}
