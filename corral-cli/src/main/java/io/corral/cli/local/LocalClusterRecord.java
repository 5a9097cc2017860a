package io.corral.cli.local;

/**
 * What a running {@code corral local} tells other {@code corral} commands on the same machine about itself.
 *
 * @param pid       process id of the {@code corral local} supervisor
 * @param workDir   its work directory (holds cluster.json and the logs)
 * @param zk        the ensemble's URL, e.g. {@code zk://127.0.0.1:2181,127.0.0.1:2182,127.0.0.1:2183/corral}
 * @param master    the http URL of the current leading master, e.g. {@code http://127.0.0.1:5050/}; null until one
 *                  serves
 * @param startedAt when the supervisor started, ISO-8601 (e.g. {@code 2025-01-31T10:15:30Z})
 * @param credential the file holding the operator's credential, readable only by the user who started it; null for
 *                   a cluster started {@code --insecure} (or by a Corral that predates authentication)
 * @param tlsCa     the PEM file of the CA that signed its masters' certificates, for a cluster started
 *                  {@code --tls}; null when it serves plain HTTP
 * @param zkTlsCa   the PEM file of the CA that signed its ZooKeeper servers' certificates, for a cluster whose
 *                  ZooKeeper serves TLS only ({@code --tls}); null when ZooKeeper is plain
 */
public record LocalClusterRecord(long pid, String workDir, String zk, String master, String startedAt,
                                 String credential, String tlsCa, String zkTlsCa) {
    public LocalClusterRecord(long pid, String workDir, String zk, String master, String startedAt) {
        this(pid, workDir, zk, master, startedAt, null, null, null);
    }

    public LocalClusterRecord(long pid, String workDir, String zk, String master, String startedAt,
                              String credential) {
        this(pid, workDir, zk, master, startedAt, credential, null, null);
    }

    public LocalClusterRecord(long pid, String workDir, String zk, String master, String startedAt,
                              String credential, String tlsCa) {
        this(pid, workDir, zk, master, startedAt, credential, tlsCa, null);
    }
}
