package io.corral.zookeeper.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * The JSON documents kept in ZooKeeper, format {@value #FORMAT_VERSION}:
 * <pre>
 * /corral/config/&lt;key&gt;                   {"version":1, "key", "value" (canonical text, null when unset),
 *                                       "updated_by", "updated_at" (ISO-8601)}
 * /corral/config-audit/&lt;key&gt;/entry-N     {"version":1, "key", "setting_version", "old", "new", "updated_by",
 *                                       "updated_at"}
 * </pre>
 * An unset keeps the setting's znode with a null value instead of deleting it, so that its ZooKeeper version only
 * ever grows and a compare-and-set can never match a version from before an unset.
 *
 * <p>Stateless; thread-safe.
 */
final class ConfigDocuments {

    /** The document format this code writes and reads; a later format gets a numbered migration here. */
    static final int FORMAT_VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a setting's znode holds. */
    record Stored(String key, Optional<String> value, String updatedBy, Instant updatedAt) {
    }

    private ConfigDocuments() {
    }

    static byte[] encodeSetting(Stored stored) {
        ObjectNode doc = JSON.createObjectNode();
        doc.put("version", FORMAT_VERSION);
        doc.put("key", stored.key());
        doc.put("value", stored.value().orElse(null));
        doc.put("updated_by", stored.updatedBy());
        doc.put("updated_at", stored.updatedAt().toString());
        return bytes(doc);
    }

    /** @throws IllegalArgumentException when the data is not a setting document this code can read */
    static Stored decodeSetting(byte[] data) {
        JsonNode doc = parse(data);
        return new Stored(text(doc, "key"), optionalText(doc, "value"), text(doc, "updated_by"),
                instant(doc, "updated_at"));
    }

    static byte[] encodeAudit(AuditEntry entry) {
        ObjectNode doc = JSON.createObjectNode();
        doc.put("version", FORMAT_VERSION);
        doc.put("key", entry.key());
        doc.put("setting_version", entry.settingVersion());
        doc.put("old", entry.oldValue().orElse(null));
        doc.put("new", entry.newValue().orElse(null));
        doc.put("updated_by", entry.who());
        doc.put("updated_at", entry.when().toString());
        return bytes(doc);
    }

    /** @throws IllegalArgumentException when the data is not an audit document this code can read */
    static AuditEntry decodeAudit(byte[] data, long sequence) {
        JsonNode doc = parse(data);
        JsonNode settingVersion = doc.path("setting_version");
        if (!settingVersion.canConvertToInt()) {
            throw new IllegalArgumentException("field 'setting_version' is missing or not a number");
        }
        return new AuditEntry(text(doc, "key"), sequence, settingVersion.intValue(), text(doc, "updated_by"),
                instant(doc, "updated_at"), optionalText(doc, "old"), optionalText(doc, "new"));
    }

    private static JsonNode parse(byte[] data) {
        JsonNode doc;
        try {
            doc = JSON.readTree(data == null ? new byte[0] : data);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
        if (doc == null || !doc.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        int version = doc.path("version").asInt(-1);
        if (version != FORMAT_VERSION) {
            throw new IllegalArgumentException("document format " + doc.path("version")
                    + " is not the one this Corral reads (" + FORMAT_VERSION + "): upgrade Corral");
        }
        return doc;
    }

    private static String text(JsonNode doc, String field) {
        JsonNode node = doc.path(field);
        if (!node.isTextual()) {
            throw new IllegalArgumentException("field '" + field + "' is missing or not text");
        }
        return node.asText();
    }

    private static Optional<String> optionalText(JsonNode doc, String field) {
        JsonNode node = doc.path(field);
        return node.isTextual() ? Optional.of(node.asText()) : Optional.empty();
    }

    private static Instant instant(JsonNode doc, String field) {
        String text = text(doc, field);
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("field '" + field + "' is not an ISO-8601 instant: " + text, e);
        }
    }

    private static byte[] bytes(ObjectNode doc) {
        try {
            return JSON.writeValueAsBytes(doc);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode " + doc, e);
        }
    }
}
