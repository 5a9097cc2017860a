package io.corral.zookeeper.registry;

/** The kinds of document the registry stores; migrations are told which kind they are upgrading. */
public enum DocumentKind {
    META,
    AGENT,
    FRAMEWORK,
    ROLE
}
