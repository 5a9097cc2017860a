package io.corral.cli;

import io.corral.cli.local.LocalClusterRecord;
import io.corral.cli.local.LocalRegistry;
import io.corral.protocol.http.ClientAuthorization;
import io.corral.protocol.security.Credentials.Credential;
import io.corral.protocol.tls.ClientTls;
import io.corral.protocol.tls.TlsFailures;
import io.corral.scheduler.FixedMasterLocator;
import io.corral.scheduler.MasterAddresses;
import io.corral.scheduler.MasterLocator;
import io.corral.scheduler.ZooKeeperMasterLocator;
import io.corral.zookeeper.ZkTls;
import io.corral.zookeeper.ZkUnreachableException;
import io.corral.zookeeper.ZkUrl;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Decides which cluster a command talks to. Sources, first one that names anything wins:
 * <ol>
 *   <li>the {@code --master} / {@code --zk} options,</li>
 *   <li>the {@code CORRAL_MASTER} / {@code CORRAL_ZK} environment variables,</li>
 *   <li>the newest {@code corral local} running on this machine.</li>
 * </ol>
 * When the winning source knows a ZooKeeper URL, the master is found through ZooKeeper, because that keeps working
 * across a master failover; otherwise the master URL is used as given (standbys redirect to the leader).
 *
 * <p>Threading: immutable; safe to share.
 */
public final class ClusterLocator {
    public static final String NO_CLUSTER_MESSAGE = "No Corral cluster found: pass --master http://host:5050 or "
            + "--zk zk://host:2181/corral, set CORRAL_MASTER or CORRAL_ZK, or start one with `bin/corral local`.";
    /** Exit code when no cluster is named or an address is malformed: the user must say more. */
    public static final int EXIT_USAGE = 2;
    /** Exit code when the named cluster cannot be reached. */
    public static final int EXIT_UNREACHABLE = 1;

    /**
     * The cluster a command will talk to, where that was learned (for messages), who to authenticate as (the first
     * of {@code --credential}, {@code --token-file}, {@code CORRAL_CREDENTIAL}, {@code CORRAL_TOKEN}, else, for the
     * local cluster itself only, the operator credential {@code corral local} wrote: never sent to a master found
     * elsewhere), and how to check the masters' certificates (the {@code --tls-ca} file, else {@code CORRAL_TLS_CA},
     * else the CA of the local cluster itself; an {@code https://} master URL without any trusts the JDK's CAs). With
     * TLS every master is spoken to over HTTPS. ZooKeeper is spoken to over TLS with {@code --zk-tls-ca} (else
     * {@code CORRAL_ZK_TLS_CA}, else the local cluster's own, when it serves ZooKeeper over TLS), presenting
     * {@code --zk-tls-cert} (else {@code CORRAL_ZK_TLS_CERT}) when given.
     */
    public record Target(String source, Optional<String> masterUrl, Optional<String> zkUrl,
                         Optional<ClientAuthorization> authorization, Optional<ClientTls> tls,
                         Optional<ZkTls> zkTls) {
        public Target(String source, Optional<String> masterUrl, Optional<String> zkUrl) {
            this(source, masterUrl, zkUrl, Optional.empty(), Optional.empty(), Optional.empty());
        }

        Target withAuthorization(Optional<ClientAuthorization> authorization) {
            return new Target(source, masterUrl, zkUrl, authorization, tls, zkTls);
        }

        Target withTls(Optional<ClientTls> tls) {
            return new Target(source, masterUrl, zkUrl, authorization, tls, zkTls);
        }

        Target withZkTls(Optional<ZkTls> zkTls) {
            return new Target(source, masterUrl, zkUrl, authorization, tls, zkTls);
        }

        /** Sets this target's {@code Authorization} header on {@code request}, if it authenticates. */
        public java.net.http.HttpRequest.Builder authorize(java.net.http.HttpRequest.Builder request) {
            authorization.ifPresent(auth -> request.header("Authorization", auth.header()));
            return request;
        }

        /** The ZooKeeper URL (validated by the locator), spoken to over TLS when {@link #zkTls()} says so. */
        public Optional<ZkUrl> zk() {
            return zkUrl.map(url -> ZkUrl.parse(url).withTls(zkTls));
        }

        public boolean usesZooKeeper() {
            return zkUrl.isPresent();
        }

        /** {@code https} with TLS, else {@code http}. */
        public String scheme() {
            return ClientTls.scheme(tls);
        }

        /** An HTTP/1.1 client for this target's masters, not following redirects (they are followed by hand). */
        public java.net.http.HttpClient httpClient(java.time.Duration connectTimeout) {
            return ClientTls.builder(tls)
                    .version(java.net.http.HttpClient.Version.HTTP_1_1)
                    .followRedirects(java.net.http.HttpClient.Redirect.NEVER)
                    .connectTimeout(connectTimeout)
                    .build();
        }

        /** Why a request to {@code master} failed, in one line: the TLS failure explained, else the I/O error. */
        public String whyUnreachable(java.io.IOException failure, java.net.URI master) {
            return tls.flatMap(t -> TlsFailures.describe(failure, master.getHost() + ":" + master.getPort(),
                            t.trusts()))
                    .orElseGet(() -> "cannot reach the master at " + master + ": " + (failure.getMessage() == null
                            ? failure.getClass().getSimpleName() : failure.getMessage()));
        }

        /** e.g. "zk://127.0.0.1:2181/corral (from --zk)". */
        public String describe() {
            return (zkUrl.isPresent() ? zkUrl.get() : masterUrl.orElse("?")) + " (from " + source + ")";
        }
    }

    /** The cluster could not be located; {@link #exitCode()} is what the command should exit with. */
    public static final class ClusterException extends RuntimeException {
        private final int exitCode;

        public ClusterException(String message, int exitCode) {
            super(message);
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }

    private final Function<String, String> environment;
    private final Supplier<Optional<LocalClusterRecord>> localClusters;

    public ClusterLocator() {
        this(System::getenv, LocalRegistry::newestRunning);
    }

    /**
     * @param environment   reads an environment variable (null when unset)
     * @param localClusters the newest running {@code corral local}, if any
     */
    public ClusterLocator(Function<String, String> environment,
                          Supplier<Optional<LocalClusterRecord>> localClusters) {
        this.environment = environment;
        this.localClusters = localClusters;
    }

    /**
     * Picks the cluster, validating its addresses.
     *
     * @throws ClusterException with {@link #NO_CLUSTER_MESSAGE} when nothing names one, or a message saying which
     *                          address is malformed
     */
    public Target resolve(ClusterOptions options) {
        Optional<Target> target = candidate("--master/--zk", "--master", options.master(), "--zk", options.zk());
        if (target.isEmpty()) {
            target = candidate("environment", "CORRAL_MASTER", environment.apply("CORRAL_MASTER"),
                    "CORRAL_ZK", environment.apply("CORRAL_ZK"));
        }
        if (target.isEmpty()) {
            target = localClusters.get().flatMap(local -> candidate("`corral local` pid " + local.pid(),
                    "its master", local.master(), "its zk", local.zk())
                    .map(found -> found.withAuthorization(readCredential(nonBlank(local.credential()).orElse(null),
                            "the credential of `corral local` pid " + local.pid()))
                            .withTls(readCa(nonBlank(local.tlsCa()).orElse(null),
                                    "the CA of `corral local` pid " + local.pid()))
                            .withZkTls(readZkTls(nonBlank(local.zkTlsCa()).orElse(null), null,
                                    "the ZooKeeper CA of `corral local` pid " + local.pid()))));
        }
        Target found = target.orElseThrow(() -> new ClusterException(NO_CLUSTER_MESSAGE, EXIT_USAGE));
        Optional<ClientAuthorization> explicit = explicitAuthorization(options);
        if (explicit.isPresent()) {
            found = found.withAuthorization(explicit);
        }
        Optional<String> explicitCa = options.tlsCa() != null ? Optional.of(options.tlsCa().toString())
                : nonBlank(environment.apply("CORRAL_TLS_CA"));
        if (explicitCa.isPresent()) {
            found = found.withTls(readCa(explicitCa.get(), options.tlsCa() != null ? "--tls-ca" : "CORRAL_TLS_CA"));
        } else if (found.tls().isEmpty()
                && found.masterUrl().filter(url -> url.regionMatches(true, 0, "https://", 0, 8)).isPresent()) {
            found = found.withTls(Optional.of(ClientTls.systemTrust()));
        }
        Optional<String> zkCa = options.zkTlsCa() != null ? Optional.of(options.zkTlsCa().toString())
                : nonBlank(environment.apply("CORRAL_ZK_TLS_CA"));
        if (zkCa.isPresent() || options.zkTlsCertificate() != null) {
            Optional<String> zkCert = options.zkTlsCertificate() != null
                    ? Optional.of(options.zkTlsCertificate().toString())
                    : nonBlank(environment.apply("CORRAL_ZK_TLS_CERT"));
            found = found.withZkTls(readZkTls(zkCa.orElse(null), zkCert.orElse(null),
                    options.zkTlsCa() != null ? ZkTls.CA_FLAG : "CORRAL_ZK_TLS_CA"));
        }
        return found;
    }

    /** ZooKeeper TLS from a CA file and an optional client key store; a usage error naming {@code what}. */
    private static Optional<ZkTls> readZkTls(String ca, String clientKeyStore, String what) {
        try {
            return ZkTls.fromFlags(ca == null ? null : java.nio.file.Path.of(ca),
                    clientKeyStore == null ? null : java.nio.file.Path.of(clientKeyStore));
        } catch (IllegalArgumentException e) {
            throw new ClusterException("Cannot use " + what + ": " + e.getMessage(), EXIT_USAGE);
        }
    }

    private static Optional<ClientTls> readCa(String file, String what) {
        if (file == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(ClientTls.trusting(java.nio.file.Path.of(file)));
        } catch (IllegalArgumentException e) {
            throw new ClusterException("Cannot use " + what + ": " + e.getMessage(), EXIT_USAGE);
        }
    }

    /** The first of --credential, --token-file, CORRAL_CREDENTIAL, CORRAL_TOKEN that is given. */
    private Optional<ClientAuthorization> explicitAuthorization(ClusterOptions options) {
        if (options.credential() != null && options.tokenFile() != null) {
            throw new ClusterException("Pass --credential or --token-file, not both", EXIT_USAGE);
        }
        if (options.credential() != null) {
            return readCredential(options.credential().toString(), "--credential");
        }
        if (options.tokenFile() != null) {
            return readToken(options.tokenFile());
        }
        Optional<String> credential = nonBlank(environment.apply("CORRAL_CREDENTIAL"));
        if (credential.isPresent()) {
            return readCredential(credential.get(), "CORRAL_CREDENTIAL");
        }
        return nonBlank(environment.apply("CORRAL_TOKEN")).map(token -> token(token, "CORRAL_TOKEN"));
    }

    private static Optional<ClientAuthorization> readCredential(String file, String what) {
        if (file == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(ClientAuthorization.basic(Credential.read(java.nio.file.Path.of(file))));
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new ClusterException("Cannot read " + what + " (" + file + "): " + e.getMessage()
                    + "; pass --credential FILE with {\"principal\": ..., \"secret\": ...}", EXIT_USAGE);
        }
    }

    private static Optional<ClientAuthorization> readToken(java.nio.file.Path file) {
        try {
            return Optional.of(token(java.nio.file.Files.readString(file), "--token-file " + file));
        } catch (java.io.IOException e) {
            throw new ClusterException("Cannot read --token-file " + file + ": " + e.getMessage(), EXIT_USAGE);
        }
    }

    private static ClientAuthorization token(String token, String what) {
        try {
            return ClientAuthorization.bearer(token);
        } catch (IllegalArgumentException e) {
            throw new ClusterException("Cannot use " + what + ": " + e.getMessage()
                    + "; get a token with `corral token create`", EXIT_USAGE);
        }
    }

    /**
     * A master locator for the target: ZooKeeper detection when a zk URL is known, else the fixed URL. The caller
     * closes it.
     *
     * @throws ClusterException with a one-line message when ZooKeeper cannot be reached
     */
    public MasterLocator open(Target target) {
        if (target.zkUrl().isEmpty()) {
            return new FixedMasterLocator(target.masterUrl().orElseThrow(), target.scheme());
        }
        try {
            return ZooKeeperMasterLocator.connect(target.zk().get(), target.scheme());
        } catch (ZkUnreachableException e) {
            throw new ClusterException(e.getMessage(), EXIT_UNREACHABLE);
        }
    }

    /** {@link #resolve} then {@link #open}. */
    public MasterLocator open(ClusterOptions options) {
        return open(resolve(options));
    }

    private static Optional<Target> candidate(String source, String masterName, String master,
                                              String zkName, String zk) {
        Optional<String> masterUrl = nonBlank(master);
        Optional<String> zkUrl = nonBlank(zk);
        if (masterUrl.isEmpty() && zkUrl.isEmpty()) {
            return Optional.empty();
        }
        masterUrl.ifPresent(url -> validate(masterName, () -> MasterAddresses.parseBase(url)));
        zkUrl.ifPresent(url -> validate(zkName, () -> ZkUrl.parse(url)));
        return Optional.of(new Target(source, masterUrl, zkUrl));
    }

    private static void validate(String name, Runnable parse) {
        try {
            parse.run();
        } catch (IllegalArgumentException e) {
            throw new ClusterException(name + ": " + e.getMessage(), EXIT_USAGE);
        }
    }

    private static Optional<String> nonBlank(String value) {
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
    }
}
