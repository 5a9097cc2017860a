package io.corral.agent.image;

import java.io.IOException;

/** An image that cannot be provisioned: not found, refused by the registry, corrupt, too large, unsafe. */
public final class ImageException extends IOException {
    public ImageException(String message) {
        super(message);
    }

    public ImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
