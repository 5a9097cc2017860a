package io.corral.protocol.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/** Parts compressed once and copied into later answers: the answers inflate, with any gzip reader, to their bytes. */
class CompressedPartTest {
    private final Random random = new Random(11);

    private byte[] task(int i) {
        return ("{\"id\":\"task-" + i + "\",\"state\":\"TASK_RUNNING\",\"resources\":{\"cpus\":0.1,\"mem\":"
                + (i * 37 % 4096) + "}}").getBytes(UTF_8);
    }

    private static final byte[] COMMA = {','};

    /** Tasks' objects and the commas between them. */
    private List<byte[]> tasks(int from, int count) {
        List<byte[]> pieces = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            if (i > from) {
                pieces.add(COMMA);
            }
            pieces.add(task(i));
        }
        return pieces;
    }

    private static byte[] plain(ResponseBody.Writer writer) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writer.writeTo(out);
        return out.toByteArray();
    }

    private static byte[] inflate(byte[] gzip) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(gzip))) {
            return in.readAllBytes();
        }
    }

    @Test
    void anAnswerOfPartsAndFreshBytesInflatesToWhatItsPlainFormIs() throws Exception {
        CompressedPart first = CompressedPart.of(tasks(0, 64));
        CompressedPart second = CompressedPart.of(tasks(64, 3));
        CompressedPart empty = CompressedPart.of(List.of());
        ResponseBody.Writer writer = out -> {
            out.write("{\"tasks\":[".getBytes(UTF_8));
            first.writeTo(out);
            out.write(',');
            second.writeTo(out);
            empty.writeTo(out);
            out.write("],\"fresh\":\"".getBytes(UTF_8));
            out.write(task(1000)); // repeats what the parts hold: must not be compressed as a reference into them
            out.write("\"}".getBytes(UTF_8));
        };

        byte[] expected = plain(writer);
        GzipEncoding.Compressed compressed = GzipEncoding.compress(writer, 1024);

        assertThat(inflate(compressed.bytes())).isEqualTo(expected);
        assertThat(compressed.length()).isEqualTo(expected.length);
        assertThat(compressed.bytes().length).isLessThan(expected.length / 2);
    }

    @Test
    void aPartIsCopiedIntoEveryAnswerThatHoldsItAndEachStillInflates() throws Exception {
        List<CompressedPart> parts = new ArrayList<>();
        for (int p = 0; p < 50; p++) {
            parts.add(CompressedPart.of(tasks(p * 40, 1 + random.nextInt(80))));
        }
        for (int answer = 0; answer < 3; answer++) {
            int shift = answer;
            ResponseBody.Writer writer = out -> {
                for (int p = 0; p < parts.size(); p++) {
                    out.write(("[" + shift + "]").getBytes(UTF_8));
                    parts.get((p + shift) % parts.size()).writeTo(out);
                    out.write(new byte[shift * 70_000]); // fresh bytes longer than the deflater's window
                }
            };

            assertThat(inflate(GzipEncoding.compress(writer, 16).bytes())).isEqualTo(plain(writer));
        }
    }

    @Test
    void anEmptyAnswerIsAValidGzipMember() throws Exception {
        GzipEncoding.Compressed compressed = GzipEncoding.compress(out -> { }, 16);

        assertThat(inflate(compressed.bytes())).isEmpty();
        assertThat(compressed.length()).isZero();
    }

    @Test
    void aPartKnowsTheArraysItWasMadeOfButNotEqualCopies() {
        List<byte[]> pieces = tasks(0, 5);
        CompressedPart part = CompressedPart.of(pieces);

        assertThat(part.isMadeOf(new ArrayList<>(pieces))).isTrue();
        List<byte[]> copies = pieces.stream().map(byte[]::clone).toList();
        assertThat(part.isMadeOf(copies)).isFalse();
        assertThat(part.isMadeOf(pieces.subList(0, 3))).isFalse();
    }

    @Test
    void anAnswerOfPartsCompressedHarderIsSmallerAndInflatesToTheSameBytes() throws Exception {
        List<CompressedPart> parts = new ArrayList<>();
        for (int from = 0; from < 40_000; from += 64) { // tasks with a status uuid each, as GET_STATE's are
            List<byte[]> pieces = new ArrayList<>();
            for (int i = from; i < from + 64; i++) {
                pieces.add(i == from ? new byte[0] : COMMA);
                pieces.add(("{\"id\":\"task-" + i + "\",\"uuid\":\"" + Long.toHexString(random.nextLong())
                        + Long.toHexString(random.nextLong()) + "\",\"state\":\"TASK_RUNNING\"}").getBytes(UTF_8));
            }
            parts.add(CompressedPart.of(pieces));
        }
        ResponseBody.Writer writer = out -> {
            out.write('[');
            for (int p = 0; p < parts.size(); p++) {
                out.write(p == 0 ? new byte[0] : COMMA);
                parts.get(p).writeTo(out);
            }
            out.write(']');
        };
        ResponseBody body = ResponseBody.written(true, 1 << 20, writer);

        ResponseBody harder = body.compressedHarder();

        assertThat(body.gzipped().length).as("worth it: a shared answer").isGreaterThan(ResponseBody.SHARED_DIRECT_MIN_BYTES);
        assertThat(harder).isNotSameAs(body);
        assertThat(harder.gzipped().length).isLessThan(body.gzipped().length);
        assertThat(inflate(harder.gzipped())).isEqualTo(plain(writer)); // the JDK's reader checks the CRC and length
        assertThat(harder.length()).isEqualTo(body.length());
        ResponseBody small = ResponseBody.written(true, 64, out -> out.write(task(1)));
        assertThat(small.compressedHarder()).as("too small to be worth it").isSameAs(small);
        ResponseBody plainOnly = ResponseBody.of(plain(writer));
        assertThat(plainOnly.compressedHarder()).as("never compressed").isSameAs(plainOnly);
    }
}
