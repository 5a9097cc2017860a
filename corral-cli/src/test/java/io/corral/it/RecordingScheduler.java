package io.corral.it;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import io.corral.scheduler.SchedulerListener;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.TaskState;
import org.apache.mesos.v1.Protos.TaskStatus;

/** A framework's ears for tests: every event it hears, queued so tests can wait for them without sleeping. */
final class RecordingScheduler implements SchedulerListener {
    final BlockingQueue<List<Offer>> offers = new LinkedBlockingQueue<>();
    final List<TaskStatus> updates = new CopyOnWriteArrayList<>();
    final List<String> errors = new CopyOnWriteArrayList<>();
    final List<MasterInfo> subscriptions = new CopyOnWriteArrayList<>();
    final BlockingQueue<List<org.apache.mesos.v1.Protos.InverseOffer>> inverseOffers = new LinkedBlockingQueue<>();
    final List<org.apache.mesos.v1.Protos.OfferID> rescindedInverseOffers = new CopyOnWriteArrayList<>();
    volatile FrameworkID frameworkId;
    final List<org.apache.mesos.v1.scheduler.Protos.Event.Message> messages = new CopyOnWriteArrayList<>();
    final List<org.apache.mesos.v1.scheduler.Protos.Event.Failure> failures = new CopyOnWriteArrayList<>();

    @Override
    public void message(org.apache.mesos.v1.scheduler.Protos.Event.Message message) {
        messages.add(message);
    }

    @Override
    public void failure(org.apache.mesos.v1.scheduler.Protos.Event.Failure failure) {
        failures.add(failure);
    }

    /** The data of every MESSAGE from an executor, as text. */
    List<String> messageTexts() {
        return messages.stream().map(m -> m.getData().toStringUtf8()).toList();
    }

    @Override
    public void subscribed(FrameworkID frameworkId, MasterInfo master) {
        this.frameworkId = frameworkId;
        subscriptions.add(master);
    }

    @Override
    public void offers(List<Offer> offers) {
        this.offers.add(offers);
    }

    @Override
    public void inverseOffers(List<org.apache.mesos.v1.Protos.InverseOffer> inverseOffers) {
        this.inverseOffers.add(inverseOffers);
    }

    @Override
    public void rescindInverseOffer(org.apache.mesos.v1.Protos.OfferID inverseOfferId) {
        rescindedInverseOffers.add(inverseOfferId);
    }

    /** The next inverse offer the master sends, within 30 s. */
    org.apache.mesos.v1.Protos.InverseOffer nextInverseOffer() throws InterruptedException {
        List<org.apache.mesos.v1.Protos.InverseOffer> batch = inverseOffers.poll(30, TimeUnit.SECONDS);
        if (batch == null) {
            throw new AssertionError("no inverse offer within 30s");
        }
        return batch.get(0);
    }

    @Override
    public void update(TaskStatus status) {
        updates.add(status);
    }

    @Override
    public void error(String message) {
        errors.add(message);
    }

    Offer nextOffer() throws InterruptedException {
        List<Offer> batch = offers.poll(30, TimeUnit.SECONDS);
        if (batch == null) {
            throw new AssertionError("no offer within 30s");
        }
        return batch.get(0);
    }

    /** Waits for an update of {@code taskId} in {@code state} and returns it. */
    TaskStatus awaitState(String taskId, TaskState state) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> updates.stream()
                .filter(s -> s.getTaskId().getValue().equals(taskId) && s.getState() == state)
                .findFirst().orElse(null), java.util.Objects::nonNull);
    }

    List<TaskState> statesOf(String taskId) {
        return updates.stream().filter(s -> s.getTaskId().getValue().equals(taskId))
                .map(TaskStatus::getState).toList();
    }
}
