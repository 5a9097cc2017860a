package io.corral.master.allocator;

import io.corral.protocol.resources.ResourceSet;

/** The allocator's decision: offer {@code resources} of {@code agentId} to {@code frameworkId} for {@code role}. */
public record OfferProposal(String frameworkId, String agentId, String role, ResourceSet resources) {}
