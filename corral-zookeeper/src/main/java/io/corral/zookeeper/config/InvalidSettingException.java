package io.corral.zookeeper.config;

/**
 * An unknown setting or a value its type refuses. The message is one line that names the setting and says what to
 * type instead, e.g. {@code offer_timeout: 'soon' is not a duration: expected ... (range 1secs..1days)}.
 */
public final class InvalidSettingException extends IllegalArgumentException {
    public InvalidSettingException(String message) {
        super(message);
    }
}
