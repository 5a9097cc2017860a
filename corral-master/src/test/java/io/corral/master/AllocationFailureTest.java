package io.corral.master;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.master.MasterFixture.RecordingLink;
import io.corral.master.allocator.HierarchicalDrfAllocator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.junit.jupiter.api.Test;

/** One failed allocation cycle does not end allocation for the leadership term. */
class AllocationFailureTest {

    @Test
    void theNextTickAllocatesAfterACycleFailed() {
        AtomicBoolean broken = new AtomicBoolean(true);
        HierarchicalDrfAllocator real = new HierarchicalDrfAllocator();
        try (MasterFixture fixture = new MasterFixture(MasterConfig.defaults(), (input, random) -> {
            if (broken.get()) {
                throw new IllegalStateException("a broken cycle (test)");
            }
            return real.allocate(input, random);
        })) {
            fixture.registerAgent(MasterFixture.agentInfo("cpus:2;mem:1024"), List.of(), List.of(),
                    new RecordingLink());
            RecordingLink framework = new RecordingLink();
            fixture.subscribe(MasterFixture.frameworkInfo(60), framework);
            fixture.advance(MasterConfig.defaults().allocationInterval()); // the periodic cycle fails too

            broken.set(false);
            fixture.advance(MasterConfig.defaults().allocationInterval());

            assertThat(framework.schedulerEvents(Event.Type.OFFERS)).isNotEmpty();
        }
    }
}
