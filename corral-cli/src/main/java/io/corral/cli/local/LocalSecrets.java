package io.corral.cli.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corral.protocol.security.Credentials.Credential;
import io.corral.protocol.tls.ClientTls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The secrets of one {@code corral local}, generated at its start in {@code <work dir>/secrets/} (a directory only
 * its user can enter): the masters' credentials file in Mesos's {@code --credentials} format, and one credential
 * file per principal in Mesos's {@code --credential} format, which agents, frameworks and the CLI present:
 * <ul>
 *   <li>{@code operator}: what {@code corral} commands on this machine authenticate as, found by themselves;</li>
 *   <li>{@code framework} and {@code framework-2}: for frameworks (two, to try one against the other);</li>
 *   <li>{@code agent}: what the agents register with.</li>
 * </ul>
 * and the ZooKeeper digest password of user {@code corral}: every process gets {@code --zk file://.../zk-url}, a
 * file holding the URL with the password (not the command line, which every local user can read), so Corral's
 * znodes are writable by Corral alone (docs/zookeeper.md, "Access control").
 * Started {@code --insecure}, there are none and every process runs {@code --insecure}. Started {@code --tls}, the
 * directory also holds the cluster's CA and certificate ({@link LocalCertificates}), and every process serves HTTPS.
 *
 * <p>Immutable once made.
 */
public final class LocalSecrets {
    public static final List<String> PRINCIPALS = List.of("operator", "framework", "framework-2", "agent", "services",
            "jobs");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ZK_USER = "corral";
    private static final String ZK_PASSWORD_FILE = "zk-password";
    /** The key bearer tokens are signed with ({@code --token-key} of every master and agent). */
    private static final String TOKEN_KEY_FILE = "token-key";

    /** Where the credentials are; empty for a cluster started {@code --insecure}. */
    private final Optional<Path> directory;
    /** The cluster's CA and certificate, for one started {@code --tls}. */
    private final Optional<LocalCertificates> tls;

    private LocalSecrets(Optional<Path> directory, Optional<LocalCertificates> tls) {
        this.directory = directory;
        this.tls = tls;
    }

    public static LocalSecrets insecure() {
        return new LocalSecrets(Optional.empty(), Optional.empty());
    }

    /** The same secrets, every master and agent serving HTTPS with {@code certificates}. */
    public LocalSecrets withTls(LocalCertificates certificates) {
        return new LocalSecrets(directory, Optional.of(certificates));
    }

    /** {@code workDir/secrets}, created if missing, only its user may enter it. */
    public static Path directory(Path workDir) {
        Path dir = workDir.resolve("secrets");
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the cluster's secrets directory " + dir, e);
        }
        return dir;
    }

    /** Writes fresh secrets under {@code workDir/secrets}, replacing those of an earlier run there. */
    public static LocalSecrets generate(Path workDir) {
        Path dir = directory(workDir);
        try {
            Map<String, String> secrets = new LinkedHashMap<>();
            PRINCIPALS.forEach(principal -> secrets.put(principal, newSecret()));
            writePrivate(dir.resolve(ZK_PASSWORD_FILE), newSecret().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            // 48 random bytes, base64url: the key masters sign bearer tokens with and agents check them by.
            writePrivate(dir.resolve(TOKEN_KEY_FILE), (newSecret() + newSecret())
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            ObjectMapper json = new ObjectMapper();
            ArrayNode list = json.createArrayNode();
            for (Map.Entry<String, String> entry : secrets.entrySet()) {
                ObjectNode one = json.createObjectNode().put("principal", entry.getKey()).put("secret", entry.getValue());
                list.add(one);
                writePrivate(dir.resolve(entry.getKey() + ".json"), json.writeValueAsBytes(one));
            }
            // Only the agents' principal may speak for agents; everything else is open to every principal. Agents get
            // the same file, so rules added here for sandboxes and views (access_sandboxes, view_*) apply to them.
            writePrivate(dir.resolve("acls.json"), ("{\"permissive\": true, \"register_agents\": ["
                    + "{\"principals\": {\"values\": [\"agent\"]}, \"agents\": {\"type\": \"ANY\"}},"
                    + " {\"principals\": {\"type\": \"ANY\"}, \"agents\": {\"type\": \"NONE\"}}]}\n")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            writePrivate(dir.resolve("credentials.json"),
                    json.writerWithDefaultPrettyPrinter().writeValueAsBytes(json.createObjectNode().set("credentials", list)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the cluster's secrets under " + dir, e);
        }
        return new LocalSecrets(Optional.of(dir), Optional.empty());
    }

    /**
     * What processes and commands are given as {@code --zk} for the ensemble at {@code zkUrl}: the URL itself when
     * insecure, else {@code file://<secrets>/zk-url} (see {@link #writeZkUrl}).
     */
    public String zkArgument(String zkUrl) {
        return directory.map(dir -> "file://" + dir.resolve("zk-url")).orElse(zkUrl);
    }

    /** Writes the file {@link #zkArgument} names: {@code zkUrl} with Corral's digest credentials. */
    public void writeZkUrl(String zkUrl) {
        if (directory.isEmpty()) {
            return;
        }
        Path file = directory.get().resolve("zk-url");
        try {
            String password = Files.readString(directory.get().resolve(ZK_PASSWORD_FILE)).strip();
            writePrivate(file, ("zk://" + ZK_USER + ":" + password + "@" + zkUrl.substring("zk://".length()) + "\n")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    public boolean isInsecure() {
        return directory.isEmpty();
    }

    /** The file with {@code principal}'s credential ({@link #PRINCIPALS}); empty when insecure. */
    public Optional<Path> credentialOf(String principal) {
        return directory.map(dir -> dir.resolve(principal + ".json"));
    }

    public Optional<Credential> operator() {
        return credentialOf("operator").map(file -> {
            try {
                return Credential.read(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The CA file clients of a cluster started {@code --tls} trust; empty for plain HTTP. */
    public Optional<Path> tlsCa() {
        return tls.map(LocalCertificates::ca);
    }

    /** How this machine's clients check the cluster's masters: its CA, or plain HTTP. */
    public Optional<ClientTls> clientTls() {
        return tlsCa().map(ClientTls::trusting);
    }

    /** How this machine's clients speak to the cluster's ZooKeeper: TLS with its CA, or in the clear. */
    public Optional<io.corral.zookeeper.ZkTls> zkTls() {
        return tls.map(certificates -> io.corral.zookeeper.ZkTls.of(certificates.ca(), null));
    }

    /** What a ZooKeeper server of this cluster, serving clients on {@code clientPort}, is started with. */
    List<String> zkServerArgs(int clientPort) {
        return tls.map(certificates -> certificates.zkServerArgs(clientPort)).orElse(List.of());
    }

    /** What a master of this cluster is started with. */
    List<String> masterArgs() {
        List<String> args = new java.util.ArrayList<>(directory.map(dir -> List.of("--credentials",
                        dir.resolve("credentials.json").toString(), "--acls", dir.resolve("acls.json").toString(),
                        "--token-key", dir.resolve(TOKEN_KEY_FILE).toString()))
                .orElse(List.of("--insecure")));
        tls.ifPresent(certificates -> args.addAll(certificates.serverArgs()));
        tls.ifPresent(certificates -> args.addAll(certificates.zkClientArgs()));
        return List.copyOf(args);
    }

    /** What an agent of this cluster is started with. */
    List<String> agentArgs() {
        List<String> args = new java.util.ArrayList<>(directory.map(dir -> List.of(
                        "--credential", dir.resolve("agent.json").toString(),
                        "--http-credentials", dir.resolve("credentials.json").toString(),
                        "--acls", dir.resolve("acls.json").toString(),
                        "--token-key", dir.resolve(TOKEN_KEY_FILE).toString()))
                .orElse(List.of("--insecure")));
        tls.ifPresent(certificates -> args.addAll(certificates.agentArgs()));
        tls.ifPresent(certificates -> args.addAll(certificates.zkClientArgs()));
        return List.copyOf(args);
    }

    /**
     * What a process of a built-in framework ({@code services}, {@code jobs}) is started with: its own principal
     * toward the masters, the cluster's credentials, ACLs and token key for its REST API, and the cluster's TLS.
     */
    List<String> frameworkArgs(String principal) {
        List<String> args = new java.util.ArrayList<>(directory.map(dir -> List.of(
                        "--credential", dir.resolve(principal + ".json").toString(),
                        "--credentials", dir.resolve("credentials.json").toString(),
                        "--acls", dir.resolve("acls.json").toString(),
                        "--token-key", dir.resolve(TOKEN_KEY_FILE).toString()))
                .orElse(List.of("--insecure")));
        tls.ifPresent(certificates -> args.addAll(certificates.agentArgs())); // its HTTPS, and the masters' CA
        tls.ifPresent(certificates -> args.addAll(certificates.zkClientArgs()));
        return List.copyOf(args);
    }

    private static String newSecret() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Created unreadable to others before the secret is in it, so there is no moment it is exposed. */
    private static void writePrivate(Path file, byte[] content) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(file, content);
    }
}
