package io.corral.protocol.http;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;

/**
 * Mesos's response compression: a complete (non-stream) answer of at least {@link #MINIMUM_LENGTH} bytes goes out
 * gzip-compressed ({@code Content-Encoding: gzip}) to a client whose {@code Accept-Encoding} takes gzip, as libprocess
 * does; streams never are. Compressed at the fastest level: a large {@code /master/state} is mostly repeated keys, so
 * even that shrinks it about tenfold, for a fraction of the CPU of the default level.
 *
 * <p>Stateless.
 */
final class GzipEncoding {
    /** libprocess's GZIP_MINIMUM_BODY_LENGTH: smaller bodies are sent as they are. */
    static final int MINIMUM_LENGTH = 1024;

    private GzipEncoding() {}

    /**
     * Whether {@code Accept-Encoding} (every line of it) takes gzip: {@code gzip} or {@code x-gzip} listed with a
     * non-zero quality, or {@code *} with one while gzip itself is not refused ({@code gzip;q=0}).
     */
    static boolean accepted(List<String> acceptEncoding) {
        Double gzip = null;
        Double any = null;
        for (String line : acceptEncoding) {
            for (String element : line.split(",")) {
                String[] parts = element.split(";");
                String coding = parts[0].trim().toLowerCase(Locale.ROOT);
                double quality = quality(parts);
                if (coding.equals("gzip") || coding.equals("x-gzip")) {
                    gzip = quality;
                } else if (coding.equals("*")) {
                    any = quality;
                }
            }
        }
        return gzip != null ? gzip > 0 : any != null && any > 0;
    }

    /** The {@code q} parameter of a coding (1 when absent, 0 when unreadable: a client that garbles it gets none). */
    private static double quality(String[] parts) {
        for (int i = 1; i < parts.length; i++) {
            String parameter = parts[i].trim();
            if (parameter.startsWith("q=") || parameter.startsWith("Q=")) {
                try {
                    return Double.parseDouble(parameter.substring(2).trim());
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 1;
    }

    static byte[] compress(byte[] body) {
        try {
            return compress(out -> out.write(body), body.length / 8).bytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array stream does not fail
        }
    }

    /** What {@link #compress(ResponseBody.Writer, int)} made, and the length of what went in. */
    record Compressed(byte[] bytes, long length) {}

    /**
     * What {@code writer} writes, compressed as it goes into an array of about {@code sizeHint} bytes; the
     * {@link CompressedPart}s it writes are copied in as they were compressed before.
     */
    static Compressed compress(ResponseBody.Writer writer, int sizeHint) throws IOException {
        return compress(writer, sizeHint, Deflater.BEST_SPEED);
    }

    /** {@link #compress(ResponseBody.Writer, int)} with what the writer writes itself deflated at {@code level}. */
    static Compressed compress(ResponseBody.Writer writer, int sizeHint, int level) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, sizeHint));
        SplicingGzipStream gzip = new SplicingGzipStream(out, level);
        try {
            writer.writeTo(gzip);
            gzip.finish();
        } finally {
            gzip.end(); // the deflater's native memory, at once rather than when collected
        }
        return new Compressed(out.toByteArray(), gzip.length());
    }

    /**
     * {@code gzipped} inflated and compressed again as one stream at {@code level}, a piece at a time (the plain bytes
     * are never held whole).
     */
    static Compressed recompress(byte[] gzipped, int level) {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped), 64 * 1024)) {
            return compress(in::transferTo, gzipped.length, level);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // made here from a byte array: cannot be corrupt
        }
    }

    static byte[] decompress(byte[] gzipped) {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // made here from a byte array: cannot be corrupt
        }
    }
}
