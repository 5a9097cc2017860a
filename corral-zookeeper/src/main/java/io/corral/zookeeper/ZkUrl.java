package io.corral.zookeeper;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A parsed {@code zk://[user:password@]host1:port1,host2:port2/path} URL, as Mesos takes in {@code --zk} and
 * {@code --master}: the ensemble to connect to, the root path under which Corral keeps its znodes, and optional
 * digest credentials; and whether to speak TLS to the servers' secure client ports, which the URL syntax cannot say
 * (the {@code --zk-tls-*} flags do, {@link #withTls}), so that every client of one URL connects alike.
 *
 * <p>Immutable. {@link #toString()} masks the password so URLs can be logged; it shows no TLS.
 *
 * @param connectString the ZooKeeper connect string, "host1:port1,host2:port2" (every host with a port)
 * @param rootPath      absolute znode path without a trailing slash, "/corral" when the URL names none
 * @param credentials   digest credentials, when the URL carries {@code user:password@}
 * @param tls           TLS towards the servers, when their ports are secure client ports
 */
public record ZkUrl(String connectString, String rootPath, Optional<Credentials> credentials, Optional<ZkTls> tls) {

    public static final String SCHEME = "zk://";
    public static final String DEFAULT_ROOT_PATH = "/corral";
    public static final int DEFAULT_PORT = 2181;

    private static final String EXAMPLE = "zk://127.0.0.1:2181/corral";

    /**
     * Digest credentials for ZooKeeper's {@code digest} auth scheme.
     *
     * @param user     user name, not empty
     * @param password password, may be empty
     */
    public record Credentials(String user, String password) {
        public Credentials {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(password, "password");
        }

        /** The "user:password" bytes ZooKeeper's digest scheme expects. */
        public byte[] digestAuth() {
            return (user + ":" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return user + ":****";
        }
    }

    public ZkUrl {
        Objects.requireNonNull(connectString, "connectString");
        Objects.requireNonNull(rootPath, "rootPath");
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(tls, "tls");
    }

    /** A URL without TLS. */
    public ZkUrl(String connectString, String rootPath, Optional<Credentials> credentials) {
        this(connectString, rootPath, credentials, Optional.empty());
    }

    /** The same ensemble, spoken to with {@code tls} (or in the clear when empty). */
    public ZkUrl withTls(Optional<ZkTls> tls) {
        return new ZkUrl(connectString, rootPath, credentials, tls);
    }

    /**
     * Parses a zk:// URL, or reads one from {@code file:///path} as Mesos's {@code --zk} does: a URL with a password
     * then stays out of command lines, which every user of the machine can read.
     *
     * @throws IllegalArgumentException with a one-line message saying what to fix
     */
    public static ZkUrl parse(String url) {
        if (url == null || url.isBlank()) {
            throw invalid(String.valueOf(url), "it is empty; give one such as " + EXAMPLE);
        }
        String text = url.strip();
        if (text.regionMatches(true, 0, FILE_SCHEME, 0, FILE_SCHEME.length())) {
            text = readFromFile(text);
        }
        if (!text.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            throw invalid(text, "it must start with zk://, for example " + EXAMPLE);
        }
        if (text.chars().anyMatch(Character::isWhitespace)) {
            throw invalid(text, "it must not contain spaces");
        }
        String rest = text.substring(SCHEME.length());
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash);

        Optional<Credentials> credentials = Optional.empty();
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            credentials = Optional.of(parseCredentials(text, authority.substring(0, at)));
            authority = authority.substring(at + 1);
        }
        return new ZkUrl(parseHosts(text, authority), parseRootPath(text, path), credentials);
    }

    private static final String FILE_SCHEME = "file://";
    /** A URL file holds one URL: anything bigger is not one. */
    private static final long MAX_FILE_BYTES = 64 * 1024;

    private static String readFromFile(String fileUrl) {
        java.nio.file.Path file = java.nio.file.Path.of(fileUrl.substring(FILE_SCHEME.length()));
        try {
            if (java.nio.file.Files.size(file) > MAX_FILE_BYTES) {
                throw invalid(fileUrl, "the file is larger than a ZooKeeper URL can be");
            }
            String content = java.nio.file.Files.readString(file).strip();
            if (content.regionMatches(true, 0, FILE_SCHEME, 0, FILE_SCHEME.length())) {
                throw invalid(fileUrl, "the file names another file; it must hold a zk:// URL");
            }
            return content;
        } catch (java.io.IOException e) {
            throw invalid(fileUrl, "cannot read the file (" + e.getMessage() + "); it must hold a zk:// URL");
        }
    }

    /** The URL again, with the password masked. */
    @Override
    public String toString() {
        return SCHEME + credentials.map(c -> c + "@").orElse("") + connectString + rootPath;
    }

    private static Credentials parseCredentials(String url, String userInfo) {
        int colon = userInfo.indexOf(':');
        if (colon <= 0) {
            throw invalid(url, "credentials must be written user:password@ before the hosts");
        }
        return new Credentials(userInfo.substring(0, colon), userInfo.substring(colon + 1));
    }

    private static String parseHosts(String url, String authority) {
        if (authority.isEmpty()) {
            throw invalid(url, "it names no host; list host:port pairs after zk://, for example " + EXAMPLE);
        }
        List<String> hostPorts = new ArrayList<>();
        for (String server : authority.split(",", -1)) {
            hostPorts.add(parseHostPort(url, server));
        }
        return String.join(",", hostPorts);
    }

    private static String parseHostPort(String url, String server) {
        String host;
        String port;
        if (server.startsWith("[")) { // IPv6 literal, e.g. [::1]:2181
            int close = server.indexOf(']');
            if (close < 0) {
                throw invalid(url, "IPv6 host '" + server + "' lacks its closing ']'");
            }
            host = server.substring(0, close + 1);
            String after = server.substring(close + 1);
            if (!after.isEmpty() && !after.startsWith(":")) {
                throw invalid(url, "write host '" + server + "' as [address]:port");
            }
            port = after.isEmpty() ? null : after.substring(1);
        } else {
            int colon = server.indexOf(':');
            host = colon < 0 ? server : server.substring(0, colon);
            port = colon < 0 ? null : server.substring(colon + 1);
        }
        if (host.isEmpty() || host.equals("[]")) {
            throw invalid(url, "a host is empty; check for stray commas or a missing host before ':'");
        }
        return host + ":" + parsePort(url, server, port);
    }

    private static int parsePort(String url, String server, String port) {
        if (port == null) {
            return DEFAULT_PORT;
        }
        if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw invalid(url, "port of '" + server + "' must be a number from 1 to 65535");
        }
        int value = Integer.parseInt(port);
        if (value < 1 || value > 65535) {
            throw invalid(url, "port of '" + server + "' must be a number from 1 to 65535");
        }
        return value;
    }

    private static String parseRootPath(String url, String path) {
        String trimmed = path;
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        if (trimmed.isEmpty()) {
            return DEFAULT_ROOT_PATH;
        }
        if (!trimmed.startsWith("/")) {
            throw invalid(url, "the path must be absolute, starting with '/', e.g. /corral");
        }
        for (String segment : trimmed.substring(1).split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw invalid(url, "the path '" + path + "' has an empty, '.' or '..' segment; write it like /corral");
            }
            if (segment.chars().anyMatch(c -> c < 0x20 || c == 0x7F)) {
                throw invalid(url, "the path '" + path + "' contains control characters");
            }
        }
        return trimmed;
    }

    private static IllegalArgumentException invalid(String url, String problem) {
        return new IllegalArgumentException("Invalid ZooKeeper URL '" + masked(url) + "': " + problem);
    }

    /** Masks a password in raw URL text so it never lands in logs through an error message. */
    private static String masked(String url) {
        int schemeEnd = url.indexOf("://");
        int at = url.lastIndexOf('@');
        if (schemeEnd < 0 || at < 0) {
            return url;
        }
        int colon = url.indexOf(':', schemeEnd + 3);
        if (colon < 0 || colon > at) {
            return url;
        }
        return url.substring(0, colon + 1) + "****" + url.substring(at);
    }
}
