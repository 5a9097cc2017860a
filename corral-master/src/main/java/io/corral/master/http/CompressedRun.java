package io.corral.master.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializable;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;
import io.corral.protocol.http.CompressedPart;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A run of a JSON array's elements (tasks or agents in {@code /master/state}, tasks in {@code GET_STATE}), written as
 * one element that holds the run's objects separated by commas: copied compressed into an answer being
 * gzip-compressed as it is written, else written as its plain bytes ({@link CompressedPart#writeTo}).
 *
 * <p>Threading: immutable.
 */
final class CompressedRun implements JsonSerializable {
    /** One array for every comma between elements, so that parts are known by their arrays' identity. */
    private static final byte[] COMMA = {','};

    private final CompressedPart part;

    CompressedRun(CompressedPart part) {
        this.part = part;
    }

    @Override
    public void serialize(JsonGenerator gen, SerializerProvider serializers) throws IOException {
        write(gen, part);
    }

    /** Writes {@code part} into the array {@code gen} is writing, as one element. */
    static void write(JsonGenerator gen, CompressedPart part) throws IOException {
        gen.writeRawValue(""); // the array's comma before the run, as before its first element
        if (gen.getOutputTarget() instanceof OutputStream out) {
            gen.flush(); // what the generator holds goes first
            part.writeTo(out);
        } else { // a character target (a node's toString): the plain text
            gen.writeRaw(new String(part.plain(), StandardCharsets.UTF_8));
        }
    }

    @Override
    public void serializeWithType(JsonGenerator gen, SerializerProvider serializers, TypeSerializer typeSer)
            throws IOException {
        serialize(gen, serializers);
    }

    /** {@code run}'s elements as a part's pieces: each element's kept arrays, in order, with a comma between two. */
    static <T> List<byte[]> pieces(List<T> run, Function<T, List<byte[]>> element) {
        List<byte[]> pieces = new ArrayList<>(run.size() * 3);
        for (T each : run) {
            if (!pieces.isEmpty()) {
                pieces.add(COMMA);
            }
            pieces.addAll(element.apply(each));
        }
        return pieces;
    }
}
