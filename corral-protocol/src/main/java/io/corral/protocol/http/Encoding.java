package io.corral.protocol.http;

/** The two encodings every Mesos v1 API speaks, with the exact media type written on the wire. */
public enum Encoding {
    JSON(MediaTypes.APPLICATION_JSON),
    PROTOBUF(MediaTypes.APPLICATION_PROTOBUF);

    private final String mediaType;

    Encoding(String mediaType) {
        this.mediaType = mediaType;
    }

    /** The media type exactly as clients compare it: no parameters such as {@code charset}. */
    public String mediaType() {
        return mediaType;
    }
}
