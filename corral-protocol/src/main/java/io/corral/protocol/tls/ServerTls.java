package io.corral.protocol.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * What an HTTPS server presents: a certificate chain and its private key, both PEM ({@code --tls-cert},
 * {@code --tls-key}), made into a Netty {@link SslContext} that speaks TLS 1.2 and 1.3 only.
 *
 * <p>The files are checked when read, so that a wrong pair stops the process at start with a message naming the
 * file, rather than failing every handshake later: the certificate must be valid now and its public key must match
 * the private key.
 *
 * <p>Immutable and thread-safe once built; {@link #newHandler} may be called from any I/O thread.
 */
public final class ServerTls {
    /** TLS 1.0 and 1.1 are deprecated (RFC 8996); every client Corral cares about speaks 1.2. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private final SslContext context;
    private final X509Certificate certificate;
    private final Path certFile;

    private ServerTls(SslContext context, X509Certificate certificate, Path certFile) {
        this.context = context;
        this.certificate = certificate;
        this.certFile = certFile;
    }

    /**
     * Reads a PEM certificate chain (the server's certificate first, then any intermediates) and its PEM private key
     * (PKCS#8, {@code BEGIN PRIVATE KEY}, unencrypted).
     *
     * @throws IllegalArgumentException with a one-line message naming the file when either is unreadable, the
     *                                  certificate has expired or the key is not the certificate's
     */
    public static ServerTls fromPem(Path certFile, Path keyFile) {
        List<X509Certificate> chain = Pem.readCertificates(certFile, "--tls-cert");
        X509Certificate leaf = chain.get(0);
        try {
            leaf.checkValidity();
        } catch (CertificateExpiredException e) {
            throw new IllegalArgumentException("The certificate in " + certFile + " (--tls-cert) expired on "
                    + leaf.getNotAfter().toInstant());
        } catch (CertificateNotYetValidException e) {
            throw new IllegalArgumentException("The certificate in " + certFile + " (--tls-cert) is not valid before "
                    + leaf.getNotBefore().toInstant());
        }
        PrivateKey key = Pem.readPrivateKey(keyFile, "--tls-key");
        requireMatch(leaf, key, certFile, keyFile);
        try {
            SslContext context = SslContextBuilder.forServer(key, chain.toArray(new X509Certificate[0]))
                    .sslProvider(SslProvider.JDK) // no native library to ship; the JDK's TLS is enough here
                    .protocols(PROTOCOLS)
                    .clientAuth(ClientAuth.NONE) // clients authenticate with HTTP Basic inside the tunnel
                    .build();
            return new ServerTls(context, leaf, certFile);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("Cannot serve TLS with " + certFile + " and " + keyFile + ": "
                    + e.getMessage(), e);
        }
    }

    /** Both flags or neither: a certificate without its key (or the reverse) is a usage mistake. */
    public static java.util.Optional<ServerTls> fromFlags(Path certFile, Path keyFile) {
        if (certFile == null && keyFile == null) {
            return java.util.Optional.empty();
        }
        if (certFile == null || keyFile == null) {
            throw new IllegalArgumentException("--tls-cert and --tls-key go together: pass both (PEM files) or"
                    + " neither");
        }
        return java.util.Optional.of(fromPem(certFile, keyFile));
    }

    /** A new TLS engine for one accepted connection. */
    public SslHandler newHandler(ByteBufAllocator allocator) {
        return context.newHandler(allocator);
    }

    /** The server's own certificate (the first of the chain). */
    public X509Certificate certificate() {
        return certificate;
    }

    @Override
    public String toString() {
        return "TLS with " + certFile + " (" + certificate.getSubjectX500Principal().getName() + ")";
    }

    /** Signs a challenge with the key and verifies it with the certificate's public key. */
    private static void requireMatch(X509Certificate leaf, PrivateKey key, Path certFile, Path keyFile) {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "Ed25519" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null) {
            return; // an unusual key type: let the TLS engine judge it
        }
        try {
            byte[] challenge = "corral".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(leaf.getPublicKey());
            verifier.update(challenge);
            if (verifier.verify(signature)) {
                return;
            }
        } catch (java.security.GeneralSecurityException e) {
            // falls through: a key of one type and a certificate of another do not match either
        }
        throw new IllegalArgumentException("The key in " + keyFile + " (--tls-key) is not the key of the certificate"
                + " in " + certFile + " (--tls-cert)");
    }
}
