package io.corral.protocol.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Protobuf to and from JSON exactly as Mesos (stout) does it, for any message type. Protobuf's own
 * {@code JsonFormat} is not usable here: it prints 64-bit integers as strings and field names in camelCase, which
 * Mesos clients cannot read.
 *
 * <p>Output: keys are proto field names in lexicographic order; enums by name; bytes base64; every number a JSON
 * number (uint64 unsigned, doubles as {@code 15.0}); every set field plus the unset optional fields that have an
 * explicit, non-deprecated {@code [default=...]} (so FrameworkInfo always shows {@code failover_timeout} and
 * {@code checkpoint}); empty repeated fields are left out.
 *
 * <p>Input: unknown keys and explicit nulls are ignored; numbers may be strings or exponent floats; an unknown enum
 * name in a non-required field is dropped; bytes in standard or URL-safe base64. A wrong type fails with a
 * {@link MesosJsonException} naming the field path.
 *
 * <p>Threading: all methods are static and thread-safe.
 */
public final class MesosJson {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS); // keeps 64-bit values in exponent form exact
    /** One value of a larger document, into a tree: the tokens after it are the document's. */
    private static final ObjectReader VALUE_READER = MAPPER.reader();
    /** Builds trees for {@link #toJson}: doubles become DoubleNodes, as callers building documents expect. */
    private static final ObjectMapper TREE_MAPPER = new ObjectMapper();

    private MesosJson() {}

    /**
     * Compact JSON text. Written as UTF-8 bytes, like every other message: a third kind of generator (one writing
     * chars) at the writer's calls made the JIT throw its compiled writer away when a new leader first printed a
     * message this way, and compile it again (a second of a core, {@code bench/simulate}).
     */
    public static String print(MessageOrBuilder message) {
        return new String(printBytes(message), StandardCharsets.UTF_8);
    }

    /** Compact JSON as UTF-8 bytes, ready for an HTTP body or a RecordIO record. */
    public static byte[] printBytes(MessageOrBuilder message) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (JsonGenerator out = MAPPER.getFactory().createGenerator(bytes)) {
            MesosJsonWriter.writeMessage(out, message);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Writes the message's JSON as the next value of {@code out}, for documents written piece by piece. */
    public static void write(JsonGenerator out, MessageOrBuilder message) throws IOException {
        MesosJsonWriter.writeMessage(out, message);
    }

    /** The same JSON as a Jackson tree, for embedding a message in a larger document (e.g. /master/state). */
    public static ObjectNode toJson(MessageOrBuilder message) {
        try (TokenBuffer tokens = new TokenBuffer(TREE_MAPPER, false)) {
            MesosJsonWriter.writeMessage(tokens, message);
            return (ObjectNode) TREE_MAPPER.readTree(tokens.asParser());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Merges JSON text into {@code builder} without checking required fields; returns {@code builder}. */
    public static <B extends Message.Builder> B merge(String json, B builder) {
        try (JsonParser tokens = MAPPER.createParser(json)) {
            return mergeWhole(tokens, builder);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Merges UTF-8 JSON into {@code builder} without checking required fields; returns {@code builder}. */
    public static <B extends Message.Builder> B merge(byte[] utf8, B builder) {
        try (JsonParser tokens = MAPPER.createParser(utf8)) {
            return mergeWhole(tokens, builder);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A document that is one JSON object and nothing after it, read token by token (no tree: a scheduler's calls). */
    private static <B extends Message.Builder> B mergeWhole(JsonParser tokens, B builder) {
        try {
            tokens.nextToken();
            merge(tokens, builder);
            if (tokens.nextToken() != null) {
                throw malformed("Trailing token (of type " + tokens.currentToken() + ") found after the object",
                        tokens.currentLocation(), null);
            }
            return builder;
        } catch (JsonProcessingException e) {
            throw malformed(e.getOriginalMessage(), e.getLocation(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static MesosJsonException malformed(String problem, JsonLocation at, Exception cause) {
        String where = at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
        return new MesosJsonException("Malformed JSON: " + problem + where, cause);
    }

    /** Merges a JSON object into {@code builder} without checking required fields; returns {@code builder}. */
    public static <B extends Message.Builder> B merge(JsonNode json, B builder) {
        if (json == null || !json.isObject()) {
            throw notAnObject(builder, json == null || json.isMissingNode() ? "nothing" : json.getNodeType());
        }
        try (JsonParser tokens = json.traverse(MAPPER)) {
            tokens.nextToken();
            return merge(tokens, builder);
        } catch (IOException e) { // a tree's tokens are never unreadable
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Merges the JSON object {@code p} is at (its current token) into {@code builder} without checking required
     * fields, reading its tokens as they come (no tree); leaves {@code p} at the object's end and returns
     * {@code builder}. For decoders of larger documents that hold Mesos messages (the agent protocol's).
     *
     * @throws IOException if {@code p} cannot read its input (malformed JSON)
     */
    public static <B extends Message.Builder> B merge(JsonParser p, B builder) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            JsonNode value = p.currentToken() == null ? null : VALUE_READER.readTree(p);
            throw notAnObject(builder, value == null ? "nothing" : value.getNodeType());
        }
        try {
            MesosJsonReader.mergeObject(p, builder);
        } catch (MesosJsonReader.FieldError e) {
            throw new MesosJsonException(e.describe());
        }
        return builder;
    }

    private static MesosJsonException notAnObject(Message.Builder builder, Object got) {
        return new MesosJsonException("Expected a JSON object for " + builder.getDescriptorForType().getFullName()
                + ", got " + got);
    }

    /** Reads one value into a tree as this class's readers would (floats exact), where a parser stands. */
    static ObjectReader valueReader() {
        return VALUE_READER;
    }

    /** Parses JSON text into a complete message of {@code defaultInstance}'s type; all required fields must be set. */
    public static <M extends Message> M parse(String json, M defaultInstance) {
        return complete(merge(json, defaultInstance.newBuilderForType()));
    }

    /** Parses UTF-8 JSON into a complete message of {@code defaultInstance}'s type; all required fields must be set. */
    public static <M extends Message> M parse(byte[] utf8, M defaultInstance) {
        return complete(merge(utf8, defaultInstance.newBuilderForType()));
    }

    @SuppressWarnings("unchecked") // the builder came from defaultInstance, so it builds an M
    private static <M extends Message> M complete(Message.Builder builder) {
        Message message = builder.buildPartial();
        if (!message.isInitialized()) {
            List<String> missing = message.findInitializationErrors();
            throw new MesosJsonException("Missing required fields: " + String.join(", ", missing));
        }
        return (M) message;
    }
}
