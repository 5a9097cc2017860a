package io.corral.protocol.recordio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.protocol.recordio.RecordIODecoder.RecordIOException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class RecordIOTest {

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static List<String> hex(List<byte[]> records) {
        return records.stream().map(HexFormat.of()::formatHex).toList();
    }

    @Test
    void framesWithDecimalLengthAndNewline() {
        assertThat(new String(RecordIO.frame(ascii("{\"type\":\"HEARTBEAT\"}")), StandardCharsets.US_ASCII))
                .isEqualTo("20\n{\"type\":\"HEARTBEAT\"}");
        byte[] utf8 = "é".getBytes(StandardCharsets.UTF_8);
        assertThat(RecordIO.frame(utf8)).startsWith(ascii("2\n"));
    }

    @Test
    void refusesToFrameAnEmptyRecord() {
        assertThatThrownBy(() -> RecordIO.frame(new byte[0])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void decodesSeveralRecordsFromOneChunk() {
        RecordIODecoder decoder = new RecordIODecoder();
        byte[] chunk = concat(List.of(RecordIO.frame(ascii("a")), RecordIO.frame(ascii("12\n34")),
                RecordIO.frame(ascii("xyz"))));

        List<byte[]> records = decoder.feed(chunk);

        assertThat(hex(records)).isEqualTo(hex(List.of(ascii("a"), ascii("12\n34"), ascii("xyz"))));
        assertThat(decoder.isAtRecordBoundary()).isTrue();
    }

    @Test
    void keepsPartialHeadersAndBodiesBetweenFeeds() {
        RecordIODecoder decoder = new RecordIODecoder();

        assertThat(decoder.feed(ascii("1"))).isEmpty();
        assertThat(decoder.isAtRecordBoundary()).isFalse();
        assertThat(decoder.feed(ascii("1\nhello"))).isEmpty();
        assertThat(decoder.isAtRecordBoundary()).isFalse();
        List<byte[]> records = decoder.feed(ascii(" world3\nab"));

        assertThat(hex(records)).isEqualTo(hex(List.of(ascii("hello world"))));
        assertThat(decoder.isAtRecordBoundary()).isFalse();
        assertThat(hex(decoder.feed(ascii("c")))).isEqualTo(hex(List.of(ascii("abc"))));
        assertThat(decoder.isAtRecordBoundary()).isTrue();
    }

    @Test
    void feedsOnlyTheGivenSliceOfABuffer() {
        byte[] buffer = ascii("junk3\nabcjunk");

        List<byte[]> records = new RecordIODecoder().feed(buffer, 4, 5);

        assertThat(hex(records)).isEqualTo(hex(List.of(ascii("abc"))));
    }

    @Test
    void rejectsMalformedHeaders() {
        for (String bad : List.of("abc\n", "\n", "-5\nhello", "5x\nhello", " 5\nhello", "5\r\nhello", "0\n")) {
            assertThatThrownBy(() -> new RecordIODecoder().feed(ascii(bad)))
                    .as("header of %s", bad.replace("\n", "\\n").replace("\r", "\\r"))
                    .isInstanceOf(RecordIOException.class);
        }
    }

    @Test
    void zeroLengthIsRejected() {
        assertThatThrownBy(() -> new RecordIODecoder().feed(ascii("3\nabc0\n")))
                .isInstanceOf(RecordIOException.class)
                .hasMessageContaining("out of range");
    }

    @Test
    void lengthsBeyondTheLimitAreRejectedEvenWhenTheyOverflowALong() {
        long tooLong = RecordIODecoder.MAX_RECORD_BYTES + 1;
        for (String header : List.of(tooLong + "\n", "18446744073709551615\n", "99999999999999999999\n",
                "123456789012345678901\n")) {
            assertThatThrownBy(() -> new RecordIODecoder().feed(ascii(header)))
                    .as("header %s", header.strip())
                    .isInstanceOf(RecordIOException.class);
        }
    }

    @Property(tries = 200)
    void anyChunkingDecodesToTheSameRecords(
            @ForAll("records") List<byte[]> records,
            @ForAll @Size(max = 20) List<@IntRange(min = 0, max = 100_000) Integer> cuts) {
        byte[] stream = concat(records.stream().map(RecordIO::frame).toList());
        RecordIODecoder decoder = new RecordIODecoder();
        List<byte[]> decoded = new ArrayList<>();

        int start = 0;
        for (int cut : cutPoints(cuts, stream.length)) {
            decoded.addAll(decoder.feed(stream, start, cut - start));
            start = cut;
        }
        decoded.addAll(decoder.feed(stream, start, stream.length - start));

        assertThat(hex(decoded)).isEqualTo(hex(records));
        assertThat(decoder.isAtRecordBoundary()).isTrue();
    }

    @Provide
    Arbitrary<List<byte[]>> records() {
        Arbitrary<byte[]> small = Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(40);
        Arbitrary<byte[]> large = Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(5_000);
        return Arbitraries.frequencyOf(Tuple.of(4, small), Tuple.of(1, large))
                .list().ofMinSize(1).ofMaxSize(8);
    }

    /** Distinct ascending positions strictly inside the stream. */
    private static TreeSet<Integer> cutPoints(List<Integer> cuts, int length) {
        TreeSet<Integer> points = new TreeSet<>();
        for (int cut : cuts) {
            int point = cut % length;
            if (point > 0) {
                points.add(point);
            }
        }
        return points;
    }

    private static byte[] concat(List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }
}
