package io.corral.protocol.http;

/**
 * Joins CRC-32s (gzip's, {@link java.util.zip.CRC32}) of byte strings computed apart: the CRC of {@code A} followed by
 * {@code B} is the CRC of {@code A} shifted past {@code B}'s length, added (XOR) to the CRC of {@code B}. Shifting a
 * CRC past {@code n} bytes is multiplying it by x^(8n) modulo the CRC's polynomial, so a part of a large answer kept
 * with its CRC and its shift ({@link CompressedPart}) joins an answer's CRC at the cost of one multiplication, instead
 * of its bytes being read again at every answer.
 *
 * <p>Polynomials are 32-bit values in the CRC's reflected bit order: x^0 is the top bit.
 *
 * <p>Stateless; its table is built once.
 */
final class Crc32Shift {
    /** The CRC-32 polynomial (IEEE 802.3), reflected. */
    private static final int POLYNOMIAL = 0xEDB88320;
    private static final int ONE = 1 << 31;
    /** x^(2^k) modulo the polynomial, for every bit of a 64-bit bit count: each the square of the one before. */
    private static final int[] POWERS_OF_TWO = new int[64];

    static {
        POWERS_OF_TWO[0] = ONE >>> 1; // x^1
        for (int k = 1; k < POWERS_OF_TWO.length; k++) {
            POWERS_OF_TWO[k] = multiply(POWERS_OF_TWO[k - 1], POWERS_OF_TWO[k - 1]);
        }
    }

    private Crc32Shift() {
    }

    /** x^(8 * length) modulo the polynomial: what shifts a CRC past {@code length} bytes. */
    static int past(long length) {
        int shift = ONE;
        long bits = length;
        for (int k = 3; bits != 0; k++, bits >>>= 1) { // 8 * length: start at x^(2^3)
            if ((bits & 1) != 0) {
                shift = multiply(POWERS_OF_TWO[k], shift);
            }
        }
        return shift;
    }

    /** The CRC-32 of A then B, from A's CRC, B's CRC and {@link #past}(B's length). */
    static long join(long crcOfA, long crcOfB, int pastB) {
        return (multiply(pastB, (int) crcOfA) ^ (int) crcOfB) & 0xFFFFFFFFL;
    }

    /** a * b modulo the polynomial. */
    private static int multiply(int a, int b) {
        int product = 0;
        int multiple = b; // b * x^i, for the bit of a being looked at
        for (int bit = ONE; bit != 0; bit >>>= 1) {
            if ((a & bit) != 0) {
                product ^= multiple;
            }
            multiple = (multiple & 1) != 0 ? (multiple >>> 1) ^ POLYNOMIAL : multiple >>> 1;
        }
        return product;
    }
}
