package io.corral.agent;

import io.corral.agent.containerizer.AtomicFiles;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's checkpoint as one append-only file of keyed records ({@code meta/checkpoint.log}): a record put or
 * deleted is appended, the latest record of a key wins, and a burst of records costs one write and at most one
 * {@code fdatasync} whatever their number. (One small file per record, replaced atomically, cost a task about 20
 * directory operations and 9 forced writes; at hundreds of launches a second that file work was most of an agent's
 * CPU, in the kernel.)
 *
 * <p>Layout: the magic line {@code CORRAL-CHECKPOINT-1\n}, then records, each
 * <pre>
 * int32   payload length (big-endian)
 * int32   CRC-32C of the payload
 * payload uint16 key length, key (UTF-8), uint8 kind (1 put, 0 delete), value (a put's: the rest)
 * </pre>
 *
 * <p>Reading it back: a record cut short at the end of the file is what a crash during an append leaves, so it is
 * dropped and the file truncated there; a record in the middle whose checksum fails (a damaged disk) is skipped, and
 * its key, when still legible, is reported {@link #damaged} until a later record of that key replaces it, so the
 * agent can report the task lost instead of forgetting it silently.
 *
 * <p>When the file has grown past {@link #COMPACT_AT_LEAST} and {@link #COMPACT_RATIO} times its live records, it is
 * rewritten with only those (to a new file, forced, renamed over the old one, the directory forced).
 *
 * <p>Threading: not thread-safe; owned by whoever owns the {@link AgentStore} (the agent's event loop).
 */
final class CheckpointLog implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointLog.class);
    static final String FILE = "checkpoint.log";
    private static final byte[] MAGIC = "CORRAL-CHECKPOINT-1\n".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER = 8;
    /** Larger than any record the agent writes (a TaskInfo is bounded by the master's request limit). */
    static final int MAX_PAYLOAD = 64 << 20;
    static final long COMPACT_AT_LEAST = 8L << 20;
    static final int COMPACT_RATIO = 4;
    private static final byte PUT = 1;
    private static final byte DELETE = 0;

    /** A record to append: {@code value} null deletes the key. */
    record Change(String key, byte[] value) {
        /** {@code value} is handed over: not to be changed after. */
        static Change put(String key, byte[] value) {
            return new Change(key, value);
        }

        static Change delete(String key) {
            return new Change(key, null);
        }
    }

    private final Path file;
    private final TreeMap<String, byte[]> live = new TreeMap<>();
    private final Map<String, String> damaged = new HashMap<>();
    private FileChannel channel;
    private long size;
    private long liveBytes;

    private CheckpointLog(Path file) {
        this.file = file;
    }

    /** Opens {@code file}, creating it when missing, and reads it back whole. */
    static CheckpointLog open(Path file) throws IOException {
        CheckpointLog log = new CheckpointLog(file);
        if (!Files.exists(file)) {
            AtomicFiles.write(file, MAGIC);
        }
        log.read(Files.readAllBytes(file));
        log.channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        if (log.channel.size() > log.size) {
            log.channel.truncate(log.size); // the torn tail goes before anything is appended after it
        }
        return log;
    }

    private void read(byte[] bytes) throws IOException {
        if (bytes.length < MAGIC.length || !Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new IOException(file + " is not a Corral agent checkpoint (move it away to start this agent afresh)");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        int position = MAGIC.length;
        while (position < bytes.length) {
            int remaining = bytes.length - position;
            int length = remaining < HEADER ? -1 : in.getInt(position);
            if (length < 3 || length > MAX_PAYLOAD || length > remaining - HEADER) {
                break; // cut short by a crash during its append (or a damaged length: nothing after it is readable)
            }
            int checksum = in.getInt(position + 4);
            ByteBuffer payload = ByteBuffer.wrap(bytes, position + HEADER, length).slice();
            boolean last = position + HEADER + length == bytes.length;
            if (crc(payload) != checksum) {
                if (last) {
                    break; // the last append, torn
                }
                damagedRecord(payload, position);
            } else {
                try {
                    apply(decode(payload));
                } catch (IOException e) {
                    damagedRecord(payload, position);
                }
            }
            position += HEADER + length;
        }
        if (position < bytes.length) {
            LOG.warn("{}: dropping its last {} byte(s), an append cut short by a crash", file,
                    bytes.length - position);
        }
        size = position;
    }

    private void damagedRecord(ByteBuffer payload, int position) {
        String key = legibleKey(payload);
        String reason = "its record is damaged (checksum mismatch at byte " + position + " of " + file + ")";
        LOG.error("{}: a damaged record at byte {}, key {}", file, position, key == null ? "illegible" : key);
        if (key != null) {
            remove(key);
            damaged.put(key, reason);
        }
    }

    /** The key of a damaged record, if its length and characters still make sense (UTF-8, no control character). */
    private static String legibleKey(ByteBuffer payload) {
        if (payload.remaining() < 3) {
            return null;
        }
        int keyLength = Short.toUnsignedInt(payload.getShort(0));
        if (keyLength == 0 || keyLength > payload.remaining() - 3) {
            return null;
        }
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .decode(payload.duplicate().position(2).limit(2 + keyLength)).toString();
            return text.chars().noneMatch(Character::isISOControl) ? text : null;
        } catch (java.nio.charset.CharacterCodingException e) {
            return null; // not UTF-8 any more
        }
    }

    private static Change decode(ByteBuffer payload) throws IOException {
        int keyLength = Short.toUnsignedInt(payload.getShort(0));
        if (keyLength == 0 || keyLength > payload.remaining() - 3) {
            throw new IOException("a checkpoint record's key length is out of bounds: " + keyLength);
        }
        byte[] key = new byte[keyLength];
        payload.get(2, key);
        byte kind = payload.get(2 + keyLength);
        byte[] value = new byte[payload.remaining() - 3 - keyLength];
        payload.get(3 + keyLength, value);
        if (kind != PUT && kind != DELETE) {
            throw new IOException("a checkpoint record has an unknown kind: " + kind);
        }
        return new Change(new String(key, StandardCharsets.UTF_8), kind == PUT ? value : null);
    }

    /** The value of {@code key}, or null. The array is the log's own: not to be changed. */
    byte[] get(String key) {
        return live.get(key);
    }

    /** Whether {@code key} has a record, readable or {@link #damaged}. */
    boolean holds(String key) {
        return live.containsKey(key) || damaged.containsKey(key);
    }

    /** Every live record whose key starts with {@code prefix}, in key order (a read-only view). */
    SortedMap<String, byte[]> under(String prefix) {
        return Collections.unmodifiableSortedMap(live.subMap(prefix, prefix + Character.MAX_VALUE));
    }

    /** Keys whose latest record could not be read back, with why. */
    Map<String, String> damaged() {
        return Collections.unmodifiableMap(damaged);
    }

    /**
     * Appends {@code changes} in one write, forced to disk when {@code force} (else they survive the agent's crash,
     * not a power cut). When the write fails, the log is as before it: nothing of it is kept, on disk or here.
     */
    void append(List<Change> changes, boolean force) throws IOException {
        if (changes.isEmpty()) {
            return;
        }
        ByteBuffer records = encode(changes);
        long before = channel.size(); // where this append starts, whoever else appended (an older incarnation)
        int length = records.remaining();
        try {
            while (records.hasRemaining()) {
                channel.write(records);
            }
            if (force) {
                channel.force(false);
            }
        } catch (IOException e) {
            undoAppend(before);
            throw e;
        }
        size = before + length;
        changes.forEach(this::apply);
        if (size > Math.max(COMPACT_AT_LEAST, COMPACT_RATIO * liveBytes)) {
            compact();
        }
    }

    private void undoAppend(long before) {
        try {
            channel.truncate(before);
        } catch (IOException e) {
            LOG.error("{}: cannot take back a failed append: {}", file, e.getMessage());
        }
    }

    private void apply(Change change) {
        damaged.remove(change.key());
        remove(change.key());
        if (change.value() != null) {
            live.put(change.key(), change.value());
            liveBytes += recordSize(change);
        }
    }

    private void remove(String key) {
        byte[] old = live.remove(key);
        if (old != null) {
            liveBytes -= recordSize(new Change(key, old));
        }
    }

    /** Rewrites the file with only the live records. On failure the old file stays, whole. */
    private void compact() {
        Path fresh = file.resolveSibling(file.getFileName() + ".compacting");
        List<Change> records = live.entrySet().stream().map(e -> new Change(e.getKey(), e.getValue())).toList();
        try (FileChannel out = FileChannel.open(fresh, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer[] content = {ByteBuffer.wrap(MAGIC), encode(records)};
            while (content[1].hasRemaining()) {
                out.write(content);
            }
            out.force(true);
        } catch (IOException e) {
            LOG.warn("{}: cannot compact it, appending on: {}", file, e.getMessage());
            return;
        }
        try {
            Files.move(fresh, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            AtomicFiles.forceDirectory(file.getParent());
            channel.close();
            channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            size = channel.size();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(file + ": cannot reopen it after compacting it", e);
        }
    }

    private static ByteBuffer encode(List<Change> changes) throws IOException {
        ByteBuffer out = ByteBuffer.allocate(changes.stream().mapToInt(CheckpointLog::recordSize).sum());
        for (Change change : changes) {
            byte[] key = change.key().getBytes(StandardCharsets.UTF_8);
            byte[] value = change.value() == null ? new byte[0] : change.value();
            if (key.length == 0 || key.length > 0xffff || 3 + key.length + value.length > MAX_PAYLOAD) {
                throw new IOException("a checkpoint record is out of bounds (" + key.length + "-byte key, "
                        + value.length + "-byte value)");
            }
            int start = out.position();
            out.putInt(3 + key.length + value.length).putInt(0);
            out.putShort((short) key.length).put(key).put(change.value() == null ? DELETE : PUT).put(value);
            int end = out.position();
            out.putInt(start + 4, crc(ByteBuffer.wrap(out.array(), start + HEADER, end - start - HEADER)));
        }
        return out.flip();
    }

    private static int recordSize(Change change) {
        return HEADER + 3 + change.key().getBytes(StandardCharsets.UTF_8).length
                + (change.value() == null ? 0 : change.value().length);
    }

    private static int crc(ByteBuffer payload) {
        CRC32C crc = new CRC32C();
        crc.update(payload.duplicate());
        return (int) crc.getValue();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
