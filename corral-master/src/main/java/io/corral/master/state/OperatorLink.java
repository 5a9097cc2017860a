package io.corral.master.state;

import org.apache.mesos.v1.master.Protos.Event;

/** The master's end of an operator's event stream ({@code SUBSCRIBE} on {@code /api/v1}). */
public interface OperatorLink {
    void send(Event event);

    boolean isOpen();

    void close();
}
