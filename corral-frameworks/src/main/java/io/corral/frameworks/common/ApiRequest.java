package io.corral.frameworks.common;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One REST request as a route sees it: method, path, the path's named parts ({@code id} for {@code /v1/apps/{id*}}),
 * query parameters, the body and who sent it. Immutable.
 *
 * @param caller who sent it (the authenticated principal, empty on an insecure server) and what the ACLs let them do
 */
public record ApiRequest(String method, String path, Map<String, String> params, Map<String, List<String>> query,
                         byte[] body, Caller caller) {

    /** The authenticated principal; empty on an insecure server. */
    public Optional<String> principal() {
        return caller.principal();
    }

    /** A named part of the path; the route pattern guarantees it is there. */
    public String param(String name) {
        String value = params.get(name);
        if (value == null) {
            throw new IllegalArgumentException("route has no parameter " + name);
        }
        return value;
    }

    /** A query parameter's first value. */
    public Optional<String> queryParam(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** True for {@code ?name}, {@code ?name=true} or {@code ?name=1}. */
    public boolean flag(String name) {
        return queryParam(name).map(v -> v.isEmpty() || v.equals("true") || v.equals("1")).orElse(false);
    }

    /** The body as a JSON tree; 400 when it is not JSON; an empty body is an empty object. */
    public JsonNode json() {
        if (body.length == 0) {
            return FrameworkJson.mapper().createObjectNode();
        }
        try {
            JsonNode tree = FrameworkJson.mapper().readTree(body);
            if (tree == null || tree.isMissingNode()) {
                return FrameworkJson.mapper().createObjectNode();
            }
            return tree;
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.badRequest("request body is unreadable: " + e.getMessage());
        }
    }

    /** The body as a JSON object; 400 when it is something else. */
    public JsonNode jsonObject() {
        JsonNode tree = json();
        if (!tree.isObject()) {
            throw ApiException.badRequest("request body must be a JSON object, not " + tree.getNodeType());
        }
        return tree;
    }
}
