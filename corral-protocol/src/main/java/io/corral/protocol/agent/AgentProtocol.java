package io.corral.protocol.agent;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.corral.protocol.http.Encoding;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The agent protocol between Corral's agents and masters ({@code docs/architecture.md}, "Protocols";
 * {@code docs/agent-protocol.md}): the same transport as the Mesos scheduler API. The agent POSTs a REGISTER call to
 * {@link #PATH} and keeps the response open as a RecordIO stream of {@link AgentEvent}s; it sends its other calls as
 * POSTs carrying {@link #STREAM_ID_HEADER}, answered 202. Messages are JSON with snake_case keys (embedded Mesos types
 * follow the Mesos JSON rules), or protobuf's wire format ({@link AgentWire}), which Corral's agents speak: the
 * call's {@code Content-Type} says which, and the events come in the one its {@code Accept} asks for.
 */
public final class AgentProtocol {
    public static final String PATH = "/api/v1/corral/agent";
    public static final String STREAM_ID_HEADER = "Corral-Agent-Stream-Id";
    public static final int VERSION = 1;

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .registerModule(new ProtobufJacksonModule());

    private AgentProtocol() {}

    /** {@code message} (an {@link AgentCall} or {@link AgentEvent}) in {@code encoding}. */
    public static byte[] encode(Record message, Encoding encoding) {
        return encoding == Encoding.PROTOBUF ? AgentWire.encode(message) : encode(message);
    }

    /** Parses a call in {@code encoding}; a malformed one throws {@link IllegalArgumentException} with the reason. */
    public static AgentCall decodeCall(byte[] bytes, Encoding encoding) {
        return encoding == Encoding.PROTOBUF ? AgentWire.decode(bytes, AgentCall.class) : decodeCall(bytes);
    }

    /** Parses an event in {@code encoding}; a malformed one throws {@link IllegalArgumentException}. */
    public static AgentEvent decodeEvent(byte[] bytes, Encoding encoding) {
        return encoding == Encoding.PROTOBUF ? AgentWire.decode(bytes, AgentEvent.class) : decodeEvent(bytes);
    }

    /** {@code message} in JSON. */
    public static byte[] encode(Object message) {
        try {
            return MAPPER.writeValueAsBytes(message);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses a call; a malformed one throws {@link IllegalArgumentException} with the reason. */
    public static AgentCall decodeCall(byte[] json) {
        return decode(json, AgentCall.class);
    }

    public static AgentEvent decodeEvent(byte[] json) {
        return decode(json, AgentEvent.class);
    }

    private static <T> T decode(byte[] json, Class<T> type) {
        try {
            T value = MAPPER.readValue(json, type);
            if (value == null) {
                throw new IllegalArgumentException("empty " + type.getSimpleName());
            }
            return value;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("malformed " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }
}
