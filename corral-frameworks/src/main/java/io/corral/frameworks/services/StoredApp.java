package io.corral.frameworks.services;

/**
 * The stored desired state of one app ({@code apps/<key>}): its current definition (with its version),
 * {@code configVersion}, the latest version whose instances differ from the one before (instances launched from an
 * older version are replaced by a rolling deployment; a scale keeps them), and whether it is being removed.
 */
public record StoredApp(AppDefinition definition, long configVersion, boolean removing) {
    public StoredApp removing(boolean value) {
        return new StoredApp(definition, configVersion, value);
    }
}
