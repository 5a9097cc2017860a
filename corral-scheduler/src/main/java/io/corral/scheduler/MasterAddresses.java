package io.corral.scheduler;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Parsing of master addresses: the {@code --master} style base URL, and the {@code Location} header of a 307 that a
 * non-leading master answers with.
 *
 * <p>A master's base URI is always {@code scheme://host:port} with no path, the scheme {@code http} or
 * {@code https}; callers append {@code /api/v1/scheduler}, {@code /master/state} and so on.
 */
public final class MasterAddresses {
    private MasterAddresses() {}

    /**
     * Parses a user-supplied master address: {@code http://host:port}, {@code https://host:port}, or
     * {@code host:port} for short (plain HTTP).
     *
     * @throws IllegalArgumentException with a message saying what a valid address looks like
     */
    public static URI parseBase(String address) {
        return parseBase(address, "http");
    }

    /**
     * As {@link #parseBase(String)}, {@code host:port} taking {@code defaultScheme}: {@code https} for a client
     * configured with TLS.
     */
    public static URI parseBase(String address, String defaultScheme) {
        String trimmed = address == null ? "" : address.trim();
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("empty master address: expected http://host:port, e.g. http://127.0.0.1:5050");
        }
        String withScheme = trimmed.contains("://") ? trimmed : defaultScheme + "://" + trimmed;
        URI uri;
        try {
            uri = new URI(withScheme);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("invalid master address '" + address + "': expected http://host:port");
        }
        String scheme = String.valueOf(uri.getScheme()).toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("invalid master address '" + address
                    + "': only http:// and https:// are supported (expected http://host:port)");
        }
        if (uri.getHost() == null || uri.getPort() < 0) {
            throw new IllegalArgumentException("invalid master address '" + address
                    + "': expected http://host:port with an explicit port, e.g. http://127.0.0.1:5050");
        }
        return base(scheme, uri.getHost(), uri.getPort());
    }

    /** As {@link #redirectTarget(String, String)} for a plain HTTP client. */
    public static URI redirectTarget(String location) {
        return redirectTarget(location, "http");
    }

    /**
     * The base URI of the master a redirect from {@code from} points to: the scheme of the request carries over to a
     * Location without one, so a client speaking HTTPS stays on HTTPS.
     */
    public static URI redirectTarget(String location, URI from) {
        return redirectTarget(location, from.getScheme());
    }

    /**
     * The base URI of the master a redirect points to. Mesos sends a protocol-relative {@code //host:port/path}; full
     * {@code http(s)://host:port/path} and the bare {@code host:port} of Mesos's own docs are accepted as well.
     *
     * @param scheme the scheme of the request that was redirected, for a Location without one
     * @throws IllegalArgumentException when the header names no host and port
     */
    public static URI redirectTarget(String location, String scheme) {
        if (location == null || location.isBlank()) {
            throw new IllegalArgumentException("redirect without a Location header");
        }
        String value = location.trim();
        String absolute;
        if (value.startsWith("//")) {
            absolute = scheme + ":" + value;
        } else if (value.contains("://")) {
            absolute = value;
        } else if (!value.startsWith("/")) {
            absolute = scheme + "://" + value;
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
        String target = String.valueOf(uri.getScheme()).toLowerCase(Locale.ROOT);
        if (scheme.equals("https") && !target.equals("https")) {
            // Following it would send the credential in the clear to whoever answered the TLS connection.
            throw new IllegalArgumentException("redirect Location '" + location + "' leaves HTTPS for " + target);
        }
        int defaultPort = target.equals("https") ? 443 : 80;
        return base(target, uri.getHost(), uri.getPort() < 0 ? defaultPort : uri.getPort());
    }

    /** {@code base} with {@code path} (which starts with '/') appended. */
    public static URI resolve(URI base, String path) {
        return URI.create(base.toString() + path);
    }

    /** {@code base} (a master's base URI) with another scheme. */
    public static URI withScheme(URI base, String scheme) {
        return scheme.equalsIgnoreCase(base.getScheme()) ? base : base(scheme, base.getHost(), base.getPort());
    }

    private static URI base(String scheme, String host, int port) {
        // IPv6 literals come back from URI.getHost() already bracketed.
        return URI.create(scheme + "://" + host + ":" + port);
    }
}
