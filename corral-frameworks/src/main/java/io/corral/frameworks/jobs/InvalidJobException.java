package io.corral.frameworks.jobs;

import java.util.List;
import java.util.stream.Collectors;

/** A job definition was refused: every invalid field is named (the REST API answers 422 with them). */
public final class InvalidJobException extends RuntimeException {
    private final List<FieldError> errors;

    public InvalidJobException(List<FieldError> errors) {
        super("Invalid job definition: " + errors.stream()
                .map(e -> e.field() + ": " + e.message()).collect(Collectors.joining("; ")));
        this.errors = List.copyOf(errors);
    }

    public List<FieldError> errors() {
        return errors;
    }
}
