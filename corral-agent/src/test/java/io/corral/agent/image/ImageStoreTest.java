package io.corral.agent.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulling images from a registry (a real HTTP server on loopback) into containers' root filesystems: layers in
 * order with whiteouts, blobs downloaded once, Docker Hub style bearer tokens, and refusals: a blob that does not
 * match its digest, an unknown image, a registry not declared insecure, layers that try to write outside the root.
 */
class ImageStoreTest {
    @TempDir Path dir;
    private TestRegistry registry;
    private ImageStore store;

    @BeforeEach
    void start() throws Exception {
        registry = new TestRegistry();
        store = new ImageStore(dir.resolve("provisioner"),
                new RegistryClient(Set.of(registry.address()), Duration.ofSeconds(10)), 64L << 20, 64L << 20);
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    @Test
    void buildsTheRootFromTheLayersInOrderHonouringWhiteoutsAndDownloadsEachBlobOnce() throws Exception {
        registry.put("busybox", "latest", TestImage.busybox());

        ProvisionedImage image = store.provision("c1", registry.address() + "/busybox:latest");

        Path rootfs = image.rootfs();
        assertThat(Files.readString(rootfs.resolve("etc/os-release"))).contains(TestImage.MARKER);
        assertThat(rootfs.resolve("etc/second")).exists();
        assertThat(rootfs.resolve("etc/removed")).doesNotExist();
        assertThat(rootfs.resolve("etc/.wh.removed")).doesNotExist();
        assertThat(Files.readSymbolicLink(rootfs.resolve("bin/sh"))).isEqualTo(Path.of("busybox"));
        assertThat(Files.isExecutable(rootfs.resolve("bin/busybox"))).isTrue();
        assertThat(image.environment()).contains("IMAGE_VAR=from-image");
        int downloads = registry.blobDownloads.get();

        ProvisionedImage again = store.provision("c2", registry.address() + "/busybox");

        assertThat(registry.blobDownloads.get()).as("blobs come from the cache").isEqualTo(downloads);
        assertThat(again.rootfs()).isNotEqualTo(rootfs).isDirectory();
        store.remove("c1");
        assertThat(rootfs).doesNotExist();
        assertThat(again.rootfs()).isDirectory();
    }

    @Test
    void resolvesAnIndexToTheManifestOfThisMachinesArchitecture() throws Exception {
        registry.putIndex("multi", "1", tinyImage(), ImageStore.goArchitecture());

        ProvisionedImage image = store.provision("c1", registry.address() + "/multi:1");

        assertThat(image.rootfs().resolve("hello")).hasContent("hi");
    }

    @Test
    void refusesAnIndexWithoutThisMachinesArchitecture() {
        registry.putIndex("other", "1", tinyImage(), "riscv-none");

        assertThatThrownBy(() -> store.provision("c1", registry.address() + "/other:1"))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("has no manifest for linux/" + ImageStore.goArchitecture());
    }

    @Test
    void aManifestPinnedByDigestMustHaveThatDigest() throws Exception {
        TestImage image = tinyImage();
        registry.put("pinned", "latest", image);

        assertThat(store.provision("c1", registry.address() + "/pinned@" + image.manifestDigest).rootfs()
                .resolve("hello")).hasContent("hi");
        String other = "sha256:" + "1".repeat(64);
        registry.put("pinned", other.substring(7), image); // served under a digest it does not have
        assertThatThrownBy(() -> store.provision("c2", registry.address() + "/pinned@" + other))
                .isInstanceOf(ImageException.class).hasMessageContaining("not found");
    }

    @Test
    void getsAnAnonymousBearerTokenWhenTheRegistryAsksForOne() throws Exception {
        registry.put("library/tiny", "1.0", tinyImage());
        registry.requireToken();

        ProvisionedImage image = store.provision("c1", registry.address() + "/library/tiny:1.0");

        assertThat(image.rootfs().resolve("hello")).hasContent("hi");
    }

    @Test
    void followsBlobRedirectsWithoutTheRegistrysToken() throws Exception {
        registry.put("library/tiny", "1.0", tinyImage());
        registry.requireToken();
        registry.redirectBlobs();
        int port = Integer.parseInt(registry.address().substring(registry.address().indexOf(':') + 1));
        ImageStore store = new ImageStore(dir.resolve("cdn"), new RegistryClient(
                Set.of(registry.address(), "localhost:" + port), Duration.ofSeconds(5)), 1 << 20, 1 << 20);

        ProvisionedImage image = store.provision("c1", registry.address() + "/library/tiny:1.0");

        assertThat(image.rootfs().resolve("hello")).hasContent("hi");
        assertThat(registry.storageAuthorizations).isEmpty();
    }

    @Test
    void refusesARedirectToPlainHttpElsewhere() throws Exception {
        registry.put("tiny", "latest", tinyImage());
        registry.redirectBlobs(); // to localhost:<port>, which is not declared insecure

        assertThatThrownBy(() -> store.provision("c1", registry.address() + "/tiny"))
                .isInstanceOf(ImageException.class).hasMessageContaining("which is not HTTPS");
    }

    @Test
    void refusesABlobThatDoesNotMatchItsDigest() throws Exception {
        TestImage image = tinyImage();
        registry.put("tiny", "latest", image);
        registry.corrupt(image.layerDigests.get(0));

        assertThatThrownBy(() -> store.provision("c1", registry.address() + "/tiny"))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("does not match its digest")
                .hasMessageContaining(image.layerDigests.get(0));
        assertThat(store.rootfs("c1")).doesNotExist();
    }

    @Test
    void saysWhenTheImageIsNotInTheRegistry() {
        assertThatThrownBy(() -> store.provision("c1", registry.address() + "/nothing:here"))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining(registry.address() + "/nothing:here was not found in the registry");
    }

    @Test
    void speaksHttpsToRegistriesNotDeclaredInsecure() throws Exception {
        registry.put("tiny", "latest", tinyImage());
        ImageStore strict = new ImageStore(dir.resolve("strict"), new RegistryClient(Set.of(), Duration.ofSeconds(1)),
                1 << 20, 1 << 20);

        assertThatThrownBy(() -> strict.provision("c1", registry.address() + "/tiny"))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("cannot reach the registry at " + registry.address());
    }

    @Test
    void aLinkInALayerNeverLeadsALaterEntryOutOfTheRoot() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        byte[] first = new TestImage.Layer().symlink("escape", outside.toString())
                .symlink("up", "../../../../../../../..").gzipped();
        byte[] second = new TestImage.Layer().file("escape/planted", "x".getBytes(StandardCharsets.UTF_8), 0644)
                .file("up/" + outside + "/planted2", "y".getBytes(StandardCharsets.UTF_8), 0644).gzipped();
        registry.put("evil", "latest", TestImage.of(List.of(first, second)));

        ProvisionedImage image = store.provision("c1", registry.address() + "/evil");

        try (var files = Files.list(outside)) {
            assertThat(files).as("nothing written to the host directory").isEmpty();
        }
        Path root = image.rootfs().toRealPath();
        assertThat(root.resolve(outside.toString().substring(1)).resolve("planted")).hasContent("x");
        assertThat(root.resolve(outside.toString().substring(1)).resolve("planted2")).hasContent("y");
        assertThat(Files.isSymbolicLink(root.resolve("escape"))).isTrue();
    }

    @Test
    void refusesAnEntryWithDotDot() throws Exception {
        registry.put("dotdot", "latest", TestImage.of(List.of(
                new TestImage.Layer().file("a/../../x", new byte[] {1}, 0644).gzipped())));

        assertThatThrownBy(() -> store.provision("c1", registry.address() + "/dotdot"))
                .isInstanceOf(ImageException.class).hasMessageContaining("contains '..': refused");
        assertThat(dir.resolve("provisioner/containers/x")).doesNotExist();
    }

    @Test
    void refusesAnImageLargerThanTheLimit() throws Exception {
        registry.put("big", "latest", TestImage.of(List.of(
                new TestImage.Layer().file("big", new byte[2 << 20], 0644).gzipped())));
        ImageStore small = new ImageStore(dir.resolve("small"),
                new RegistryClient(Set.of(registry.address()), Duration.ofSeconds(5)), 1 << 20, 1 << 20);

        assertThatThrownBy(() -> small.provision("c1", registry.address() + "/big"))
                .isInstanceOf(ImageException.class).hasMessageContaining("more than 1048576 bytes");
        assertThat(Files.exists(small.rootfs("c1"), LinkOption.NOFOLLOW_LINKS)).isFalse();
    }

    private static TestImage tinyImage() {
        return TestImage.of(List.of(new TestImage.Layer().file("hello", "hi".getBytes(StandardCharsets.UTF_8), 0644)
                .gzipped()));
    }
}
