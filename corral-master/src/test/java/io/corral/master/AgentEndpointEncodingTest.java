package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.master.http.Leadership;
import io.corral.master.http.MasterHttp;
import io.corral.master.http.MetricsEndpoint;
import io.corral.protocol.agent.AgentCall;
import io.corral.protocol.agent.AgentEvent;
import io.corral.protocol.agent.AgentProtocol;
import io.corral.protocol.http.Encoding;
import io.corral.protocol.http.HttpServer;
import io.corral.protocol.recordio.RecordIODecoder;
import io.corral.protocol.resources.ResourceSet;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.VersionInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent protocol over real HTTP on loopback in both its encodings: a REGISTER in protobuf or JSON registers the
 * agent, and its event stream comes in what its {@code Accept} asked for; anything else is refused as the scheduler
 * API refuses it, and registers nothing.
 */
class AgentEndpointEncodingTest {
    private final MasterFixture fixture = new MasterFixture();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<InputStream> streams = new ArrayList<>();
    private HttpServer server;

    @BeforeEach
    void serve() {
        Leadership leadership = new Leadership(10, Duration.ofMinutes(1));
        MetricsEndpoint metrics = MetricsEndpoint.forMaster(leadership, master -> new java.util.concurrent
                .CompletableFuture<>(), () -> MasterMetricsTest.ZOOKEEPER, Clock.systemUTC());
        server = HttpServer.start("127.0.0.1", 0, new MasterHttp(leadership, metrics, Runnable::run, Map::of,
                VersionInfo.newBuilder().setVersion("1.11.0").build(), Optional.empty()));
        leadership.set(MasterLifecycle.start().claim("127.0.0.1:5050").recover().lead(fixture.master));
    }

    @AfterEach
    void stop() throws IOException {
        for (InputStream stream : streams) {
            stream.close();
        }
        server.close();
        fixture.close();
    }

    @Test
    void aRegistrationInEitherEncodingGetsItsEventsInTheEncodingItAccepts() throws Exception {
        for (Encoding call : Encoding.values()) {
            for (Encoding events : Encoding.values()) {
                String hostname = "agent-" + call + "-" + events;
                HttpResponse<InputStream> answer = register(hostname, call, events.mediaType());

                assertThat(answer.statusCode()).as(hostname).isEqualTo(200);
                assertThat(answer.headers().firstValue("Content-Type")).hasValue(events.mediaType());
                AgentEvent first = AgentProtocol.decodeEvent(firstRecord(answer.body()), events);
                assertThat(first.type()).isEqualTo(AgentEvent.Type.REGISTERED);
                assertThat(fixture.onLoop(() -> fixture.master.agents().get(first.registered().agentId())
                        .info().getHostname())).isEqualTo(hostname);
            }
        }
        assertThat(fixture.onLoop(() -> fixture.master.agents().all().size())).isEqualTo(4);
    }

    @Test
    void anotherContentTypeOrAnUnacceptableAcceptIsRefusedAndRegistersNothing() throws Exception {
        HttpResponse<InputStream> xml = send(registration("x", Encoding.JSON), "application/xml", "application/json");
        HttpResponse<InputStream> html = send(registration("y", Encoding.PROTOBUF), Encoding.PROTOBUF.mediaType(),
                "text/html");
        HttpResponse<InputStream> garbage = send(new byte[] {(byte) 0xff, 0x01, 0x02}, Encoding.PROTOBUF.mediaType(),
                Encoding.PROTOBUF.mediaType());

        assertThat(xml.statusCode()).isEqualTo(415);
        assertThat(html.statusCode()).isEqualTo(406);
        assertThat(garbage.statusCode()).isEqualTo(400);
        assertThat(new String(garbage.body().readAllBytes())).startsWith("Failed to parse agent call: invalid");
        assertThat(fixture.onLoop(() -> fixture.master.agents().all().size())).isZero();
    }

    private HttpResponse<InputStream> register(String hostname, Encoding call, String accept) throws Exception {
        return send(registration(hostname, call), call.mediaType(), accept);
    }

    private static byte[] registration(String hostname, Encoding encoding) {
        AgentInfo info = AgentInfo.newBuilder().setHostname(hostname).setPort(5051)
                .addAllResources(ResourceSet.parse("cpus:4;mem:1024").toList()).build();
        return AgentProtocol.encode(AgentCall.register(new AgentCall.Register(AgentProtocol.VERSION, info, List.of(),
                List.of())), encoding);
    }

    private HttpResponse<InputStream> send(byte[] body, String contentType, String accept) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                        + AgentProtocol.PATH)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", contentType).header("Accept", accept)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        HttpResponse<InputStream> answer = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        streams.add(answer.body());
        return answer;
    }

    /** The stream's first RecordIO record, read as it arrives. */
    private static byte[] firstRecord(InputStream stream) throws IOException {
        RecordIODecoder decoder = new RecordIODecoder();
        byte[] buffer = new byte[4096];
        for (int read = stream.read(buffer); read > 0; read = stream.read(buffer)) {
            List<byte[]> records = decoder.feed(buffer, 0, read);
            if (!records.isEmpty()) {
                return records.get(0);
            }
        }
        throw new IOException("the stream ended before its first event");
    }
}
