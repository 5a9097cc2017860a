package io.corral.scheduler;

import java.time.Duration;
import java.util.List;
import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.MasterInfo;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.OfferID;
import org.apache.mesos.v1.Protos.TaskStatus;

/**
 * What a framework hears from {@link SchedulerClient}. Every method has an empty default, so a framework implements
 * only what it needs.
 *
 * <p>Threading: all callbacks run on the client's single event thread, one at a time, in the order the events
 * arrived; a callback that blocks delays every later one. Callbacks may call the client (send, launch, close...).
 */
public interface SchedulerListener {

    /** SUBSCRIBED: the master accepted this framework; called again after every resubscription. */
    default void subscribed(FrameworkID frameworkId, MasterInfo master) {}

    /** OFFERS: answer each offer (launch or decline), or it stays allocated to this framework. */
    default void offers(List<Offer> offers) {}

    /** RESCIND: the offer is no longer valid; launching on it would give TASK_LOST. */
    default void rescind(OfferID offerId) {}

    /** The master asks for agents back before their maintenance (INVERSE_OFFERS); answer with {@code send}. */
    default void inverseOffers(List<org.apache.mesos.v1.Protos.InverseOffer> inverseOffers) {}

    /** An inverse offer is withdrawn (RESCIND_INVERSE_OFFER): the maintenance changed. */
    default void rescindInverseOffer(OfferID inverseOfferId) {}

    /**
     * UPDATE: a task changed state. Unless the client acknowledges automatically, call
     * {@link SchedulerClient#acknowledge} once the update is handled, or the agent keeps resending it.
     */
    default void update(TaskStatus status) {}

    /**
     * ERROR from the master (e.g. "Framework failed over", "Framework has been removed"), or a SUBSCRIBE the master
     * refused. The subscription is over for good: the client does not resubscribe after an error.
     */
    default void error(String message) {}

    /** The event stream ended or went silent; the client is resubscribing (possibly to a new leader). */
    default void disconnected() {}

    /** A subscription attempt failed; the client retries after {@code retryIn}. For progress and diagnostics. */
    default void subscribeFailed(String reason, Duration retryIn) {}

    /** HEARTBEAT: the master is alive. */
    default void heartbeat() {}

    /** MESSAGE: data one of the framework's executors sent it (its agent and executor ids included). */
    default void message(org.apache.mesos.v1.scheduler.Protos.Event.Message message) {}

    /** FAILURE: an executor of the framework ended (with its wait status), or an agent was removed. */
    default void failure(org.apache.mesos.v1.scheduler.Protos.Event.Failure failure) {}
}
