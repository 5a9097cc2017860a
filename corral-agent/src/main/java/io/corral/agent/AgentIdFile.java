package io.corral.agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import org.apache.mesos.v1.Protos.AgentID;

/**
 * The agent's id, kept in its work dir so that a restarted agent re-registers as the same agent (Mesos keeps it under
 * {@code meta/slaves/latest}). Written atomically: a crash leaves the old id or the new one, never half of one.
 */
final class AgentIdFile {
    private final Path file;

    AgentIdFile(Path workDir) {
        this.file = workDir.resolve("agent.id");
    }

    Optional<AgentID> read() {
        try {
            if (!Files.exists(file)) {
                return Optional.empty();
            }
            String id = Files.readString(file, StandardCharsets.UTF_8).trim();
            return id.isEmpty() ? Optional.empty() : Optional.of(AgentID.newBuilder().setValue(id).build());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the agent id from " + file, e);
        }
    }

    void write(AgentID id) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling("agent.id.tmp");
            Files.writeString(tmp, id.getValue() + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the agent id to " + file, e);
        }
    }
}
