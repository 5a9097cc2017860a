package io.corral.zookeeper.config;

/** The Corral processes that read a setting and apply it. */
public enum Component {
    MASTER,
    AGENT
}
