package io.corral.master.allocator;

import java.util.List;
import java.util.Random;

/**
 * Decides which framework is offered which agent's free resources. A pure function: the snapshot and a random
 * source in, proposals out; no I/O, no threads, no clock. The master turns proposals into offers.
 */
public interface Allocator {
    List<OfferProposal> allocate(AllocationInput input, Random random);
}
