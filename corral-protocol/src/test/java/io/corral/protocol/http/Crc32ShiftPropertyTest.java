package io.corral.protocol.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.zip.CRC32;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;

/** CRCs joined from parts are the CRC of the whole, for any split, as gzip's CRC of a spliced answer must be. */
class Crc32ShiftPropertyTest {

    private static long crc(byte[] bytes, int offset, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, offset, length);
        return crc.getValue();
    }

    @Property
    void theJoinedCrcOfTwoPartsIsTheCrcOfBoth(@ForAll @Size(max = 5000) byte[] bytes, @ForAll int cut) {
        int at = Math.floorMod(cut, bytes.length + 1);
        int rest = bytes.length - at;

        long joined = Crc32Shift.join(crc(bytes, 0, at), crc(bytes, at, rest), Crc32Shift.past(rest));

        assertThat(joined).isEqualTo(crc(bytes, 0, bytes.length));
    }

    @Property
    void joiningPastALongRunOfZerosMatchesTheCrcOverIt(@ForAll byte[] head, @ForAll("zeros") int zeros) {
        byte[] whole = java.util.Arrays.copyOf(head, head.length + zeros);

        long joined = Crc32Shift.join(crc(head, 0, head.length), crc(whole, head.length, zeros),
                Crc32Shift.past(zeros));

        assertThat(joined).isEqualTo(crc(whole, 0, whole.length));
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<Integer> zeros() {
        return net.jqwik.api.Arbitraries.integers().between(0, 3 << 20);
    }
}
