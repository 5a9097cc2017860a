package io.corral.zookeeper.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Documents of every format that ever existed (src/test/resources/registry-fixtures/format-N) must be read as the
 * same records as their current-format counterparts; current-format fixtures must be exactly what the codec writes.
 */
class RegistryFixturesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyEarlierFormatUpgradesToTheCurrentOne() throws Exception {
        List<String> current = fileNames(RegistryCodec.CURRENT_FORMAT);
        assertThat(current).isNotEmpty();
        for (int format = 1; format < RegistryCodec.CURRENT_FORMAT; format++) {
            assertThat(fileNames(format)).as("fixtures of format %d", format).isEqualTo(current);
            for (String name : current) {
                byte[] old = read(format, name);
                byte[] now = read(RegistryCodec.CURRENT_FORMAT, name);
                assertThat(JSON.readTree(old).get("format").asInt()).as(name).isEqualTo(format);

                assertThat(decode(name, old)).as("format %d %s", format, name).isEqualTo(decode(name, now));
                assertThat(JSON.readTree(reencode(name, old))).as("format %d %s rewritten", format, name)
                        .isEqualTo(JSON.readTree(now));
            }
        }
    }

    @Test
    void currentFormatFixturesAreWhatTheCodecWrites() throws Exception {
        for (String name : fileNames(RegistryCodec.CURRENT_FORMAT)) {
            byte[] now = read(RegistryCodec.CURRENT_FORMAT, name);
            assertThat(JSON.readTree(reencode(name, now))).as(name).isEqualTo(JSON.readTree(now));
        }
    }

    @Test
    void aFormatOneUnreachableAgentKeepsItsTimeAndAGoneAgentGetsItsLastUpdate() throws Exception {
        AgentRecord unreachable = RegistryCodec.decodeAgent(read(1, "agent-unreachable.json"));
        AgentRecord gone = RegistryCodec.decodeAgent(read(1, "agent-gone.json"));

        assertThat(unreachable.state()).isEqualTo(AgentState.unreachable(java.time.Instant.ofEpochMilli(1_700_000_400_000L)));
        assertThat(gone.state()).isEqualTo(AgentState.gone(gone.updatedAt()));
    }

    private static Object decode(String name, byte[] document) {
        return decoder(name).apply(document);
    }

    private static byte[] reencode(String name, byte[] document) {
        Object record = decode(name, document);
        if (record instanceof AgentRecord agent) {
            return RegistryCodec.encodeAgent(agent);
        } else if (record instanceof FrameworkRecord framework) {
            return RegistryCodec.encodeFramework(framework);
        } else if (record instanceof RoleRecord role) {
            return RegistryCodec.encodeRole(role);
        }
        return RegistryCodec.encodeMeta((RegistryMeta) record);
    }

    private static Function<byte[], Object> decoder(String name) {
        if (name.startsWith("agent-")) {
            return RegistryCodec::decodeAgent;
        } else if (name.startsWith("framework-")) {
            return RegistryCodec::decodeFramework;
        } else if (name.startsWith("role-")) {
            return RegistryCodec::decodeRole;
        } else if (name.startsWith("meta")) {
            return RegistryCodec::decodeMeta;
        }
        throw new IllegalArgumentException("fixture " + name + " must start with agent-, framework-, role- or meta");
    }

    private static List<String> fileNames(int format) throws IOException, URISyntaxException {
        try (Stream<Path> files = Files.list(dir(format))) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted().toList();
        }
    }

    private static byte[] read(int format, String name) throws IOException, URISyntaxException {
        return Files.readAllBytes(dir(format).resolve(name));
    }

    private static Path dir(int format) throws URISyntaxException {
        var url = RegistryFixturesTest.class.getResource("/registry-fixtures/format-" + format);
        assertThat(url).as("fixtures directory registry-fixtures/format-%d", format).isNotNull();
        return Path.of(url.toURI());
    }
}
