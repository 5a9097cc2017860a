package io.corral.frameworks.common;

import java.util.List;

/**
 * A request refused with a status and a message, and for invalid definitions every invalid field: rendered as
 * {@code {"message": "...", "errors": [{"field": "cpus", "message": "must be > 0"}]}}. Nothing was changed.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final List<FieldError> errors;

    /** One invalid field: its JSON path ({@code cpus}, {@code healthChecks[0].path}) and what is wrong with it. */
    public record FieldError(String field, String message) {}

    public ApiException(int status, String message) {
        this(status, message, List.of());
    }

    public ApiException(int status, String message, List<FieldError> errors) {
        super(message);
        this.status = status;
        this.errors = List.copyOf(errors);
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, message);
    }

    public static ApiException conflict(String message) {
        return new ApiException(409, message);
    }

    /** 422 naming every invalid field. */
    public static ApiException invalid(String what, List<FieldError> errors) {
        return new ApiException(422, what + " is invalid: " + errors.size()
                + (errors.size() == 1 ? " field" : " fields") + " refused", errors);
    }

    public int status() {
        return status;
    }

    public List<FieldError> errors() {
        return errors;
    }
}
