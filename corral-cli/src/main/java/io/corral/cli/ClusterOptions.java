package io.corral.cli;

import picocli.CommandLine.Option;

/**
 * The options that say which cluster a command talks to, shared by every client command as a picocli
 * {@code @Mixin}. {@link ClusterLocator} decides what to use when they are absent.
 */
public final class ClusterOptions {

    @Option(names = "--master", paramLabel = "URL",
            description = "A master of the cluster, e.g. http://127.0.0.1:5050. Any master will do: a standby "
                    + "redirects to the leader. Default: $CORRAL_MASTER.")
    String master;

    @Option(names = "--zk", paramLabel = "ZK_URL",
            description = "The cluster's ZooKeeper, e.g. zk://127.0.0.1:2181/corral. Finds the leading master "
                    + "and follows it across failover. Default: $CORRAL_ZK, else the newest `corral local` "
                    + "running on this machine.")
    String zk;

    @Option(names = "--credential", paramLabel = "FILE",
            description = "Who to authenticate as: a file {\"principal\": \"...\", \"secret\": \"...\"} (Mesos's"
                    + " format). Default: $CORRAL_CREDENTIAL, else the operator credential of the `corral local`"
                    + " being talked to.")
    java.nio.file.Path credential;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "Authenticate with a bearer token (`corral token create` prints one) read from FILE."
                    + " Default: $CORRAL_TOKEN, when no credential is given.")
    java.nio.file.Path tokenFile;

    @Option(names = "--tls-ca", paramLabel = "FILE",
            description = "Speak HTTPS to the masters and trust only the CAs in this PEM bundle (their certificates"
                    + " must also name the host dialled). Default: $CORRAL_TLS_CA, else the CA of the `corral local"
                    + " --tls` being talked to; an https:// --master without a CA trusts the JDK's CAs.")
    java.nio.file.Path tlsCa;

    @picocli.CommandLine.Mixin
    ZkTlsOptions zkTls = new ZkTlsOptions();

    public ClusterOptions() {}

    /** For tests and for commands that build options in code. */
    public ClusterOptions(String master, String zk) {
        this.master = master;
        this.zk = zk;
    }

    public String master() {
        return master;
    }

    public String zk() {
        return zk;
    }

    public java.nio.file.Path credential() {
        return credential;
    }

    public java.nio.file.Path tokenFile() {
        return tokenFile;
    }

    public java.nio.file.Path tlsCa() {
        return tlsCa;
    }

    /** {@code --zk-tls-ca}: the CA of ZooKeeper's secure client ports, or null. */
    public java.nio.file.Path zkTlsCa() {
        return zkTls.ca();
    }

    /** {@code --zk-tls-cert}: the client certificate and key for ZooKeeper, or null. */
    public java.nio.file.Path zkTlsCertificate() {
        return zkTls.certificate();
    }
}
