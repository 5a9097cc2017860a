package io.corral.it;

import static org.awaitility.Awaitility.await;

import io.corral.master.MasterConfig;
import io.corral.master.MasterServer;
import io.corral.zookeeper.ZkUrl;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.RepeatedTest;

/** Masters started at the same moment on a fresh ZooKeeper all learn who leads (standbys redirect to it). */
class ConcurrentMastersStartTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RepeatedTest(5)
    void everyStandbyRedirectsToTheLeader() throws Exception {
        try (TestingServer zookeeper = new TestingServer(true)) {
            ZkUrl zk = ZkUrl.parse("zk://" + zookeeper.getConnectString() + "/corral");
            List<CompletableFuture<MasterServer>> starting = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                starting.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return MasterServer.start(MasterServer.Options.insecure(zk, "127.0.0.1", "127.0.0.1", 0,
                                Duration.ofSeconds(2), MasterConfig.defaults()), () -> { });
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            List<MasterServer> masters = starting.stream().map(CompletableFuture::join).toList();
            try {
                for (MasterServer master : masters) {
                    await().atMost(Duration.ofSeconds(15)).until(() -> redirectStatus(master) == 307);
                }
            } finally {
                masters.forEach(MasterServer::close);
            }
        }
    }

    private static int redirectStatus(MasterServer master) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + master.port() + "/master/redirect"))
                .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
