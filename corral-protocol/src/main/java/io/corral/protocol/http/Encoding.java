package io.corral.protocol.http;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.corral.protocol.json.MesosJson;

/**
 * The two encodings every Mesos v1 API speaks, with the exact media type written on the wire (no
 * {@code ; charset=...}: some clients compare it as a plain string), and the codec of each.
 */
public enum Encoding {
    JSON(MediaTypes.APPLICATION_JSON),
    PROTOBUF(MediaTypes.APPLICATION_PROTOBUF);

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
