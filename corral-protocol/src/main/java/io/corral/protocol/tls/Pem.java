package io.corral.protocol.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM certificates and PKCS#8 private keys with the JDK alone, so that masters, agents and clients need no
 * extra library to use TLS (Bouncy Castle is needed only to make certificates, in {@code corral local}).
 *
 * <p>Stateless; thread-safe. Every failure is an {@link IllegalArgumentException} whose message names the file and
 * the flag it came from.
 */
public final class Pem {
    private static final Pattern PRIVATE_KEY = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
    private static final Pattern OTHER_KEY = Pattern.compile("-----BEGIN ([A-Z ]*PRIVATE KEY)-----");

    private Pem() {
    }

    /** Every certificate in the PEM file, in order; at least one. */
    public static List<X509Certificate> readCertificates(Path file, String flag) {
        byte[] bytes = read(file, flag);
        try {
            List<X509Certificate> certificates = new ArrayList<>();
            for (Certificate certificate : CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(bytes))) {
                certificates.add((X509Certificate) certificate);
            }
            if (certificates.isEmpty()) {
                throw new IllegalArgumentException(file + " (" + flag + ") holds no PEM certificate"
                        + " (-----BEGIN CERTIFICATE-----)");
            }
            return certificates;
        } catch (CertificateException e) {
            throw new IllegalArgumentException(file + " (" + flag + ") is not a PEM certificate file: "
                    + e.getMessage());
        }
    }

    /** The unencrypted PKCS#8 key ({@code -----BEGIN PRIVATE KEY-----}) in the file: RSA, EC or Ed25519. */
    public static PrivateKey readPrivateKey(Path file, String flag) {
        String text = new String(read(file, flag), StandardCharsets.US_ASCII);
        Matcher matcher = PRIVATE_KEY.matcher(text);
        if (!matcher.find()) {
            Matcher other = OTHER_KEY.matcher(text);
            String found = other.find() ? " (it holds a " + other.group(1) + "; convert it with `openssl pkcs8"
                    + " -topk8 -nocrypt -in KEY -out KEY.pk8`)" : "";
            throw new IllegalArgumentException(file + " (" + flag + ") holds no unencrypted PKCS#8 key"
                    + " (-----BEGIN PRIVATE KEY-----)" + found);
        }
        byte[] der = Base64.getMimeDecoder().decode(matcher.group(1));
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : new String[] {"EC", "RSA", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException(file + " (" + flag + ") holds a key that is neither EC, RSA nor Ed25519");
    }

    /** A PEM block: the label ({@code CERTIFICATE}, {@code PRIVATE KEY}) around the DER bytes in base 64. */
    public static String encode(String label, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
    }

    private static byte[] read(Path file, String flag) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read " + file + " (" + flag + "): "
                    + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()));
        }
    }
}
