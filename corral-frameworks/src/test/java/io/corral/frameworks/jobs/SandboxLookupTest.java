package io.corral.frameworks.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import org.apache.mesos.v1.Protos.Address;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.OfferID;
import org.apache.mesos.v1.Protos.URL;
import org.junit.jupiter.api.Test;

class SandboxLookupTest {
    @Test
    void theSandboxIsTheDirectoryOfTheExecutorThatRanTheTask() throws Exception {
        String state = ("{'frameworks': [{'id': 'f', 'executors': [{'id': 'a', 'directory': '/w/a',"
                + " 'tasks': [{'id': 'other'}]}], 'completed_executors': [{'id': 'b', 'directory': '/w/b',"
                + " 'completed_tasks': [{'id': 'job.1.1-x'}]}]}]}").replace('\'', '"');
        assertThat(SandboxLookup.directoryIn(new ObjectMapper().readTree(state), "job.1.1-x")).contains("/w/b");
        assertThat(SandboxLookup.directoryIn(new ObjectMapper().readTree(state), "missing")).isEmpty();
    }

    @Test
    void theAgentIsReachedAtTheOffersUrl() {
        Offer offer = Offer.newBuilder().setId(OfferID.newBuilder().setValue("o"))
                .setFrameworkId(FrameworkID.newBuilder().setValue("f")).setAgentId(AgentID.newBuilder().setValue("a"))
                .setHostname("h").setUrl(URL.newBuilder().setScheme("http").setPath("/slave(1)")
                        .setAddress(Address.newBuilder().setHostname("10.0.0.7").setIp("10.0.0.7").setPort(5051)))
                .build();
        assertThat(SandboxLookup.agentBase(offer)).contains(URI.create("http://10.0.0.7:5051/"));
    }
}
