package io.corral.protocol.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChunkFramingTest {
    @ParameterizedTest
    @CsvSource({"1, 1", "15, f", "16, 10", "255, ff", "256, 100", "4096, 1000", "200043, 30d6b"})
    void framesAChunkWithItsSizeInLowerCaseHexadecimal(int length, String hex) {
        byte[] data = new byte[length];
        java.util.Arrays.fill(data, (byte) 'x');
        ByteBuf buffer = Unpooled.buffer();

        ChunkFraming.append(buffer, data);

        String framed = buffer.toString(StandardCharsets.ISO_8859_1);
        assertThat(framed).isEqualTo(hex + "\r\n" + "x".repeat(length) + "\r\n");
        assertThat(ChunkFraming.framedSize(length)).isEqualTo(buffer.readableBytes());
    }
}
