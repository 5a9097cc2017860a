package io.corral.agent.image;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A Docker image's name as a task gives it in {@code Image.Docker.name}, split the way Docker and Mesos split it:
 * {@code [registry/]repository[:tag][@digest]}. The first component is a registry when it holds a '.' or a ':' or is
 * {@code localhost}; otherwise the image is on Docker Hub ({@code registry-1.docker.io}), where a one-component
 * repository lives under {@code library/} ({@code busybox} is {@code library/busybox}). The tag defaults to
 * {@code latest}.
 *
 * <p>Immutable.
 *
 * @param registry host[:port] of the registry
 * @param repository the repository path, lower case components
 * @param reference the tag, or the digest ({@code sha256:<hex>}) when the name pins one
 */
public record ImageReference(String registry, String repository, String reference) {
    public static final String DOCKER_HUB = "registry-1.docker.io";
    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final Pattern DIGEST = Pattern.compile("sha256:[a-f0-9]{64}");
    private static final String LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?";
    private static final Pattern REGISTRY = Pattern.compile(LABEL + "(?:\\." + LABEL + ")*(?::[0-9]{1,5})?");

    /** Parses a name; throws {@link IllegalArgumentException} saying what is wrong with it. */
    public static ImageReference parse(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("the image name is empty");
        }
        String rest = name.trim();
        String reference = "latest";
        int at = rest.indexOf('@');
        if (at >= 0) {
            reference = rest.substring(at + 1);
            rest = rest.substring(0, at);
            if (!DIGEST.matcher(reference).matches()) {
                throw new IllegalArgumentException("image '" + name + "': the digest must be sha256:<64 hex digits>");
            }
        }
        String registry = DOCKER_HUB;
        int slash = rest.indexOf('/');
        if (slash > 0) {
            String first = rest.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
                if (!REGISTRY.matcher(first).matches()) {
                    throw new IllegalArgumentException("image '" + name + "': '" + first + "' is not a registry");
                }
                registry = first.toLowerCase(Locale.ROOT);
                rest = rest.substring(slash + 1);
            }
        }
        int colon = rest.lastIndexOf(':');
        if (colon >= 0) {
            if (at < 0) {
                reference = rest.substring(colon + 1);
            }
            String tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw new IllegalArgumentException("image '" + name + "': '" + tag + "' is not a valid tag");
            }
        }
        if (registry.equals(DOCKER_HUB) && !rest.contains("/")) {
            rest = "library/" + rest;
        }
        for (String component : rest.split("/", -1)) {
            if (!COMPONENT.matcher(component).matches()) {
                throw new IllegalArgumentException("image '" + name + "': the repository '" + rest
                        + "' must be lower-case letters, digits and separators");
            }
        }
        return new ImageReference(registry, rest, reference);
    }

    public boolean isDigest() {
        return reference.startsWith("sha256:");
    }

    @Override
    public String toString() {
        return registry + "/" + repository + (isDigest() ? "@" : ":") + reference;
    }
}
