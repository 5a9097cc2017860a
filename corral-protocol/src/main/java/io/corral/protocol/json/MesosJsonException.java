package io.corral.protocol.json;

/**
 * JSON that cannot become the requested protobuf message: malformed JSON, a value of the wrong type for its field
 * (the message names the field path, e.g. {@code field 'scalar.value': expected a number, got "abc"}), or missing
 * required fields. HTTP adapters turn it into a 400 with {@link #getMessage()} as the body.
 */
public class MesosJsonException extends RuntimeException {
    public MesosJsonException(String message) {
        super(message);
    }

    public MesosJsonException(String message, Throwable cause) {
        super(message, cause);
    }
}
