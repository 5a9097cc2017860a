package io.corral.scheduler;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.corral.protocol.json.MesosJson;

/**
 * The two encodings of the Mesos v1 HTTP APIs. The media types are sent exactly as Mesos spells them, with no
 * {@code ; charset=...}, because some masters and clients compare them as plain strings.
 */
public enum Encoding {
    JSON("application/json"),
    PROTOBUF("application/x-protobuf");

    private final String mediaType;

    Encoding(String mediaType) {
        this.mediaType = mediaType;
    }

    /** The value for both {@code Content-Type} and {@code Accept}. */
    public String mediaType() {
        return mediaType;
    }

    public byte[] encode(Message message) {
        return this == JSON ? MesosJson.printBytes(message) : message.toByteArray();
    }

    /**
     * Decodes one message.
     *
     * @throws IllegalArgumentException when the bytes are not a valid message in this encoding
     */
    @SuppressWarnings("unchecked")
    public <M extends Message> M decode(byte[] bytes, M defaultInstance) {
        if (this == JSON) {
            try {
                return MesosJson.parse(bytes, defaultInstance);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("invalid JSON " + defaultInstance.getDescriptorForType().getName()
                        + ": " + e.getMessage(), e);
            }
        }
        try {
            return (M) defaultInstance.getParserForType().parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("invalid protobuf " + defaultInstance.getDescriptorForType().getName()
                    + ": " + e.getMessage(), e);
        }
    }
}
