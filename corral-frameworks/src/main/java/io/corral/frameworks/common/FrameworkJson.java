package io.corral.frameworks.common;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The one Jackson configuration of the frameworks, for REST bodies and stored documents alike: fields absent when
 * null, unknown fields tolerated when reading (a document written by a newer version still loads; REST validators
 * name unknown fields themselves), dates as ISO-8601 strings.
 *
 * <p>Thread-safe: the mapper is configured once and never changed.
 */
public final class FrameworkJson {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .findAndAddModules()
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .build();

    private FrameworkJson() {
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }
}
