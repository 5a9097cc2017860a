package io.corral.zookeeper;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Objects;
import java.util.Optional;
import org.apache.zookeeper.util.PemReader;

/**
 * A ZooKeeper server's secure client port ({@code corral zk --secure-port}): ZooKeeper's {@code secureClientPort},
 * served by its Netty connection factory with the server's certificate.
 *
 * @param securePort  the TLS client port
 * @param keyStore    one PEM file with the server's certificate chain and its unencrypted PKCS#8 private key
 *                    (ZooKeeper's PEM key store; the certificate must name the host clients dial)
 * @param clientCa    when present, clients must present a certificate signed by a CA in this PEM bundle
 *                    (ZooKeeper's {@code ssl.clientAuth=need}); when absent none is asked for, and clients
 *                    authenticate with ZooKeeper's digest scheme inside the tunnel, as Corral's do
 * @param tlsOnly     no plain client port at all
 */
public record ZkServerTls(int securePort, Path keyStore, Optional<Path> clientCa, boolean tlsOnly) {

    public ZkServerTls {
        Objects.requireNonNull(keyStore, "keyStore");
        Objects.requireNonNull(clientCa, "clientCa");
        if (securePort < 1 || securePort > 65535) {
            throw new IllegalArgumentException("ZooKeeper secure client port " + securePort
                    + " is out of range: use 1..65535");
        }
    }

    /**
     * Reads both files as ZooKeeper will, so that a bad one stops the server at start with one line naming it.
     *
     * @throws IllegalArgumentException naming the file
     */
    public ZkServerTls checked() {
        File pem = keyStore.toFile();
        try {
            requireReadable(keyStore, "--tls-cert");
            PemReader.loadKeyStore(pem, pem, Optional.empty());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("Cannot read a certificate and its private key from " + keyStore
                    + " (--tls-cert: one PEM file with the certificate chain and the unencrypted PKCS#8 key): "
                    + e.getMessage(), e);
        }
        clientCa.ifPresent(ca -> {
            try {
                requireReadable(ca, "--tls-client-ca");
                if (PemReader.loadTrustStore(ca.toFile()).size() == 0) {
                    throw new IllegalArgumentException(ca + " (--tls-client-ca) holds no PEM certificate");
                }
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalArgumentException("Cannot read the CAs in " + ca + " (--tls-client-ca): "
                        + e.getMessage(), e);
            }
        });
        return this;
    }

    private static void requireReadable(Path file, String flag) {
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException("Cannot read " + file + " (" + flag
                    + "): check the path and its permissions");
        }
    }
}
