package io.corral.scheduler;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Parsing of master addresses: the {@code --master} style base URL, and the {@code Location} header of a 307 that a
 * non-leading master answers with.
 *
 * <p>A master's base URI is always {@code http://host:port} with no path; callers append {@code /api/v1/scheduler},
 * {@code /master/state} and so on.
 */
public final class MasterAddresses {
    private MasterAddresses() {}

    /**
     * Parses a user-supplied master address: {@code http://host:port}, or {@code host:port} for short.
     *
     * @throws IllegalArgumentException with a message saying what a valid address looks like
     */
    public static URI parseBase(String address) {
        String trimmed = address == null ? "" : address.trim();
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("empty master address: expected http://host:port, e.g. http://127.0.0.1:5050");
        }
        String withScheme = trimmed.contains("://") ? trimmed : "http://" + trimmed;
        URI uri;
        try {
            uri = new URI(withScheme);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("invalid master address '" + address + "': expected http://host:port");
        }
        if (!"http".equals(String.valueOf(uri.getScheme()).toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("invalid master address '" + address
                    + "': only http:// is supported (expected http://host:port)");
        }
        if (uri.getHost() == null || uri.getPort() < 0) {
            throw new IllegalArgumentException("invalid master address '" + address
                    + "': expected http://host:port with an explicit port, e.g. http://127.0.0.1:5050");
        }
        return base(uri.getHost(), uri.getPort());
    }

    /**
     * The base URI of the master a redirect points to. Mesos sends a protocol-relative {@code //host:port/path}; full
     * {@code http://host:port/path} and the bare {@code host:port} of Mesos's own docs are accepted as well.
     *
     * @throws IllegalArgumentException when the header names no host and port
     */
    public static URI redirectTarget(String location) {
        if (location == null || location.isBlank()) {
            throw new IllegalArgumentException("redirect without a Location header");
        }
        String value = location.trim();
        String absolute;
        if (value.startsWith("//")) {
            absolute = "http:" + value;
        } else if (value.contains("://")) {
            absolute = value;
        } else if (!value.startsWith("/")) {
            absolute = "http://" + value;
        } else {
            throw new IllegalArgumentException("redirect Location '" + location + "' names no master host:port");
        }
        URI uri;
        try {
            uri = new URI(absolute);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("unparseable redirect Location '" + location + "'");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("redirect Location '" + location + "' names no master host");
        }
        return base(uri.getHost(), uri.getPort() < 0 ? 80 : uri.getPort());
    }

    /** {@code base} with {@code path} (which starts with '/') appended. */
    public static URI resolve(URI base, String path) {
        return URI.create(base.toString() + path);
    }

    private static URI base(String host, int port) {
        // IPv6 literals come back from URI.getHost() already bracketed.
        return URI.create("http://" + host + ":" + port);
    }
}
