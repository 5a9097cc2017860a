package io.corral.cli;

import io.corral.protocol.tls.ServerTls;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The TLS flags of a server command ({@code corral master}, {@code corral agent}), a picocli {@code @Mixin}: the
 * certificate and key its HTTP server presents. With them the server speaks HTTPS only; without, plain HTTP.
 */
public final class TlsOptions {

    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "Serve HTTPS only (TLS 1.2+), presenting this PEM certificate chain (the server's"
                    + " certificate first; it must name the --hostname clients dial, as a SAN DNS name or IP).")
    Path certificate;

    @Option(names = "--tls-key", paramLabel = "FILE",
            description = "The private key of --tls-cert: PEM, unencrypted PKCS#8 (-----BEGIN PRIVATE KEY-----).")
    Path key;

    /** The server's TLS, or empty for plain HTTP; a usage error for one flag without the other or bad files. */
    public Optional<ServerTls> server(CommandLine command) {
        try {
            return ServerTls.fromFlags(certificate, key);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(command, e.getMessage());
        }
    }
}
