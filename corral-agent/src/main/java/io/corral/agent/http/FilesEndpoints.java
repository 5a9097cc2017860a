package io.corral.agent.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.corral.protocol.http.HttpError;
import io.corral.protocol.http.HttpExchange;
import io.corral.protocol.http.HttpStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mesos's files endpoints on the agent ({@code docs/agent-api.md}, "Files"), over {@link SandboxFiles}:
 *
 * <ul>
 *   <li>{@code GET /files/browse?path=P}: a JSON array of {@code {path, nlink, size, mtime, mode, uid, gid}};</li>
 *   <li>{@code GET /files/read?path=P&offset=N&length=M}: {@code {"data": "...", "offset": N}}, at most 64 KiB;
 *       {@code offset=-1} (or none) answers the file's size as {@code offset} with no data, as Mesos's web UI
 *       expects; an offset at or past the end answers no data;</li>
 *   <li>{@code GET /files/download?path=P}: the file itself, streamed, as an attachment;</li>
 *   <li>{@code GET /files/debug}: every attached path and the sandbox it stands for.</li>
 * </ul>
 *
 * <p>{@code data} is text: bytes are decoded as UTF-8, a read never ends inside a multi-byte character (so a client
 * that adds the UTF-8 length of {@code data} to {@code offset} reads on where it stopped), and invalid bytes become
 * U+FFFD. Exact bytes come from {@code /files/download} or the operator API's {@code READ_FILE}.
 *
 * <p>Threading: {@link #handle} runs on an HTTP thread and holds no state; file I/O runs on the reader threads.
 */
public final class FilesEndpoints {
    private static final Logger LOG = LoggerFactory.getLogger(FilesEndpoints.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int DOWNLOAD_CHUNK = 64 * 1024;
    private static final Map<String, String> MEDIA_TYPES = Map.of("txt", "text/plain", "log", "text/plain",
            "json", "application/json", "html", "text/html", "xml", "application/xml", "gz", "application/gzip",
            "tar", "application/x-tar", "zip", "application/zip");

    private final AgentReads reads;
    private final Executor readers;

    public FilesEndpoints(AgentReads reads, Executor readers) {
        this.reads = reads;
        this.readers = readers;
    }

    /**
     * Answers a path under {@code /files/}, for a principal with {@code approvals} (its {@code access_sandboxes});
     * false when it is not one of the four.
     */
    public boolean handle(HttpExchange exchange, Approvals approvals) {
        String endpoint = exchange.path();
        if (!endpoint.equals("/files/browse") && !endpoint.equals("/files/read") && !endpoint.equals("/files/download")
                && !endpoint.equals("/files/debug") && !endpoint.equals("/files/browse.json")
                && !endpoint.equals("/files/read.json") && !endpoint.equals("/files/debug.json")) {
            return false;
        }
        if (!exchange.method().equals("GET")) {
            exchange.respond(405, "text/plain; charset=utf-8", ("Expecting a 'GET' request, received '"
                    + exchange.method() + "'").getBytes(StandardCharsets.UTF_8), Map.of("Allow", "GET"));
            return true;
        }
        String path = exchange.queryParam("path");
        CompletableFuture<byte[]> json = switch (endpoint) {
            case "/files/browse", "/files/browse.json" -> reads.readFiles(approvals, files -> browse(files, path));
            case "/files/read", "/files/read.json" -> read(exchange, approvals, path);
            case "/files/debug", "/files/debug.json" -> reads.readFiles(approvals,
                    files -> write(MAPPER.valueToTree(files.debug())));
            default -> null;
        };
        if (json == null) {
            download(exchange, approvals, path);
        } else {
            json.whenComplete((body, failure) -> {
                if (failure != null) {
                    AgentReads.fail(exchange, failure);
                } else {
                    exchange.respond(200, "application/json", body);
                }
            });
        }
        return true;
    }

    private static byte[] browse(SandboxFiles files, String path) {
        ArrayNode listing = MAPPER.createArrayNode();
        for (SandboxFiles.Entry entry : files.browse(path)) {
            listing.addObject()
                    .put("path", entry.path())
                    .put("nlink", entry.nlink())
                    .put("size", entry.size())
                    .put("mtime", entry.mtimeSeconds())
                    .put("mode", entry.mode())
                    .put("uid", entry.uid())
                    .put("gid", entry.gid());
        }
        return write(listing);
    }

    private CompletableFuture<byte[]> read(HttpExchange exchange, Approvals approvals, String path) {
        long offset;
        Long length;
        try {
            offset = number("offset", exchange.queryParam("offset"), -1);
            long lengthParam = number("length", exchange.queryParam("length"), -1);
            length = lengthParam == -1 ? null : lengthParam; // Mesos: length -1 is no length, to the end
        } catch (HttpError error) {
            return CompletableFuture.failedFuture(error);
        }
        return reads.readFiles(approvals, files -> {
            // offset -1 asks for the size (Mesos's web UI starts so): read nothing, answer the size as the offset.
            SandboxFiles.Chunk chunk = files.read(path, Math.max(offset, 0), offset == -1 ? Long.valueOf(0) : length);
            ObjectNode answer = MAPPER.createObjectNode();
            answer.put("data", text(chunk.data()));
            answer.put("offset", offset == -1 ? chunk.size() : offset);
            return write(answer);
        });
    }

    /** A query number: absent gives {@code absent}; below -1 or not a number is Mesos's 400. */
    private static long number(String name, String value, long absent) {
        if (value == null) {
            return absent;
        }
        long parsed;
        try {
            parsed = Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw new HttpError(400, "Failed to parse " + name + ": '" + value + "' is not a number.");
        }
        if (parsed < -1) {
            throw new HttpError(400, "Negative " + name + " provided: " + parsed + ".");
        }
        return parsed;
    }

    /** UTF-8 text of the bytes, without a multi-byte character cut at the end (unless that is all there is). */
    static String text(byte[] data) {
        int end = data.length;
        // Walk back over at most 3 continuation bytes to the lead byte of the last character.
        int lead = end - 1;
        while (lead >= 0 && lead > end - 4 && (data[lead] & 0xC0) == 0x80) {
            lead--;
        }
        if (lead >= 0 && lead < end) {
            int b = data[lead] & 0xFF;
            int needed = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            if (end - lead < needed && lead > 0) {
                end = lead; // the character continues in the next read
            }
        }
        return new String(data, 0, end, StandardCharsets.UTF_8);
    }

    /**
     * Streams the file in 64 KiB chunks, each after the client took the previous one. A download is an open stream
     * counted against the client's {@code max_streams} (answered 429 over it, before the file is opened).
     */
    private void download(HttpExchange exchange, Approvals approvals, String path) {
        if (!exchange.reserveStream()) {
            return;
        }
        reads.readFiles(approvals, files -> {
            SandboxFiles.Resolved resolved = files.resolve(path);
            return Map.entry(resolved, files.openForDownload(resolved));
        }).whenComplete((opened, failure) -> {
            if (failure != null) {
                AgentReads.fail(exchange, failure);
                return;
            }
            String name = opened.getKey().real().getFileName().toString();
            HttpStream stream;
            try {
                stream = exchange.startStream(200, mediaType(name), Map.of("Content-Disposition",
                        "attachment; filename=\"" + name.replace("\"", "") + "\""));
            } catch (RuntimeException e) {
                close(opened.getValue());
                AgentReads.fail(exchange, e);
                return;
            }
            sendNext(opened.getValue(), stream);
        });
    }

    private void sendNext(FileChannel file, HttpStream stream) {
        readers.execute(() -> {
            byte[] chunk;
            try {
                ByteBuffer buffer = ByteBuffer.allocate(DOWNLOAD_CHUNK);
                int read = file.read(buffer);
                chunk = read <= 0 ? null : Arrays.copyOf(buffer.array(), read);
            } catch (IOException e) {
                LOG.warn("Download stopped: {}", e.getMessage());
                chunk = null;
            }
            if (chunk == null || !stream.isOpen()) {
                close(file);
                stream.close();
                return;
            }
            stream.send(chunk).whenComplete((sent, failure) -> {
                if (failure != null) {
                    close(file);
                    stream.close();
                } else {
                    sendNext(file, stream);
                }
            });
        });
    }

    private static String mediaType(String name) {
        int dot = name.lastIndexOf('.');
        String extension = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
        return MEDIA_TYPES.getOrDefault(extension, "application/octet-stream");
    }

    private static void close(FileChannel file) {
        try {
            file.close();
        } catch (IOException e) {
            LOG.debug("Closing a download: {}", e.getMessage());
        }
    }

    private static byte[] write(Object json) {
        try {
            return MAPPER.writeValueAsBytes(json);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
