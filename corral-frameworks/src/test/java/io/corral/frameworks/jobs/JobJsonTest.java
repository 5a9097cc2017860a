package io.corral.frameworks.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class JobJsonTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return MAPPER.readTree(text.replace('\'', '"'));
    }

    @Test
    void aMinimalJobGetsDefaults() throws Exception {
        JobDefinition job = JobJson.parse(json("{'id': 'hello', 'cmd': 'echo hello'}"));
        assertThat(job.command().shell()).isEqualTo("echo hello");
        assertThat(job.cpus()).isEqualTo(0.1);
        assertThat(job.mem()).isEqualTo(32);
        assertThat(job.schedule()).isNull();
        assertThat(job.concurrency()).isEqualTo(ConcurrencyPolicy.FORBID);
        assertThat(job.retry().maxRetries()).isZero();
    }

    @Test
    void everyFieldRoundTrips() throws Exception {
        JobDefinition job = JobJson.parse(json("{'id': 'backup.db', 'args': ['/bin/tar', 'czf', 'x.tgz', 'data'],"
                + "'image': 'busybox', 'cpus': 0.5, 'mem': 64, 'disk': 10, 'env': {'A': '1'}, 'user': 'nobody',"
                + "'labels': {'team': 'db'}, 'schedule': '30 2 * * *', 'timezone': 'Europe/Paris', 'retries': 3,"
                + "'retry_delay_seconds': 2, 'max_retry_delay_seconds': 30, 'timeout_seconds': 600,"
                + "'concurrency': 'replace'}"));
        assertThat(job.command().argv()).containsExactly("/bin/tar", "czf", "x.tgz", "data");
        assertThat(job.schedule().zone()).isEqualTo(ZoneId.of("Europe/Paris"));
        assertThat(job.retry()).isEqualTo(new RetryPolicy(3, Duration.ofSeconds(2), Duration.ofSeconds(30)));
        assertThat(job.timeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(job.concurrency()).isEqualTo(ConcurrencyPolicy.REPLACE);
        assertThat(JobJson.parse(JobJson.write(job))).isEqualTo(job);
    }

    @Test
    void everyInvalidFieldIsNamedAtOnce() throws Exception {
        InvalidJobException e = catchThrowableOfType(InvalidJobException.class, () -> JobJson.parse(json(
                "{'id': '../etc', 'cmd': 'true', 'cpus': 0, 'mem': -1, 'disk': 'lots', 'env': {'A': 1},"
                        + "'schedule': '* * *', 'timezone': 'Mars/Olympus', 'retries': -1, 'timeout_seconds': 0,"
                        + "'concurrency': 'sometimes', 'colour': 'blue'}")));
        assertThat(e.errors()).extracting(FieldError::field).containsExactlyInAnyOrder(
                "id", "cpus", "mem", "disk", "env.A", "timezone", "retries", "timeout_seconds", "concurrency",
                "colour");
        assertThat(e.errors()).filteredOn(f -> f.field().equals("cpus")).extracting(FieldError::message)
                .containsExactly("must be > 0");
    }

    @Test
    void aCommandIsRequiredAndOnlyOne() throws Exception {
        assertThat(catchThrowableOfType(InvalidJobException.class, () -> JobJson.parse(json("{'id': 'a'}")))
                .errors()).extracting(FieldError::field).containsExactly("cmd");
        assertThat(catchThrowableOfType(InvalidJobException.class,
                () -> JobJson.parse(json("{'id': 'a', 'cmd': 'x', 'args': ['y']}")))
                .errors()).extracting(FieldError::field).containsExactly("args");
        assertThat(catchThrowableOfType(InvalidJobException.class,
                () -> JobJson.parse(json("{'cmd': 'x', 'schedule': 'every day'}")))
                .errors()).extracting(FieldError::field).containsExactly("id", "schedule");
    }

    @Test
    void notAnObjectIsRefused() throws Exception {
        assertThat(catchThrowableOfType(InvalidJobException.class, () -> JobJson.parse(json("[1]"))).errors())
                .hasSize(1);
    }
}
