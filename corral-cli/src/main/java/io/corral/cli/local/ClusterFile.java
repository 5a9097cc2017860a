package io.corral.cli.local;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * The content of {@code <work-dir>/cluster.json}: a snapshot of a {@code corral local} cluster that the supervisor
 * rewrites (atomically) whenever a process changes, for people, scripts and {@code corral local status}.
 *
 * @param version   format version of this document, {@value #FORMAT_VERSION}
 * @param pid       pid of the {@code corral local} supervisor
 * @param workDir   the cluster's work directory
 * @param startedAt when the supervisor started, ISO-8601
 * @param state     the supervisor's state: STARTING, RUNNING (a leader serves), STOPPING, STOPPED
 * @param zk        the ensemble's zk:// URL
 * @param leader    http URL of the leading master, or null while none serves
 * @param processes every supervised process, in start order
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ClusterFile(int version, long pid, String workDir, String startedAt, String state, String zk,
                          String leader, List<Process> processes) {

    public static final int FORMAT_VERSION = 1;
    public static final String FILE_NAME = "cluster.json";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * One supervised process.
     *
     * @param role     zk, master or agent
     * @param name     stable identity, e.g. {@code master-2}; also the log file's name
     * @param pid      current pid, or null while not running
     * @param address  what it serves on, e.g. {@code 127.0.0.1:5051}
     * @param logFile  its log file (stdout and stderr), appended across restarts
     * @param restarts how many times the supervisor restarted it
     * @param state    STARTING, UP, BACKOFF (died; restart pending), STOPPING, STOPPED
     */
    public record Process(String role, String name, Long pid, String address, String logFile, int restarts,
                          String state) {
    }

    public static Path in(Path workDir) {
        return workDir.resolve(FILE_NAME);
    }

    public void writeTo(Path file) {
        try {
            AtomicFiles.write(file, JSON.writeValueAsBytes(this));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Reads a cluster.json; the message says which file is missing or unreadable. */
    public static ClusterFile read(Path file) {
        try {
            return JSON.readValue(Files.readAllBytes(file), ClusterFile.class);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + " does not exist: is this the work directory of a corral local?");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
