package io.corral.zookeeper.registry;

/** The messages of {@link FencedException}, in one place so claims and writes explain fencing the same way. */
final class Fencing {

    private Fencing() {
    }

    static FencedException sessionEnded(ZkSession session) {
        return new FencedException("this master's ZooKeeper session 0x" + Long.toHexString(session.sessionId())
                + " has ended, and its leadership with it: registry writes are refused; step down and contend again");
    }

    static FencedException contenderGone(String contenderPath) {
        return new FencedException("this master's contender znode " + contenderPath + " is gone (session ended or"
                + " candidacy withdrawn): it no longer leads, registry writes are refused");
    }

    static FencedException claimedByAnother(long ownEpoch) {
        return new FencedException("another master claimed the registry after this one (which led in epoch "
                + ownEpoch + "): registry writes are refused; step down");
    }
}
