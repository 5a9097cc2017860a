package io.corral.master.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.TreeMap;
import org.apache.mesos.v1.Protos.VersionInfo;

/**
 * Mesos's legacy JSON for {@code /version} ({@code {"version": ..., "build_user": ...}}) and {@code /flags}
 * ({@code {"flags": {name: value}}}), served by every master, leader or not.
 *
 * <p>Stateless and thread-safe.
 */
final class LegacyJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private LegacyJson() {}

    static byte[] version(VersionInfo version) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("version", version.getVersion());
        root.put("build_date", version.getBuildDate());
        root.put("build_time", version.getBuildTime());
        root.put("build_user", version.getBuildUser());
        root.put("git_sha", version.getGitSha());
        root.put("git_tag", version.getGitTag());
        return bytes(root);
    }

    static byte[] flags(Map<String, String> flags) {
        ObjectNode root = MAPPER.createObjectNode();
        ObjectNode node = root.putObject("flags");
        new TreeMap<>(flags).forEach(node::put);
        return bytes(root);
    }

    private static byte[] bytes(ObjectNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
