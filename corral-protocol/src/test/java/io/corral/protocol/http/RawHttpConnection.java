package io.corral.protocol.http;

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

/**
 * A plain socket speaking HTTP/1.1 by hand, for tests where the bytes on the wire matter (chunk boundaries,
 * duplicate headers, pipelining, connection reuse). Not thread-safe.
 */
final class RawHttpConnection implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RawHttpConnection(int port) throws IOException {
        this(port, 0);
    }

    /** @param receiveBufferBytes a small value makes a slow client; 0 keeps the default */
    RawHttpConnection(int port, int receiveBufferBytes) throws IOException {
        socket = new Socket();
        if (receiveBufferBytes > 0) {
            socket.setReceiveBufferSize(receiveBufferBytes);
        }
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(10_000); // a test that waits for bytes that never come fails instead of hanging
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    int localPort() {
        return socket.getLocalPort();
    }

    void write(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** Reads a status line and headers. */
    Head readHead() throws IOException {
        String statusLine = readLine();
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        List<String[]> headers = new ArrayList<>();
        for (String line = readLine(); !line.isEmpty(); line = readLine()) {
            int colon = line.indexOf(':');
            headers.add(new String[] {line.substring(0, colon).trim(), line.substring(colon + 1).trim()});
        }
        return new Head(status, headers);
    }

    /** Reads a whole response whose body has a Content-Length. */
    Response readResponse() throws IOException {
        Head head = readHead();
        int length = Integer.parseInt(head.header("Content-Length"));
        return new Response(head, in.readNBytes(length));
    }

    /** Reads one chunk of a chunked body: its data, or an empty array for the last chunk (and its empty trailer). */
    byte[] readChunk() throws IOException {
        int size = Integer.parseInt(readLine().trim(), 16);
        byte[] data = in.readNBytes(size);
        if (data.length != size) {
            throw new EOFException("chunk cut short: " + data.length + " of " + size + " bytes");
        }
        String end = readLine();
        if (!end.isEmpty()) {
            throw new IOException("chunk of " + size + " bytes not followed by CRLF but by '" + end + "'");
        }
        return data;
    }

    /** True when the server closed the connection (nothing more to read). */
    boolean isClosedByServer() throws IOException {
        return in.read() == -1;
    }

    String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b == -1) {
                throw new EOFException("connection closed in the middle of a line: " + line);
            }
            line.write(b);
        }
        String text = line.toString(StandardCharsets.ISO_8859_1);
        if (!text.endsWith("\r")) {
            throw new IOException("line not ended by CRLF: " + text);
        }
        return text.substring(0, text.length() - 1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    record Head(int status, List<String[]> headerLines) {
        /** First value of a header, or null. */
        String header(String name) {
            List<String> values = headers(name);
            return values.isEmpty() ? null : values.get(0);
        }

        List<String> headers(String name) {
            String wanted = name.toLowerCase(Locale.ROOT);
            return headerLines.stream().filter(h -> h[0].toLowerCase(Locale.ROOT).equals(wanted)).map(h -> h[1])
                    .toList();
        }
    }

    record Response(Head head, byte[] body) {
        int status() {
            return head.status();
        }

        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }
}
