package io.corral.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ZkUrlTest {

    @Test
    void aFileUrlIsReadAsMesosReadsItKeepingThePasswordOutOfCommandLines(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path file = java.nio.file.Files.writeString(dir.resolve("zk-url"),
                "zk://corral:s3cret@127.0.0.1:2181/corral\n");
        ZkUrl url = ZkUrl.parse("file://" + file);
        assertThat(url.connectString()).isEqualTo("127.0.0.1:2181");
        assertThat(url.credentials()).hasValueSatisfying(c -> assertThat(c.user()).isEqualTo("corral"));

        java.nio.file.Path loop = java.nio.file.Files.writeString(dir.resolve("loop"), "file://" + file);
        assertThatThrownBy(() -> ZkUrl.parse("file://" + loop)).hasMessageContaining("names another file");
        assertThatThrownBy(() -> ZkUrl.parse("file://" + dir.resolve("missing")))
                .hasMessageContaining("cannot read the file");
    }

    @Test
    void parsesHostsPathAndCredentials() {
        ZkUrl url = ZkUrl.parse("zk://alice:s3cret@zk1:2181,zk2:2182/mesos/prod");

        assertThat(url.connectString()).isEqualTo("zk1:2181,zk2:2182");
        assertThat(url.rootPath()).isEqualTo("/mesos/prod");
        assertThat(url.credentials()).hasValue(new ZkUrl.Credentials("alice", "s3cret"));
        assertThat(new String(url.credentials().orElseThrow().digestAuth())).isEqualTo("alice:s3cret");
    }

    @Test
    void toStringMasksThePassword() {
        ZkUrl url = ZkUrl.parse("zk://alice:s3cret@zk1:2181/corral");

        assertThat(url.toString()).isEqualTo("zk://alice:****@zk1:2181/corral").doesNotContain("s3cret");
        assertThat(url.credentials().orElseThrow().toString()).doesNotContain("s3cret");
    }

    @ParameterizedTest(name = "{index}: {0}")
    @CsvSource(delimiter = '|', value = {
            "zk://127.0.0.1:2181/corral |  127.0.0.1:2181   | /corral",
            "zk://127.0.0.1:2181        |  127.0.0.1:2181   | /corral",
            "zk://127.0.0.1:2181/       |  127.0.0.1:2181   | /corral",
            "zk://h1/custom/            |  h1:2181          | /custom",
            "zk://h1,h2:2888/a/b        |  h1:2181,h2:2888  | /a/b",
            "ZK://h1:1/x                |  h1:1             | /x",
            "zk://[::1]:2181/x          |  [::1]:2181       | /x",
            "'  zk://h1:2181/x  '       |  h1:2181          | /x",
    })
    void appliesDefaultsAndNormalises(String text, String connectString, String rootPath) {
        ZkUrl url = ZkUrl.parse(text);

        assertThat(url.connectString()).isEqualTo(connectString);
        assertThat(url.rootPath()).isEqualTo(rootPath);
        assertThat(url.credentials()).isEmpty();
    }

    @ParameterizedTest(name = "{index}: {0}")
    @CsvSource(delimiter = '|', value = {
            "http://h:2181/corral      | must start with zk://",
            "h:2181/corral             | must start with zk://",
            "''                        | it is empty",
            "zk:///corral              | names no host",
            "zk://                     | names no host",
            "zk://:2181/corral         | a host is empty",
            "zk://h1,,h2/corral        | a host is empty",
            "zk://h1,/corral           | a host is empty",
            "zk://h:abc/corral         | port of 'h:abc' must be a number from 1 to 65535",
            "zk://h:/corral            | port of 'h:' must be a number from 1 to 65535",
            "zk://h:0/corral           | port of 'h:0' must be a number from 1 to 65535",
            "zk://h:65536/corral       | port of 'h:65536' must be a number from 1 to 65535",
            "zk://h:2181corral         | port of 'h:2181corral' must be a number",
            "zk://h:2181//corral       | has an empty, '.' or '..' segment",
            "zk://h:2181/a/../b        | has an empty, '.' or '..' segment",
            "zk://alice@h:2181/corral  | credentials must be written user:password@",
            "zk://h 1:2181/corral      | must not contain spaces",
            "zk://[::1:2181/corral     | lacks its closing ']'",
    })
    void rejectsMalformedUrlsSayingWhatToFix(String text, String problem) {
        assertThatThrownBy(() -> ZkUrl.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Invalid ZooKeeper URL")
                .hasMessageContaining(problem)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void errorMessagesNeverShowThePassword() {
        assertThatThrownBy(() -> ZkUrl.parse("zk://alice:s3cret@h:bad/corral"))
                .hasMessageContaining("alice:****@")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cret"));
    }

    @Test
    void nullIsRejectedWithAnExample() {
        assertThatThrownBy(() -> ZkUrl.parse(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("zk://127.0.0.1:2181/corral");
    }
}
