package io.corral.agent.containerizer;

/**
 * A container ended without a record of how: its launcher was killed (or the machine rebooted) before it could write
 * the task's exit status. The task's fate is unknown; the agent reports it failed with this message.
 */
public final class ContainerLostException extends RuntimeException {
    public ContainerLostException(String message) {
        super(message, null, false, false);
    }
}
