package io.corral.zookeeper.registry;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.corral.protocol.MasterInfos;
import io.corral.protocol.json.MesosJson;
import io.corral.zookeeper.MasterContender;
import io.corral.zookeeper.ZkClients;
import io.corral.zookeeper.ZkUrl;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.mesos.v1.Protos.MasterInfo;

/** A would-be master for tests: its own ZooKeeper session, its json.info_ znode, and a store per leadership term. */
final class Candidate implements AutoCloseable {

    static final String ROOT = "/corral";
    static final Duration SESSION = Duration.ofSeconds(2);

    final MasterInfo info;
    final CuratorFramework client;
    final MasterContender contender;
    RegistryStore store;

    Candidate(String connectString, String id, int port) throws Exception {
        this.info = MasterInfos.create(id, id + ".example", "127.0.0.1", port, "1.11.0");
        this.client = ZkClients.connect(ZkUrl.parse("zk://" + connectString + ROOT), SESSION, Duration.ofSeconds(15));
        this.contender = new MasterContender(client, ROOT, MesosJson.print(info).getBytes(UTF_8));
        contender.start();
        this.store = new RegistryStore(client, ROOT);
    }

    /** Claims with the current store; a second claim needs {@link #newTerm()} first. */
    LeadershipClaim claim() throws Exception {
        return store.claimLeadership(contender.ownNodePath(), info).get(15, TimeUnit.SECONDS);
    }

    /** A fresh store, as a master gets for a new leadership term. */
    RegistryStore newTerm() {
        store.close();
        store = new RegistryStore(client, ROOT);
        return store;
    }

    @Override
    public void close() {
        store.close();
        contender.close();
        client.close();
    }
}
