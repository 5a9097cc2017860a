package io.corral.frameworks.services;

/**
 * A deployment in progress ({@code deployments/<app key>}, at most one per app): the change being carried out. What
 * is left to do is not stored: it follows from the app's definition and its stored tasks, so a new leader resumes
 * exactly where the old one stopped.
 *
 * @param kind DEPLOY, SCALE, RESTART, UPDATE, ROLLBACK or REMOVE
 */
public record StoredDeployment(String id, String appId, String kind, Long fromVersion, long toVersion,
                               String startedAt) {}
