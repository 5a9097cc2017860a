package io.corral.agent.image;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The agent's container image flags: {@code --image-providers} (Mesos's {@code --image_providers}; only
 * {@code docker}), {@code --docker-registry-insecure} (the {@code host:port} of registries spoken to over plain HTTP),
 * {@code --image-max-size} (the most one layer may download to, and the most an image may unpack to).
 *
 * <p>Immutable.
 */
public record ImageOptions(List<String> providers, Set<String> insecureRegistries, long maxBytes, Duration timeout) {
    public static final ImageOptions NONE = new ImageOptions(List.of(), Set.of(), ImageStore.DEFAULT_MAX_UNPACKED_BYTES,
            Duration.ofMinutes(10));

    public ImageOptions {
        providers = providers.stream().map(name -> name.toLowerCase(Locale.ROOT)).toList();
        for (String provider : providers) {
            if (!provider.equals("docker")) {
                throw new IllegalArgumentException("Unknown image provider '" + provider + "': this agent knows docker");
            }
        }
        insecureRegistries = Set.copyOf(insecureRegistries);
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("the image size limit must be positive");
        }
    }

    public static ImageOptions docker(Set<String> insecureRegistries) {
        return new ImageOptions(List.of("docker"), insecureRegistries, NONE.maxBytes(), NONE.timeout());
    }

    public boolean enabled() {
        return providers.contains("docker");
    }
}
