package io.corral.zookeeper.registry;

/** The kinds of document the registry stores; migrations are told which kind they are upgrading. */
public enum DocumentKind {
    META,
    AGENT,
    FRAMEWORK,
    ROLE,
    /** The maintenance schedule and which scheduled machines are down: one document. */
    MAINTENANCE,
    /** What an operator set on one agent: deactivated, draining or drained. */
    AGENT_MODE
}
