package io.corral.scheduler;

import io.corral.protocol.http.Encoding;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.corral.protocol.concurrent.ManualTimers;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.mesos.v1.Protos.AgentID;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.OfferID;
import org.apache.mesos.v1.Protos.TaskID;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SchedulerClientTest {
    private static final FrameworkInfo FRAMEWORK =
            FrameworkInfo.newBuilder().setUser("alice").setName("test-fw").setFailoverTimeout(60).build();

    private final List<AutoCloseable> toClose = new CopyOnWriteArrayList<>();
    private final Recorder recorder = new Recorder();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Encoding.class)
    void subscribesReceivesEventsAndSendsCallsInEitherEncoding(Encoding encoding) throws Exception {
        StubMaster master = stub().then(new StubMaster.Stream("stream-1"));
        SchedulerClient client = client(new FixedMasterLocator(master.uri().toString()), encoding, false, null);
        client.start();

        StubMaster.Received subscribe = master.nextSubscribe();
        assertThat(subscribe.contentType()).isEqualTo(encoding.mediaType());
        assertThat(subscribe.accept()).isEqualTo(encoding.mediaType());
        assertThat(subscribe.streamId()).isNull();
        assertThat(subscribe.call().hasFrameworkId()).isFalse();
        assertThat(subscribe.call().getSubscribe().getFrameworkInfo().getName()).isEqualTo("test-fw");

        OutputStream stream = master.awaitStream();
        StubMaster.push(stream, encoding, StubMaster.subscribed("fw-1", 15));
        StubMaster.push(stream, encoding, offers("o1", "o2"));
        StubMaster.push(stream, encoding, Event.newBuilder().setType(Event.Type.HEARTBEAT).build());
        await().until(() -> recorder.events.contains("heartbeat"));
        assertThat(recorder.events).containsExactly("subscribed fw-1", "offers [o1, o2]", "heartbeat");
        assertThat(recorder.threads).allMatch(name -> name.equals("corral-scheduler-events"));

        client.decline(List.of(OfferID.newBuilder().setValue("o1").build()), 3600).get(10, TimeUnit.SECONDS);
        StubMaster.Received decline = master.nextCall();
        assertThat(decline.streamId()).isEqualTo("stream-1");
        assertThat(decline.contentType()).isEqualTo(encoding.mediaType());
        assertThat(decline.call().getFrameworkId().getValue()).isEqualTo("fw-1");
        assertThat(decline.call().getDecline().getFilters().getRefuseSeconds()).isEqualTo(3600.0);
    }

    @Test
    void aCallAnsweredWithAnythingButAcceptedFailsWithTheStatusAndMessage() throws Exception {
        StubMaster master = stub().then(new StubMaster.Stream("s"));
        SchedulerClient client = client(new FixedMasterLocator(master.uri().toString()), Encoding.JSON, false, null);
        client.start();
        StubMaster.push(master.awaitStream(), Encoding.JSON, StubMaster.subscribed("fw-1", 15));
        await().until(client::isSubscribed);

        master.callStatus = 400;
        master.callBody = "Framework cannot be found";
        assertThatThrownBy(() -> client.suppress().get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(SchedulerCallException.class)
                .hasMessage("SUPPRESS failed: 400 Framework cannot be found")
                .satisfies(e -> assertThat(((SchedulerCallException) e).statusCode()).isEqualTo(400));
    }

    @Test
    void callsBeforeSubscribingFailWithoutTouchingTheNetwork() {
        StubMaster master = stub();
        SchedulerClient client = client(new FixedMasterLocator(master.uri().toString()), Encoding.JSON, false, null);
        assertThat(client.revive()).isCompletedExceptionally();
        assertThat(master.pendingCalls()).isEmpty();
    }

    @Test
    void followsAProtocolRelativeRedirectToTheLeaderAndSendsCallsThere() throws Exception {
        StubMaster leader = stub().then(new StubMaster.Stream("s-leader"));
        StubMaster standby = stub().then(new StubMaster.Redirect("//127.0.0.1:" + leader.uri().getPort()
                + "/api/v1/scheduler"));
        FixedMasterLocator locator = new FixedMasterLocator(standby.uri().toString());
        SchedulerClient client = client(locator, Encoding.PROTOBUF, false, null);
        client.start();

        standby.nextSubscribe();
        leader.nextSubscribe();
        StubMaster.push(leader.awaitStream(), Encoding.PROTOBUF, StubMaster.subscribed("fw-9", 15));
        await().until(client::isSubscribed);
        assertThat(client.master()).contains(leader.uri());
        assertThat(locator.master(Duration.ZERO)).isEqualTo(leader.uri());

        client.revive().get(10, TimeUnit.SECONDS);
        assertThat(leader.nextCall().call().getType()).isEqualTo(Call.Type.REVIVE);
        assertThat(standby.pendingCalls()).isEmpty();
    }

    @Test
    void retriesServiceUnavailableWithBackoffThenSubscribes() throws Exception {
        StubMaster master = stub()
                .then(new StubMaster.Status(503, "No leader elected"))
                .then(new StubMaster.Status(503, "Master has not finished recovery"))
                .then(new StubMaster.Stream("s"));
        ManualTimers timers = new ManualTimers(0);
        SchedulerClient client = client(new FixedMasterLocator(master.uri().toString()), Encoding.JSON, false, timers);
        client.start();

        master.nextSubscribe();
        await().until(() -> recorder.failures.size() == 1);
        assertThat(recorder.failures.get(0)).contains("503 No leader elected");
        timers.advance(Duration.ofSeconds(1)); // the first backoff is at most 200 ms
        master.nextSubscribe();
        await().until(() -> recorder.failures.size() == 2);
        timers.advance(Duration.ofSeconds(1));
        master.nextSubscribe();
        StubMaster.push(master.awaitStream(), Encoding.JSON, StubMaster.subscribed("fw-1", 15));
        await().until(client::isSubscribed);
    }

    @Test
    void aMasterNotReadyYetIsAskedAgainSoonHoweverManyAttemptsFailedBefore() throws Exception {
        // After a failover the attempts against the dead master have grown the backoff; the new leader's 503 while
        // it recovers must not make the framework wait seconds more once it is ready.
        StubMaster master = stub();
        for (int i = 0; i < 5; i++) {
            master.then(new StubMaster.Status(500, "failed"));
        }
        master.then(new StubMaster.Status(503, "Master has not finished recovery")).then(new StubMaster.Stream("s"));
        ManualTimers timers = new ManualTimers(0);
        SchedulerClient client = client(new FixedMasterLocator(master.uri().toString()), Encoding.JSON, false, timers);
        client.start();
        for (int failed = 1; failed <= 5; failed++) {
            master.nextSubscribe();
            int seen = failed;
            await().until(() -> recorder.failures.size() == seen);
            timers.advance(Duration.ofSeconds(10));
        }

        master.nextSubscribe(); // answered 503
        await().until(() -> recorder.failures.size() == 6);
        timers.advance(Backoff.DEFAULT_INITIAL); // the first attempt's delay, not the sixth's (up to 5 s)
        master.nextSubscribe();
        StubMaster.push(master.awaitStream(), Encoding.JSON, StubMaster.subscribed("fw-1", 15));
        await().until(client::isSubscribed);
    }

    @Test
    void anAttemptWaitingOutItsBackoffGoesAtOnceWhenTheLocatorNamesALeader() throws Exception {
        StubMaster master = stub();
        for (int i = 0; i < 3; i++) {
            master.then(new StubMaster.Status(500, "failed"));
        }
        master.then(new StubMaster.Stream("s"));
        List<Runnable> watchers = new CopyOnWriteArrayList<>();
        FixedMasterLocator fixed = new FixedMasterLocator(master.uri().toString());
        MasterLocator locator = new MasterLocator() { // a fixed master, and news of leaders when the test says
            @Override
            public java.net.URI master(Duration timeout) throws InterruptedException {
                return fixed.master(timeout);
            }

            @Override
            public Runnable onLeader(Runnable listener) {
                watchers.add(listener);
                return () -> watchers.remove(listener);
            }

            @Override
            public String describe() {
                return fixed.describe();
            }
        };
        ManualTimers timers = new ManualTimers(0);
        SchedulerClient client = client(locator, Encoding.JSON, false, timers);
        client.start();
        for (int failed = 1; failed <= 3; failed++) {
            master.nextSubscribe();
            int seen = failed;
            await().until(() -> recorder.failures.size() == seen);
            if (failed < 3) {
                timers.advance(Duration.ofSeconds(10));
            }
        }

        watchers.forEach(Runnable::run); // a new leader is named while the fourth attempt waits (400-800 ms)
        master.nextSubscribe(); // the clock did not move
        StubMaster.push(master.awaitStream(), Encoding.JSON, StubMaster.subscribed("fw-1", 15));
        await().until(client::isSubscribed);
        timers.advance(Duration.ofSeconds(10));
        assertThat(master.pendingSubscribes()).as("the waiting attempt was cancelled, not made twice").isZero();
        client.close();
        assertThat(watchers).as("the client stops listening when closed").isEmpty();
    }

    @Test
    void aRefusedSubscribeIsReportedAsAnErrorAndNotRetried() throws Exception {
        StubMaster master = stub().then(new StubMaster.Status(400, "'framework_id' differs"));
        ManualTimers timers = new ManualTimers(0);
        SchedulerClient client = client(new FixedMasterLocator(master.uri().toString()), Encoding.JSON, false, timers);
        client.start();
        await().until(() -> recorder.events.size() == 1);
        assertThat(recorder.events.get(0)).startsWith("error SUBSCRIBE refused").endsWith("400 'framework_id' differs");
        assertThat(timers.pendingCount()).isZero();
    }

    @Test
    void resubscribesWithTheFrameworkIdInBothPlacesWhenTheStreamEnds() throws Exception {
        StubMaster master = stub().then(new StubMaster.Stream("s1")).then(new StubMaster.Stream("s2"));
        ManualTimers timers = new ManualTimers(0);
        SchedulerClient client = client(new FixedMasterLocator(master.uri().toString()), Encoding.JSON, false, timers);
        client.start();
        master.nextSubscribe();
        OutputStream first = master.awaitStream();
        StubMaster.push(first, Encoding.JSON, StubMaster.subscribed("fw-7", 15));
        await().until(client::isSubscribed);

        first.close();
        await().until(() -> recorder.events.contains("disconnected"));
        assertThat(client.isSubscribed()).isFalse();
        timers.advance(Duration.ofSeconds(1));

        Call resubscribe = master.nextSubscribe().call();
        assertThat(resubscribe.getFrameworkId().getValue()).isEqualTo("fw-7");
        assertThat(resubscribe.getSubscribe().getFrameworkInfo().getId().getValue()).isEqualTo("fw-7");
        StubMaster.push(master.awaitStream(), Encoding.JSON, StubMaster.subscribed("fw-7", 15));
        await().until(() -> recorder.events.size() == 3);
        assertThat(recorder.events).containsExactly("subscribed fw-7", "disconnected", "subscribed fw-7");
    }

    @Test
    void dropsASilentStreamAfterFiveHeartbeatIntervalsAndResubscribes() throws Exception {
        StubMaster master = stub().then(new StubMaster.Stream("s1")).then(new StubMaster.Stream("s2"));
        ManualTimers timers = new ManualTimers(0);
        SchedulerClient client = client(new FixedMasterLocator(master.uri().toString()), Encoding.JSON, false, timers);
        client.start();
        master.nextSubscribe();
        StubMaster.push(master.awaitStream(), Encoding.JSON, StubMaster.subscribed("fw-1", 2));
        await().until(() -> recorder.events.contains("subscribed fw-1")); // the watchdog is armed by then

        timers.advance(Duration.ofSeconds(9)); // 4.5 intervals: still fine
        assertThat(client.isSubscribed()).isTrue();
        timers.advance(Duration.ofSeconds(1)); // 5 intervals without an event
        await().until(() -> recorder.events.contains("disconnected"));
        assertThat(recorder.failures).isEmpty(); // losing a live stream is not a failed subscription attempt
        timers.advance(Duration.ofSeconds(1));
        assertThat(master.nextSubscribe().call().getFrameworkId().getValue()).isEqualTo("fw-1");
    }

    @Test
    void autoAcknowledgesUpdatesThatCarryAUuidOnly() throws Exception {
        StubMaster master = stub().then(new StubMaster.Stream("s"));
        SchedulerClient client = client(new FixedMasterLocator(master.uri().toString()), Encoding.JSON, true, null);
        client.start();
        OutputStream stream = master.awaitStream();
        StubMaster.push(stream, Encoding.JSON, StubMaster.subscribed("fw-1", 15));
        StubMaster.push(stream, Encoding.JSON, update("lost-by-master", null));
        StubMaster.push(stream, Encoding.JSON, update("t1", ByteString.copyFrom(new byte[16])));

        Call ack = master.nextCall().call();
        assertThat(ack.getType()).isEqualTo(Call.Type.ACKNOWLEDGE);
        assertThat(ack.getAcknowledge().getTaskId().getValue()).isEqualTo("t1");
        assertThat(ack.getAcknowledge().getUuid()).isEqualTo(ByteString.copyFrom(new byte[16]));
        assertThat(recorder.events).contains("update lost-by-master TASK_FINISHED", "update t1 TASK_FINISHED");
        assertThat(master.pendingCalls()).isEmpty();
    }

    @Test
    void anErrorEventEndsTheSubscriptionForGood() throws Exception {
        StubMaster master = stub().then(new StubMaster.Stream("s"));
        ManualTimers timers = new ManualTimers(0);
        SchedulerClient client = client(new FixedMasterLocator(master.uri().toString()), Encoding.JSON, false, timers);
        client.start();
        OutputStream stream = master.awaitStream();
        StubMaster.push(stream, Encoding.JSON, StubMaster.subscribed("fw-1", 15));
        StubMaster.push(stream, Encoding.JSON, Event.newBuilder().setType(Event.Type.ERROR)
                .setError(Event.Error.newBuilder().setMessage("Framework failed over")).build());
        await().until(() -> recorder.events.contains("error Framework failed over"));
        assertThat(client.isSubscribed()).isFalse();
        timers.advance(Duration.ofMinutes(1));
        assertThat(recorder.events).doesNotContain("disconnected");
        assertThat(timers.pendingCount()).isZero();
    }

    @Test
    void teardownStopsResubscribing() throws Exception {
        StubMaster master = stub().then(new StubMaster.Stream("s"));
        ManualTimers timers = new ManualTimers(0);
        SchedulerClient client = client(new FixedMasterLocator(master.uri().toString()), Encoding.JSON, false, timers);
        client.start();
        OutputStream stream = master.awaitStream();
        StubMaster.push(stream, Encoding.JSON, StubMaster.subscribed("fw-1", 15));
        await().until(client::isSubscribed);

        client.teardown().get(10, TimeUnit.SECONDS);
        assertThat(master.nextCall().call().getType()).isEqualTo(Call.Type.TEARDOWN);
        stream.close();
        await().until(() -> !client.isSubscribed());
        timers.advance(Duration.ofMinutes(1));
        assertThat(timers.pendingCount()).isZero();
        assertThat(recorder.events).doesNotContain("disconnected");
    }

    @Test
    void rejectsAFrameworkInfoWithoutUserOrName() {
        assertThatThrownBy(() -> SchedulerClient.builder(new FixedMasterLocator("http://127.0.0.1:1"),
                FrameworkInfo.newBuilder().setName("x").buildPartial(), new SchedulerListener() {}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'user' and 'name'");
    }

    // ------------------------------------------------------------------------------------------------ fixtures

    private StubMaster stub() {
        try {
            StubMaster master = new StubMaster();
            toClose.add(master);
            return master;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private SchedulerClient client(MasterLocator locator, Encoding encoding, boolean autoAck, ManualTimers timers) {
        SchedulerClient.Builder builder = SchedulerClient.builder(locator, FRAMEWORK, recorder)
                .encoding(encoding)
                .autoAcknowledge(autoAck)
                .random(new Random(42));
        if (timers != null) {
            builder.timers(timers);
        }
        SchedulerClient client = builder.build();
        toClose.add(0, client); // close clients before the stubs they talk to
        return client;
    }

    private static Event offers(String... ids) {
        Event.Offers.Builder offers = Event.Offers.newBuilder();
        for (String id : ids) {
            offers.addOffers(Offer.newBuilder()
                    .setId(OfferID.newBuilder().setValue(id))
                    .setFrameworkId(FrameworkID.newBuilder().setValue("fw-1"))
                    .setAgentId(AgentID.newBuilder().setValue("a1"))
                    .setHostname("host-1"));
        }
        return Event.newBuilder().setType(Event.Type.OFFERS).setOffers(offers).build();
    }

    private static Event update(String taskId, ByteString uuid) {
        TaskStatus.Builder status = TaskStatus.newBuilder()
                .setTaskId(TaskID.newBuilder().setValue(taskId))
                .setState(TaskState.TASK_FINISHED)
                .setAgentId(AgentID.newBuilder().setValue("a1"));
        if (uuid != null) {
            status.setUuid(uuid);
        }
        return Event.newBuilder().setType(Event.Type.UPDATE)
                .setUpdate(Event.Update.newBuilder().setStatus(status)).build();
    }

    /** Writes down every callback and the thread it ran on. */
    private static final class Recorder implements SchedulerListener {
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<String> threads = new CopyOnWriteArrayList<>();
        final List<String> failures = new CopyOnWriteArrayList<>();

        private void record(String event) {
            threads.add(Thread.currentThread().getName());
            events.add(event);
        }

        @Override
        public void subscribed(FrameworkID frameworkId, MasterInfo master) {
            record("subscribed " + frameworkId.getValue());
        }

        @Override
        public void offers(List<Offer> offers) {
            record("offers " + offers.stream().map(o -> o.getId().getValue()).toList());
        }

        @Override
        public void rescind(OfferID offerId) {
            record("rescind " + offerId.getValue());
        }

        @Override
        public void update(TaskStatus status) {
            record("update " + status.getTaskId().getValue() + " " + status.getState());
        }

        @Override
        public void error(String message) {
            record("error " + message);
        }

        @Override
        public void disconnected() {
            record("disconnected");
        }

        @Override
        public void heartbeat() {
            record("heartbeat");
        }

        @Override
        public void subscribeFailed(String reason, Duration retryIn) {
            failures.add(reason);
        }
    }
}
