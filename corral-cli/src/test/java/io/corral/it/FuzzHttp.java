package io.corral.it;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A deliberately plain HTTP/1.1 client over a socket, for the fuzz test: it sends requests exactly as built (any
 * header, twice, or none; any method, path and body), which {@code java.net.http} refuses to do, and it tells a
 * complete answer from a connection the server reset or left hanging. Keeps one keep-alive connection and opens a
 * new one only when the server announced it closes the old one ({@code Connection: close}) or the previous answer was
 * a stream.
 *
 * <p>Threading: one instance per thread.
 */
final class FuzzHttp implements AutoCloseable {
    static final int READ_TIMEOUT_MILLIS = 15_000;
    private static final int MAX_LINE = 64 * 1024;

    private final String host;
    private final int port;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    FuzzHttp(String host, int port) {
        this.host = host;
        this.port = port;
    }

    /** One request as it goes on the wire: headers are written in order, exactly as given (names may repeat). */
    record Request(String method, String target, List<Map.Entry<String, String>> headers, byte[] body) {
        byte[] encode(String hostHeader) {
            StringBuilder head = new StringBuilder();
            head.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
            head.append("Host: ").append(hostHeader).append("\r\n");
            for (Map.Entry<String, String> header : headers) {
                head.append(header.getKey()).append(": ").append(header.getValue()).append("\r\n");
            }
            head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
            byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
            byte[] all = new byte[headBytes.length + body.length];
            System.arraycopy(headBytes, 0, all, 0, headBytes.length);
            System.arraycopy(body, 0, all, headBytes.length, body.length);
            return all;
        }

        /**
         * True when the request line or a header is malformed on purpose (a control character in it): a server may
         * answer 400 as soon as it has read the head and close the connection, while the body is still on its way.
         */
        boolean malformedHead() {
            if (hasControl(target)) {
                return true;
            }
            for (Map.Entry<String, String> header : headers) {
                if (hasControl(header.getValue())) {
                    return true;
                }
            }
            return false;
        }

        private static boolean hasControl(String text) {
            return text.chars().anyMatch(c -> (c < 0x20 && c != '\t') || c == 0x7f);
        }
    }

    /**
     * A complete answer. {@code stream} is set when the server started a chunked 200 (an event stream): the caller
     * owns that socket from then on and must close it.
     */
    record Response(int status, List<Map.Entry<String, String>> headers, byte[] body, boolean streaming,
                    Socket stream, InputStream streamInput) {
        String header(String name) {
            for (Map.Entry<String, String> header : headers) {
                if (header.getKey().equalsIgnoreCase(name)) {
                    return header.getValue();
                }
            }
            return null;
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** The server answered nothing complete: it closed or reset the connection, or did not answer in time. */
    static final class NoAnswer extends Exception {
        /** The connection broke while the request was being written (the server closed it early). */
        final boolean whileSending;

        NoAnswer(String message, Throwable cause, boolean whileSending) {
            super(message, cause);
            this.whileSending = whileSending;
        }
    }

    /**
     * Sends {@code request} and reads its answer. A chunked 200 is returned as a stream (its body is not read) when
     * {@code streamOk}; otherwise its chunks are read to the end.
     */
    Response send(Request request, boolean streamOk) throws NoAnswer {
        boolean fresh = socket == null;
        try {
            if (fresh) {
                connect();
            }
        } catch (IOException e) {
            close();
            throw new NoAnswer("could not connect: " + e, e, true);
        }
        try {
            out.write(request.encode(host + ":" + port));
            out.flush();
        } catch (IOException e) {
            // The server may have answered (and closed) before reading it all: read what it said, if anything.
            try {
                return read(in, false);
            } catch (IOException | RuntimeException ignored) {
                throw new NoAnswer("could not send the request on a " + (fresh ? "new" : "kept-alive")
                        + " connection: " + e, e, true);
            } finally {
                close();
            }
        }
        try {
            Response response = read(in, streamOk);
            if (response.streaming()) {
                Socket stream = socket;
                InputStream streamInput = in;
                socket = null; // the stream owns it now
                in = null;
                out = null;
                return new Response(response.status(), response.headers(), response.body(), true, stream,
                        streamInput);
            }
            String connection = response.header("Connection");
            if (connection != null && connection.toLowerCase(Locale.ROOT).contains("close")) {
                close();
            }
            return response;
        } catch (IOException e) {
            close();
            throw new NoAnswer("no complete answer (" + e + ")", e, false);
        }
    }

    private void connect() throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(READ_TIMEOUT_MILLIS);
        socket.connect(new InetSocketAddress(host, port), 5_000);
        in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        out = socket.getOutputStream();
    }

    static Response read(InputStream in, boolean streamOk) throws IOException {
        String statusLine = readLine(in);
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP status line: '" + statusLine + "'");
        }
        int status = Integer.parseInt(parts[1]);
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("malformed header line: '" + line + "'");
            }
            headers.add(Map.entry(line.substring(0, colon).trim(), line.substring(colon + 1).trim()));
        }
        Response head = new Response(status, headers, new byte[0], false, null, null);
        String transferEncoding = head.header("Transfer-Encoding");
        if (transferEncoding != null && transferEncoding.toLowerCase(Locale.ROOT).contains("chunked")) {
            if (streamOk && status == 200) {
                return new Response(status, headers, new byte[0], true, null, null); // the caller adds the socket
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            readChunks(in, body::writeBytes);
            return new Response(status, headers, body.toByteArray(), false, null, null);
        }
        String length = head.header("Content-Length");
        if (length == null) {
            throw new IOException("answer " + status + " has neither Content-Length nor chunked encoding");
        }
        return new Response(status, headers, readFully(in, Integer.parseInt(length)), false, null, null);
    }

    /** Reads chunks until the last one, handing each chunk's data to {@code sink}. */
    static void readChunks(InputStream in, Consumer<byte[]> sink) throws IOException {
        while (true) {
            String sizeLine = readLine(in);
            int semicolon = sizeLine.indexOf(';');
            int size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
            if (size == 0) {
                for (String trailer = readLine(in); !trailer.isEmpty(); trailer = readLine(in)) {
                    // trailers are ignored
                }
                return;
            }
            sink.accept(readFully(in, size));
            if (!readLine(in).isEmpty()) {
                throw new IOException("chunk not followed by CRLF");
            }
        }
    }

    /** Reads the next chunk of a chunked body; null at its end. */
    static byte[] readChunk(InputStream in) throws IOException {
        String sizeLine = readLine(in);
        int semicolon = sizeLine.indexOf(';');
        int size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
        if (size == 0) {
            return null;
        }
        byte[] data = readFully(in, size);
        readLine(in);
        return data;
    }

    private static byte[] readFully(InputStream in, int length) throws IOException {
        byte[] data = in.readNBytes(length);
        if (data.length != length) {
            throw new EOFException("body ended after " + data.length + " of " + length + " bytes");
        }
        return data;
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed" + (line.length() > 0 ? " mid-line" : ""));
            }
            if (b == '\n') {
                int end = line.length();
                if (end > 0 && line.charAt(end - 1) == '\r') {
                    line.setLength(end - 1);
                }
                return line.toString();
            }
            if (line.length() >= MAX_LINE) {
                throw new IOException("line longer than " + MAX_LINE);
            }
            line.append((char) b);
        }
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        socket = null;
        in = null;
        out = null;
    }
}
