package io.corral.cli.local;

/** Where a supervised process is in its life, as cluster.json and {@code corral local status} show it. */
public enum ProcessState {
    /** Launched; its port does not accept connections yet. */
    STARTING,
    /** Its port accepts connections. */
    UP,
    /** It died; a restart is scheduled. */
    BACKOFF,
    /** The supervisor is stopping it. */
    STOPPING,
    /** Stopped for good (the cluster is shutting down). */
    STOPPED
}
