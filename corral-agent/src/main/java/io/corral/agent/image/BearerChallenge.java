package io.corral.agent.image;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A registry's {@code WWW-Authenticate: Bearer realm="...",service="...",scope="..."} challenge (Docker's token
 * authentication specification). Immutable.
 */
record BearerChallenge(String realm, Optional<String> service, Optional<String> scope) {
    private static final Pattern PARAMETER = Pattern.compile("([A-Za-z]+)=\"([^\"]*)\"");

    static BearerChallenge parse(String header) throws ImageException {
        Map<String, String> parameters = new HashMap<>();
        Matcher matcher = PARAMETER.matcher(header.substring("Bearer ".length()));
        while (matcher.find()) {
            parameters.put(matcher.group(1).toLowerCase(java.util.Locale.ROOT), matcher.group(2));
        }
        String realm = parameters.get("realm");
        if (realm == null || !(realm.startsWith("https://") || realm.startsWith("http://"))) {
            throw new ImageException("the registry's Bearer challenge has no usable realm: " + header);
        }
        return new BearerChallenge(realm, Optional.ofNullable(parameters.get("service")),
                Optional.ofNullable(parameters.get("scope")));
    }
}
