package io.corral.protocol.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The Mesos v1 rules for choosing the encoding of a request and of its response ({@code docs/mesos-compatibility.md},
 * "Media types").
 *
 * <ul>
 *   <li>Request: {@code Content-Type} must be present (else 400) and be {@code application/json} or
 *       {@code application/x-protobuf} (else 415). Parameters such as {@code ; charset=utf-8} are ignored.</li>
 *   <li>Response: no {@code Accept} means JSON. Otherwise every {@code Accept} line is read (clients may send it
 *       twice), with q-values and wildcards ({@code *}{@code /*}, {@code application/*}); the encoding with the
 *       highest quality wins, JSON on a tie (as Mesos, which tries JSON first). None acceptable gives 406.</li>
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
public final class MediaTypes {
    public static final String APPLICATION_JSON = "application/json";
    public static final String APPLICATION_PROTOBUF = "application/x-protobuf";

    static final String MISSING_CONTENT_TYPE = "Expecting 'Content-Type' to be present";
    static final String UNSUPPORTED_CONTENT_TYPE =
            "Expecting 'Content-Type' of " + APPLICATION_JSON + " or " + APPLICATION_PROTOBUF;
    static final String NOT_ACCEPTABLE =
            "Expecting 'Accept' to allow " + APPLICATION_JSON + " or " + APPLICATION_PROTOBUF;

    private MediaTypes() {}

    /** The encoding of the request body, from its {@code Content-Type}; throws {@link HttpError} 400 or 415. */
    public static Encoding requestEncoding(HttpExchange exchange) {
        return requestEncoding(exchange.header("Content-Type"));
    }

    /** As {@link #requestEncoding(HttpExchange)}, for a {@code Content-Type} value (null when absent). */
    public static Encoding requestEncoding(String contentType) {
        Encoding exact = exactly(contentType);
        if (exact != null) {
            return exact;
        }
        if (contentType == null || contentType.isBlank()) {
            throw new HttpError(400, MISSING_CONTENT_TYPE);
        }
        String type = withoutParameters(contentType);
        for (Encoding encoding : Encoding.values()) {
            if (encoding.mediaType().equals(type)) {
                return encoding;
            }
        }
        throw new HttpError(415, UNSUPPORTED_CONTENT_TYPE);
    }

    /** The encoding the client accepts for the response, from all its {@code Accept} lines; throws 406. */
    public static Encoding responseEncoding(HttpExchange exchange) {
        return responseEncoding(exchange.headers("Accept"));
    }

    /** As {@link #responseEncoding(HttpExchange)}, for the values of every {@code Accept} line (empty if none). */
    public static Encoding responseEncoding(List<String> acceptHeaders) {
        if (acceptHeaders.size() == 1) {
            Encoding exact = exactly(acceptHeaders.get(0));
            if (exact != null) {
                return exact;
            }
        }
        List<MediaRange> ranges = parseAccept(acceptHeaders);
        if (ranges == null) {
            return Encoding.JSON;
        }
        Encoding best = null;
        double bestQuality = 0;
        for (Encoding encoding : Encoding.values()) { // JSON first, so it wins a tie
            double quality = quality(ranges, encoding.mediaType());
            if (quality > bestQuality) {
                best = encoding;
                bestQuality = quality;
            }
        }
        if (best == null) {
            throw new HttpError(406, NOT_ACCEPTABLE);
        }
        return best;
    }

    /** The media ranges of all Accept lines, or null when the client sent no (non-blank) Accept at all. */
    private static List<MediaRange> parseAccept(List<String> acceptHeaders) {
        List<MediaRange> ranges = new ArrayList<>();
        boolean present = false;
        for (String header : acceptHeaders) {
            if (header == null || header.isBlank()) {
                continue;
            }
            present = true;
            for (String element : header.split(",")) {
                MediaRange range = MediaRange.parse(element);
                if (range != null) {
                    ranges.add(range);
                }
            }
        }
        return present ? ranges : null;
    }

    /** The quality the client gives a media type: that of the most specific range matching it, 0 if none does. */
    private static double quality(List<MediaRange> ranges, String mediaType) {
        int bestSpecificity = -1;
        double quality = 0;
        for (MediaRange range : ranges) {
            int specificity = range.specificityFor(mediaType);
            if (specificity > bestSpecificity) {
                bestSpecificity = specificity;
                quality = range.quality();
            } else if (specificity == bestSpecificity && specificity >= 0) {
                quality = Math.max(quality, range.quality());
            }
        }
        return quality;
    }

    /**
     * The encoding whose media type {@code value} is, exactly as the SDK, the agents and most clients send it; null
     * for anything else, which the rules above then read (parsing every call's two headers in full was 2% of the
     * master's HTTP threads while it launched a million tasks).
     */
    private static Encoding exactly(String value) {
        if (APPLICATION_PROTOBUF.equals(value)) {
            return Encoding.PROTOBUF;
        }
        return APPLICATION_JSON.equals(value) ? Encoding.JSON : null;
    }

    private static String withoutParameters(String headerValue) {
        int semicolon = headerValue.indexOf(';');
        String type = semicolon < 0 ? headerValue : headerValue.substring(0, semicolon);
        return type.trim().toLowerCase(Locale.ROOT);
    }

    /** One element of an Accept header, such as {@code application/*;q=0.5}. */
    private record MediaRange(String type, String subtype, double quality) {

        /** Parses one element; null when it is malformed, so that it is ignored. */
        static MediaRange parse(String element) {
            String[] parts = element.split(";");
            if (parts.length == 0) { // only semicolons, e.g. "Accept: ;"
                return null;
            }
            String mediaRange = parts[0].trim().toLowerCase(Locale.ROOT);
            if (mediaRange.equals("*")) { // old clients (e.g. HttpURLConnection) send a bare "*"
                mediaRange = "*/*";
            }
            int slash = mediaRange.indexOf('/');
            if (slash <= 0 || slash == mediaRange.length() - 1) {
                return null;
            }
            double quality = 1.0;
            for (int i = 1; i < parts.length; i++) {
                String parameter = parts[i].trim();
                if (parameter.regionMatches(true, 0, "q=", 0, 2)) {
                    try {
                        quality = Double.parseDouble(parameter.substring(2).trim());
                    } catch (NumberFormatException e) {
                        return null;
                    }
                    if (!(quality >= 0 && quality <= 1)) {
                        return null;
                    }
                }
            }
            return new MediaRange(mediaRange.substring(0, slash), mediaRange.substring(slash + 1), quality);
        }

        /** 2 for an exact match, 1 for {@code type/*}, 0 for {@code *}{@code /*}, -1 when it does not match. */
        int specificityFor(String mediaType) {
            int slash = mediaType.indexOf('/');
            String wantedType = mediaType.substring(0, slash);
            String wantedSubtype = mediaType.substring(slash + 1);
            if (type.equals("*")) {
                return subtype.equals("*") ? 0 : -1;
            }
            if (!type.equals(wantedType)) {
                return -1;
            }
            if (subtype.equals("*")) {
                return 1;
            }
            return subtype.equals(wantedSubtype) ? 2 : -1;
        }
    }
}
