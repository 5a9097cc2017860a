package io.corral.zookeeper.registry;

import java.time.Instant;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.AgentInfo;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.Value;

/** Realistic registry records for tests. */
final class TestRecords {

    static final Instant T0 = Instant.ofEpochMilli(1_700_000_000_000L);

    private TestRecords() {
    }

    static AgentInfo agentInfo(String id) {
        return AgentInfo.newBuilder()
                .setHostname(id + ".example")
                .setId(AgentID.newBuilder().setValue(id))
                .setPort(5051)
                .addResources(scalar("cpus", 8))
                .addResources(scalar("mem", 16384))
                .addResources(Resource.newBuilder().setName("ports").setType(Value.Type.RANGES)
                        .setRanges(Value.Ranges.newBuilder().addRange(Value.Range.newBuilder().setBegin(31000).setEnd(32000))))
                .build();
    }

    static AgentRecord agent(String id) {
        return new AgentRecord(agentInfo(id), AgentState.active(), T0, T0);
    }

    static FrameworkInfo frameworkInfo(String id) {
        return FrameworkInfo.newBuilder().setUser("alice").setName("fw " + id)
                .setId(FrameworkID.newBuilder().setValue(id)).setFailoverTimeout(60)
                // Mesos JSON prints fields with defaults, so a stored FrameworkInfo comes back with them set.
                .setCheckpoint(false).build();
    }

    private static Resource scalar(String name, double value) {
        return Resource.newBuilder().setName(name).setType(Value.Type.SCALAR)
                .setScalar(Value.Scalar.newBuilder().setValue(value)).build();
    }
}
