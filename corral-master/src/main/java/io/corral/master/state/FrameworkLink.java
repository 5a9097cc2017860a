package io.corral.master.state;

import org.apache.mesos.v1.scheduler.Protos.Event;

/** The master's end of a framework's subscription: the RecordIO event stream of its latest SUBSCRIBE. */
public interface FrameworkLink {
    String streamId();

    void send(Event event);

    boolean isOpen();

    void close();
}
