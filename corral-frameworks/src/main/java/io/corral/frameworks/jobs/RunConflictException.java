package io.corral.frameworks.jobs;

/** "Run now" of a job that forbids overlapping runs while one is active (the REST API answers 409). */
public final class RunConflictException extends RuntimeException {
    public RunConflictException(String message) {
        super(message);
    }
}
