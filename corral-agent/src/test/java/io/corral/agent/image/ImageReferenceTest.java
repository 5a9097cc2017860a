package io.corral.agent.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Image names split as Docker and Mesos split them. */
class ImageReferenceTest {
    @Test
    void docker_hubNamesGetTheLibraryPrefixAndTheLatestTag() {
        assertThat(ImageReference.parse("busybox"))
                .isEqualTo(new ImageReference("registry-1.docker.io", "library/busybox", "latest"));
        assertThat(ImageReference.parse("library/busybox:1.36"))
                .isEqualTo(new ImageReference("registry-1.docker.io", "library/busybox", "1.36"));
        assertThat(ImageReference.parse("someone/tool"))
                .isEqualTo(new ImageReference("registry-1.docker.io", "someone/tool", "latest"));
    }

    @Test
    void aFirstComponentWithADotOrAPortIsTheRegistry() {
        assertThat(ImageReference.parse("127.0.0.1:5000/busybox:latest"))
                .isEqualTo(new ImageReference("127.0.0.1:5000", "busybox", "latest"));
        assertThat(ImageReference.parse("registry.example.com/team/tool"))
                .isEqualTo(new ImageReference("registry.example.com", "team/tool", "latest"));
        assertThat(ImageReference.parse("localhost/tool:2").registry()).isEqualTo("localhost");
        String digest = "sha256:" + "a".repeat(64);
        ImageReference pinned = ImageReference.parse("ghcr.io/org/app:1.0@" + digest);
        assertThat(pinned.reference()).isEqualTo(digest);
        assertThat(pinned.isDigest()).isTrue();
        assertThat(pinned).hasToString("ghcr.io/org/app@" + digest);
    }

    @Test
    void badNamesAreRefusedSayingWhy() {
        assertThatThrownBy(() -> ImageReference.parse("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> ImageReference.parse("Busybox")).hasMessageContaining("lower-case");
        assertThatThrownBy(() -> ImageReference.parse("busybox@sha256:12")).hasMessageContaining("64 hex digits");
        assertThatThrownBy(() -> ImageReference.parse("busybox:bad/tag")).hasMessageContaining("is not a registry");
        assertThatThrownBy(() -> ImageReference.parse("busybox:-x")).hasMessageContaining("is not a valid tag");
        assertThatThrownBy(() -> ImageReference.parse("../etc")).hasMessageContaining("'..' is not a registry");
    }
}
