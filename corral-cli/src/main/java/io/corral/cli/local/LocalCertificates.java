package io.corral.cli.local;

import io.corral.protocol.tls.Pem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The TLS material of one {@code corral local --tls}: a CA of its own and one server certificate it signed, for
 * {@code 127.0.0.1} and {@code localhost} (SAN IP address and DNS name, so hostname verification passes whichever a
 * client dials), which every master and agent of the cluster presents. Made with Bouncy Castle's X.509 builders
 * (no hand-made ASN.1), EC P-256 keys (quick to generate, accepted by every TLS 1.2+ stack), ECDSA with SHA-256.
 *
 * <p>Files, in {@code <work dir>/secrets/}: {@code ca.pem} (what clients trust: {@code --tls-ca}),
 * {@code tls-cert.pem} and {@code tls-key.pem} (mode {@code 0600}, created so before the key is in it), and
 * {@code zk-server.pem}, the same key and certificate in one file for the ZooKeeper servers. The CA's
 * private key is never written: once the server certificate is signed nobody, this process included, can issue
 * another certificate the cluster's clients would trust.
 *
 * <p>Immutable once made.
 */
public final class LocalCertificates {
    /** A local cluster lives as long as its {@code corral local}; a year outlasts any of them. */
    public static final Duration VALIDITY = Duration.ofDays(365);
    /** Certificates are valid from a little before now, so a clock a bit behind does not refuse them. */
    private static final Duration BACKDATE = Duration.ofHours(1);
    private static final String SIGNATURE = "SHA256withECDSA";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path ca;
    private final Path certificate;
    private final Path key;
    private final Path zkKeyStore;

    private LocalCertificates(Path ca, Path certificate, Path key, Path zkKeyStore) {
        this.ca = ca;
        this.certificate = certificate;
        this.key = key;
        this.zkKeyStore = zkKeyStore;
    }

    /** A CA certificate, and a server certificate it signed with that certificate's private key. */
    public record Issued(X509Certificate ca, X509Certificate server, PrivateKey serverKey) {}

    /**
     * Makes a new CA and a server certificate for {@code dnsNames} and {@code ipAddresses}, valid from shortly before
     * {@code now} for {@code validity}.
     */
    public static Issued issue(List<String> dnsNames, List<String> ipAddresses, Instant now, Duration validity) {
        try {
            Date notBefore = Date.from(now.minus(BACKDATE));
            Date notAfter = Date.from(now.plus(validity));
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();

            KeyPair caKeys = newKeyPair();
            X500Name caName = new X500Name("CN=corral local CA " + serial().toString(16).substring(0, 8));
            X509v3CertificateBuilder caBuilder = new JcaX509v3CertificateBuilder(caName, serial(), notBefore,
                    notAfter, caName, caKeys.getPublic())
                    // pathLen 0: it signs server certificates, never another CA
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensions.createSubjectKeyIdentifier(caKeys.getPublic()));
            X509Certificate ca = sign(caBuilder, caKeys.getPrivate());

            KeyPair serverKeys = newKeyPair();
            List<GeneralName> names = new ArrayList<>();
            dnsNames.forEach(name -> names.add(new GeneralName(GeneralName.dNSName, name)));
            ipAddresses.forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
            String commonName = dnsNames.isEmpty() ? ipAddresses.get(0) : dnsNames.get(0);
            X509v3CertificateBuilder serverBuilder = new JcaX509v3CertificateBuilder(ca, serial(), notBefore,
                    notAfter, new X500Name("CN=" + commonName), serverKeys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    // Clients verify the host against the SANs only (RFC 6125); the CN is for people reading it.
                    .addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(names.toArray(new GeneralName[0])))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensions.createSubjectKeyIdentifier(serverKeys.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            extensions.createAuthorityKeyIdentifier(ca));
            X509Certificate server = sign(serverBuilder, caKeys.getPrivate());
            return new Issued(ca, server, serverKeys.getPrivate());
        } catch (GeneralSecurityException | CertIOException | OperatorCreationException e) {
            throw new IllegalStateException("Cannot make TLS certificates: " + e.getMessage(), e);
        }
    }

    /** Issues the local cluster's CA and certificate (127.0.0.1 and localhost) into {@code secretsDir}. */
    public static LocalCertificates generate(Path secretsDir, Instant now) {
        return write(secretsDir, issue(List.of("localhost"), List.of(loopbackAddress()), now, VALIDITY));
    }

    /** Writes {@code issued} as PEM files into {@code dir} (which must exist), replacing earlier ones. */
    public static LocalCertificates write(Path dir, Issued issued) {
        Path ca = dir.resolve("ca.pem");
        Path certificate = dir.resolve("tls-cert.pem");
        Path key = dir.resolve("tls-key.pem");
        Path zkKeyStore = dir.resolve("zk-server.pem");
        try {
            writePrivate(ca, Pem.encode("CERTIFICATE", issued.ca().getEncoded()));
            writePrivate(certificate, Pem.encode("CERTIFICATE", issued.server().getEncoded()));
            // getEncoded() of a JDK private key is PKCS#8, what --tls-key reads
            writePrivate(key, Pem.encode("PRIVATE KEY", issued.serverKey().getEncoded()));
            // ZooKeeper reads a PEM key store as one file holding both the key and the certificate chain
            writePrivate(zkKeyStore, Pem.encode("PRIVATE KEY", issued.serverKey().getEncoded())
                    + Pem.encode("CERTIFICATE", issued.server().getEncoded()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the cluster's TLS files under " + dir, e);
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
        return new LocalCertificates(ca, certificate, key, zkKeyStore);
    }

    /** The same key and certificate as one PEM file, the key store ZooKeeper's secure client port reads. */
    public Path zkKeyStore() {
        return zkKeyStore;
    }

    /** What a ZooKeeper server of the cluster is started with: TLS only, on its client port. */
    public List<String> zkServerArgs(int clientPort) {
        return List.of("--secure-port", Integer.toString(clientPort), "--tls-cert", zkKeyStore.toString(),
                "--tls-only");
    }

    /** What a ZooKeeper client of the cluster (master, agent) is started with. */
    public List<String> zkClientArgs() {
        return List.of("--zk-tls-ca", ca.toString());
    }

    /** The CA certificate clients trust ({@code --tls-ca}, {@code CORRAL_TLS_CA}). */
    public Path ca() {
        return ca;
    }

    /** What a master or agent of the cluster is started with. */
    public List<String> serverArgs() {
        return List.of("--tls-cert", certificate.toString(), "--tls-key", key.toString());
    }

    /** What an agent is started with: its own server's TLS and the CA its link to the masters checks. */
    public List<String> agentArgs() {
        List<String> args = new ArrayList<>(serverArgs());
        args.addAll(List.of("--tls-ca", ca.toString()));
        return args;
    }

    private static String loopbackAddress() {
        return InetAddress.getLoopbackAddress().getHostAddress().contains(":") ? "127.0.0.1"
                : InetAddress.getLoopbackAddress().getHostAddress();
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return generator.generateKeyPair();
    }

    /** 127 random bits, positive: serials must be unique per CA and unpredictable (CA/B Forum asks for 64+). */
    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).setBit(126);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey)
            throws OperatorCreationException, GeneralSecurityException {
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder(SIGNATURE).build(issuerKey)));
    }

    /** Created unreadable to others before anything is in it (as {@link LocalSecrets} does). */
    private static void writePrivate(Path file, String content) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, content, StandardCharsets.US_ASCII);
    }
}
