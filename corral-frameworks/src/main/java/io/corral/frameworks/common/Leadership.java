package io.corral.frameworks.common;

import java.util.Objects;

/**
 * One term of leadership: what a process holds from the moment it became leader until it loses the lead. Writes to
 * the {@link FrameworkStore} carry it as their fence: they apply only while {@link #latchNode()} (this process's own
 * latch znode at the time it became leader) still exists, so a deposed process cannot write, even if it has not
 * heard yet that it lost the lead.
 *
 * @param latchNode the full path of this process's latch znode when it became leader
 * @param participantId this process's participant id (its REST base URL)
 * @param term counts terms within this process, from 1, for logs
 */
public record Leadership(String latchNode, String participantId, long term) {
    public Leadership {
        Objects.requireNonNull(latchNode, "latchNode");
        Objects.requireNonNull(participantId, "participantId");
    }
}
