package io.corral.frameworks.jobs;

/** One invalid field of a job definition: its JSON name ({@code cpus}, {@code env.PATH}) and what is wrong with it. */
public record FieldError(String field, String message) {
}
