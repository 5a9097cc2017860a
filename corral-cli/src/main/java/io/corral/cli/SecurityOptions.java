package io.corral.cli;

import io.corral.protocol.security.Acls;
import io.corral.protocol.security.Credentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine;

/**
 * The choice every server command makes at start: authenticate with a credentials file, or run {@code --insecure}
 * because the operator said so. Neither is refused, so that no cluster is open by accident.
 */
public final class SecurityOptions {
    private SecurityOptions() {
    }

    /** The credentials to demand, or empty for {@code --insecure}; a usage error for neither or both. */
    public static Optional<Credentials> credentials(CommandLine command, Path file, boolean insecure, String what)
            throws IOException {
        return credentials(command, file, insecure, what, "--credentials");
    }

    /** As above, for a flag named otherwise (the agent's {@code --http-credentials}). */
    static Optional<Credentials> credentials(CommandLine command, Path file, boolean insecure, String what,
                                             String flag) throws IOException {
        requireOne(command, file, insecure, flag, what + " authenticates its clients");
        if (insecure) {
            return Optional.empty();
        }
        try {
            return Optional.of(Credentials.read(file));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(command, e.getMessage());
        }
    }

    /**
     * A server that writes Corral's znodes must name a ZooKeeper identity ({@code zk://user:password@...}): the
     * znodes are then writable by that identity alone (see {@code ZkAcls}); without one they would be open to anyone
     * who reaches ZooKeeper, who could rewrite the registry or depose the leader. A usage error unless
     * {@code --insecure}.
     */
    public static void requireZkCredentials(CommandLine command, io.corral.zookeeper.ZkUrl zk, boolean insecure,
                                     String what) {
        if (insecure || zk.credentials().isPresent()) {
            return;
        }
        throw new CommandLine.ParameterException(command, "The --zk URL names no ZooKeeper credentials, so the "
                + what + " would leave Corral's znodes writable by anyone who reaches ZooKeeper: put a user and"
                + " password in it (zk://corral:SECRET@zk1:2181,zk2:2181/corral; --zk file:///etc/corral/zk-url keeps"
                + " them off the command line), the same on every master and agent, or pass --insecure");
    }

    /** The ACLs in {@code file}, or permit-all without one; a usage error for a bad file. */
    public static Acls acls(CommandLine command, Path file) throws IOException {
        if (file == null) {
            return Acls.permitAll();
        }
        if (!Files.isReadable(file)) {
            throw new CommandLine.ParameterException(command, "Cannot read " + file + " (--acls)");
        }
        try {
            return Acls.read(file);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(command, e.getMessage());
        }
    }

    /**
     * Bearer tokens signed with the key in {@code file} ({@code --token-key}), checked against {@code credentials};
     * empty without the flag. A usage error with {@code --insecure} (no principals to issue tokens to) or a bad key.
     */
    public static Optional<io.corral.protocol.security.BearerTokens> tokens(CommandLine command, Path file,
                                                                     Optional<Credentials> credentials)
            throws IOException {
        if (file == null) {
            return Optional.empty();
        }
        if (credentials.isEmpty()) {
            throw new CommandLine.ParameterException(command, "--token-key needs credentials: tokens speak for the"
                    + " principals of the credentials file, and --insecure has none");
        }
        if (!Files.isReadable(file)) {
            throw new CommandLine.ParameterException(command, "Cannot read " + file + " (--token-key)");
        }
        try {
            return Optional.of(io.corral.protocol.security.BearerTokens.read(file, credentials.get()));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(command, e.getMessage());
        }
    }

    /** The rate limits in {@code file}, or none without one; a usage error for a bad file. */
    static io.corral.protocol.security.RateLimits rateLimits(CommandLine command, Path file) throws IOException {
        if (file == null) {
            return io.corral.protocol.security.RateLimits.none();
        }
        if (!Files.isReadable(file)) {
            throw new CommandLine.ParameterException(command, "Cannot read " + file + " (--rate-limits)");
        }
        try {
            return io.corral.protocol.security.RateLimits.read(file);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(command, e.getMessage());
        }
    }

    /** The credential a client of the masters presents, or empty for {@code --insecure}; as {@link #credentials}. */
    static Optional<Credentials.Credential> credential(CommandLine command, Path file, boolean insecure, String what)
            throws IOException {
        requireOne(command, file, insecure, "--credential", what + " authenticates to the masters");
        if (insecure) {
            return Optional.empty();
        }
        try {
            return Optional.of(Credentials.Credential.read(file));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(command, e.getMessage());
        }
    }

    private static void requireOne(CommandLine command, Path file, boolean insecure, String flag, String needs) {
        if (file != null && insecure) {
            throw new CommandLine.ParameterException(command,
                    flag + " and --insecure contradict each other: choose one");
        }
        if (!insecure && file == null) {
            throw new CommandLine.ParameterException(command, "A " + needs + ": pass " + flag + " FILE (Mesos's"
                    + " JSON format, see docs/security.md), or --insecure to go without authentication");
        }
        if (file != null && !Files.isReadable(file)) {
            throw new CommandLine.ParameterException(command,
                    "Cannot read " + file + " (" + flag + "): check the path and its permissions");
        }
    }
}
