package io.corral.agent;

import io.corral.agent.containerizer.AtomicFiles;
import io.corral.protocol.MesosIds;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.mesos.v1.Protos.AgentID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's id, kept in its work dir so that a restarted agent re-registers as the same agent (Mesos keeps it under
 * {@code meta/slaves/latest}). Written atomically: a crash leaves the old id or the new one, never half of one.
 *
 * <p>Stateless apart from the path; used on the agent's loop.
 */
final class AgentIdFile {
    private static final Logger LOG = LoggerFactory.getLogger(AgentIdFile.class);
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
            String invalid = MesosIds.invalidReason(id);
            if (invalid != null) {
                // A damaged file: registering with it would be refused forever. Start as a new agent instead.
                LOG.error("Ignoring the agent id in {}: {}", file, invalid);
                return Optional.empty();
            }
            return Optional.of(AgentID.newBuilder().setValue(id).build());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the agent id from " + file, e);
        }
    }

    void write(AgentID id) {
        try {
            AtomicFiles.write(file, id.getValue() + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the agent id to " + file, e);
        }
    }
}
