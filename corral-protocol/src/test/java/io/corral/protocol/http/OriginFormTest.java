package io.corral.protocol.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Absolute-form request targets (as mesos-rxjava's RxNetty sends them) are routed by their path. */
class OriginFormTest {
    @ParameterizedTest
    @CsvSource({
        "/redirect, /redirect",
        "http://127.0.0.1:5050/redirect, /redirect",
        "http://master:5050/api/v1/scheduler?x=1, /api/v1/scheduler?x=1",
        "http://master:5050, /",
        "http://master:5050?x=1, /?x=1",
        "/path?next=http://elsewhere/, /path?next=http://elsewhere/"
    })
    void dropsSchemeAndAuthority(String target, String expected) {
        assertThat(ReceivedRequest.originForm(target)).isEqualTo(expected);
    }
}
