package io.corral.agent.fetcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorOutputStream;
import org.apache.mesos.v1.Protos.CommandInfo.URI;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fetcher against real files, archives built here, and an HTTP server started here. */
class FetcherTest {
    @TempDir Path dir;
    private Path sandbox;
    private FetcherCache cache;
    private Fetcher fetcher;
    private HttpServer server;
    private final Map<String, byte[]> served = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();

    @BeforeEach
    void setUp() throws IOException {
        sandbox = dir.resolve("sandbox");
        cache = new FetcherCache(dir.resolve("cache"), 1 << 20);
        fetcher = new Fetcher(Runnable::run, cache, Duration.ofSeconds(10), 1 << 20);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            requests.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            byte[] body = served.get(path);
            if (body == null) {
                exchange.sendResponseHeaders(404, -1);
            } else {
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void tearDown() {
        server.stop(0);
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private static URI uri(String value) {
        return URI.newBuilder().setValue(value).build();
    }

    @Test
    void aLocalFileIsCopiedAndMadeExecutableUnderItsOutputName() throws Exception {
        Path script = Files.writeString(dir.resolve("run.sh"), "#!/bin/sh\necho hi\n");
        fetcher.fetchNow(List.of(uri(script.toString()),
                URI.newBuilder().setValue("file://" + script).setExecutable(true).setOutputFile("bin/go").build()),
                sandbox);
        assertThat(sandbox.resolve("run.sh")).hasContent("#!/bin/sh\necho hi");
        assertThat(Files.isExecutable(sandbox.resolve("run.sh"))).isFalse();
        assertThat(Files.getPosixFilePermissions(sandbox.resolve("bin/go")))
                .contains(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OTHERS_EXECUTE);
    }

    @Test
    void aMissingFileARelativePathAndAnOutputFileOutsideTheSandboxAreRefused() {
        assertThatThrownBy(() -> fetcher.fetchNow(List.of(uri(dir.resolve("nope").toString())), sandbox))
                .isInstanceOf(FetchException.class).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> fetcher.fetchNow(List.of(uri("relative/file")), sandbox))
                .isInstanceOf(FetchException.class).hasMessageContaining("relative path");
        assertThatThrownBy(() -> fetcher.fetchNow(List.of(uri("hdfs://nn/file")), sandbox))
                .isInstanceOf(FetchException.class).hasMessageContaining("unsupported scheme");
        assertThatThrownBy(() -> fetcher.fetchNow(List.of(URI.newBuilder().setValue(url("/x"))
                .setOutputFile("../escape").build()), sandbox))
                .isInstanceOf(FetchException.class).hasMessageContaining("inside the sandbox");
    }

    @Test
    void tarballsOfEveryCompressionAndZipsAreExtractedWithTheirExecutableBits() throws Exception {
        byte[] tar = tar(List.of(dir("app/"), file("app/bin/start", "#!/bin/sh\n", 0755),
                file("app/README", "read me", 0644), symlink("app/current", "bin/start")));
        Files.write(dir.resolve("app.tar.gz"), gzip(tar));
        Files.write(dir.resolve("app.tar"), tar);
        Files.write(dir.resolve("app.tar.bz2"), bzip2(tar));
        Files.write(dir.resolve("app.txz"), xz(tar));
        for (String name : List.of("app.tar.gz", "app.tar", "app.tar.bz2", "app.txz")) {
            Path into = dir.resolve("sandbox-" + name);
            fetcher.fetchNow(List.of(uri(dir.resolve(name).toString())), into);
            assertThat(into.resolve("app/README")).hasContent("read me");
            assertThat(Files.isExecutable(into.resolve("app/bin/start"))).isTrue();
            assertThat(Files.getPosixFilePermissions(into.resolve("app/README")))
                    .doesNotContain(PosixFilePermission.OWNER_EXECUTE);
            assertThat(Files.readSymbolicLink(into.resolve("app/current"))).isEqualTo(Path.of("bin/start"));
            assertThat(into.resolve(name)).exists(); // Mesos leaves the downloaded archive next to its content
        }
        Files.write(dir.resolve("site.zip"), zip("index.html", "<html/>"));
        fetcher.fetchNow(List.of(uri(dir.resolve("site.zip").toString())), sandbox);
        assertThat(sandbox.resolve("index.html")).hasContent("<html/>");
    }

    @Test
    void extractFalseKeepsTheArchiveAsItIs() throws Exception {
        Files.write(dir.resolve("a.tar.gz"), gzip(tar(List.of(file("inside", "x", 0644)))));
        fetcher.fetchNow(List.of(URI.newBuilder().setValue(dir.resolve("a.tar.gz").toString())
                .setExtract(false).build()), sandbox);
        assertThat(sandbox.resolve("a.tar.gz")).exists();
        assertThat(sandbox.resolve("inside")).doesNotExist();
    }

    @Test
    void archivesThatWouldWriteOutsideTheSandboxAreRefused() throws Exception {
        Path outside = dir.resolve("outside");
        Map<String, byte[]> evil = Map.of(
                "dotdot.tar", tar(List.of(file("../outside", "pwned", 0644))),
                "absolute.tar", tar(List.of(file(outside.toString(), "pwned", 0644))),
                "link-out.tar", tar(List.of(symlink("escape", "../../"), file("escape/outside", "pwned", 0644))),
                "link-abs.tar", tar(List.of(symlink("passwd", "/etc/passwd"))),
                "chain.tar", tar(List.of(symlink("d", "."), symlink("x", "d/.."))));
        for (Map.Entry<String, byte[]> archive : evil.entrySet()) {
            Files.write(dir.resolve(archive.getKey()), archive.getValue());
            Path into = dir.resolve("s").resolve(archive.getKey());
            assertThatThrownBy(() -> fetcher.fetchNow(List.of(uri(dir.resolve(archive.getKey()).toString())),
                    into)).as(archive.getKey()).isInstanceOf(FetchException.class)
                    .hasMessageContaining("Refusing to extract");
            assertThat(outside).as(archive.getKey()).doesNotExist();
        }
        assertThat(dir.resolve("s/chain.tar/x")).doesNotExist(); // d/.. really is the sandbox's parent
    }

    @Test
    void anHttpUrlIsDownloadedAndA404FailsWithTheStatus() throws Exception {
        served.put("/files/tool", "binary".getBytes(StandardCharsets.UTF_8));
        fetcher.fetchNow(List.of(URI.newBuilder().setValue(url("/files/tool") + "?v=1").setExecutable(true)
                .build()), sandbox);
        assertThat(sandbox.resolve("tool")).hasContent("binary");
        assertThat(Files.isExecutable(sandbox.resolve("tool"))).isTrue();

        assertThatThrownBy(() -> fetcher.fetch(List.of(uri(url("/missing.tar.gz"))), sandbox).join())
                .isInstanceOf(CompletionException.class).cause().isInstanceOf(FetchException.class)
                .hasMessageContaining("/missing.tar.gz").hasMessageContaining("HTTP 404");
    }

    @Test
    void aDownloadLargerThanTheLimitIsRefused() {
        served.put("/big", new byte[(1 << 20) + 1]);
        assertThatThrownBy(() -> fetcher.fetchNow(List.of(uri(url("/big"))), sandbox))
                .isInstanceOf(FetchException.class).hasMessageContaining("larger");
    }

    @Test
    void aCachedUriIsDownloadedOnceAndExtractedIntoEachSandbox() throws Exception {
        served.put("/pkg.tgz", gzip(tar(List.of(file("pkg/lib.so", "lib", 0644)))));
        URI cached = URI.newBuilder().setValue(url("/pkg.tgz")).setCache(true).build();
        fetcher.fetchNow(List.of(cached), dir.resolve("first"));
        fetcher.fetchNow(List.of(cached), dir.resolve("second"));
        assertThat(dir.resolve("first/pkg/lib.so")).hasContent("lib");
        assertThat(dir.resolve("second/pkg/lib.so")).hasContent("lib");
        assertThat(requests.get("/pkg.tgz").get()).isEqualTo(1);
        assertThat(cache.hits()).isEqualTo(1);
        assertThat(cache.misses()).isEqualTo(1);
        assertThat(dir.resolve("second/pkg.tgz")).doesNotExist(); // extracted straight from the cache
    }

    @Test
    void theCacheEvictsTheLeastRecentlyUsedEntryWhenFull() throws Exception {
        FetcherCache small = new FetcherCache(dir.resolve("small-cache"), 1000);
        Fetcher fetching = new Fetcher(Runnable::run, small, Duration.ofSeconds(10), 1 << 20);
        served.put("/a", new byte[600]);
        served.put("/b", new byte[600]);
        URI a = URI.newBuilder().setValue(url("/a")).setCache(true).build();
        URI b = URI.newBuilder().setValue(url("/b")).setCache(true).build();
        fetching.fetchNow(List.of(a), dir.resolve("1"));
        fetching.fetchNow(List.of(b), dir.resolve("2")); // a is evicted to make room
        fetching.fetchNow(List.of(a), dir.resolve("3"));
        assertThat(requests.get("/a").get()).isEqualTo(2);
        assertThat(small.usedBytes()).isEqualTo(600);
        try (var files = Files.list(dir.resolve("small-cache"))) {
            assertThat(files.count()).isEqualTo(1);
        }
    }

    // ---- archives built in the test ----

    private record Entry(String name, String content, int mode, String linkTarget, boolean directory) {}

    private static Entry file(String name, String content, int mode) {
        return new Entry(name, content, mode, null, false);
    }

    private static Entry dir(String name) {
        return new Entry(name, null, 0755, null, true);
    }

    private static Entry symlink(String name, String target) {
        return new Entry(name, null, 0777, target, false);
    }

    private static byte[] tar(List<Entry> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Entry entry : entries) {
                TarArchiveEntry header;
                if (entry.linkTarget() != null) {
                    header = new TarArchiveEntry(entry.name(), TarArchiveEntry.LF_SYMLINK);
                    header.setLinkName(entry.linkTarget());
                } else {
                    header = new TarArchiveEntry(entry.name(), true); // keep the name as given, "../" included
                    if (entry.directory()) {
                        header = new TarArchiveEntry(entry.name());
                    }
                }
                header.setMode(entry.mode() | (entry.directory() ? 040000 : entry.linkTarget() != null ? 0120000
                        : 0100000));
                byte[] content = entry.content() == null ? new byte[0]
                        : entry.content().getBytes(StandardCharsets.UTF_8);
                header.setSize(entry.directory() || entry.linkTarget() != null ? 0 : content.length);
                tar.putArchiveEntry(header);
                if (!entry.directory() && entry.linkTarget() == null) {
                    tar.write(content);
                }
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(data);
        }
        return bytes.toByteArray();
    }

    private static byte[] bzip2(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (BZip2CompressorOutputStream out = new BZip2CompressorOutputStream(bytes)) {
            out.write(data);
        }
        return bytes.toByteArray();
    }

    private static byte[] xz(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (XZCompressorOutputStream out = new XZCompressorOutputStream(bytes)) {
            out.write(data);
        }
        return bytes.toByteArray();
    }

    private static byte[] zip(String name, String content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(bytes)) {
            ZipArchiveEntry entry = new ZipArchiveEntry(name);
            entry.setUnixMode(0100644);
            zip.putArchiveEntry(entry);
            zip.write(content.getBytes(StandardCharsets.UTF_8));
            zip.closeArchiveEntry();
        }
        return bytes.toByteArray();
    }
}
