package io.corral.cli;

import io.corral.zookeeper.ZkTls;
import io.corral.zookeeper.ZkUrl;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * How a command speaks to ZooKeeper's secure client port, a picocli {@code @Mixin} for every command that connects
 * to ZooKeeper ({@code corral master}, {@code corral agent}, and the client commands through {@link ClusterOptions}).
 * Without {@code --zk-tls-ca} ZooKeeper is spoken to in the clear.
 */
public final class ZkTlsOptions {

    @Option(names = ZkTls.CA_FLAG, paramLabel = "FILE",
            description = "Speak TLS to ZooKeeper (the --zk hosts:ports are its secure client ports) and trust only"
                    + " the CAs in this PEM bundle; the servers' certificates must name the host dialled.")
    Path ca;

    @Option(names = ZkTls.CERT_FLAG, paramLabel = "FILE",
            description = "For ensembles that demand client certificates: one PEM file with this client's"
                    + " certificate chain and its unencrypted PKCS#8 private key (ZooKeeper's PEM key store).")
    Path certificate;

    public ZkTlsOptions() {
    }

    public ZkTlsOptions(Path ca, Path certificate) {
        this.ca = ca;
        this.certificate = certificate;
    }

    /** The TLS the flags ask for, or empty; a usage error for unreadable files or a certificate without a CA. */
    Optional<ZkTls> tls(CommandLine command) {
        try {
            return ZkTls.fromFlags(ca, certificate);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(command, e.getMessage());
        }
    }

    /** {@code url} spoken to as the flags say. */
    public ZkUrl apply(CommandLine command, ZkUrl url) {
        return url.withTls(tls(command));
    }

    Path ca() {
        return ca;
    }

    Path certificate() {
        return certificate;
    }
}
