package io.corral.frameworks.services;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Marathon's placement constraints, decided for one candidate agent given where the app's instances already run.
 * A constraint is {@code [field, operator, value?]}; the field is {@code hostname} or an agent attribute:
 * <ul>
 *   <li>{@code UNIQUE}: no two instances share the field's value (one per host with {@code hostname});</li>
 *   <li>{@code CLUSTER v}: only where the field equals {@code v};</li>
 *   <li>{@code LIKE re} / {@code UNLIKE re}: only where the value matches / does not match the regex (an agent
 *       without the attribute matches nothing);</li>
 *   <li>{@code GROUP_BY [n]}: spread evenly over the field's values (a value may take an instance only when no
 *       other value, of the {@code n} expected, has fewer);</li>
 *   <li>{@code MAX_PER n}: at most {@code n} instances per value.</li>
 * </ul>
 * Validated by {@link AppValidator}. Stateless.
 */
public final class Constraints {
    private Constraints() {
    }

    /** Where an instance is, or would be: the agent's hostname and attributes (as text). */
    public record Place(String hostname, Map<String, String> attributes) {
        Optional<String> value(String field) {
            return field.equals("hostname") ? Optional.of(hostname) : Optional.ofNullable(attributes.get(field));
        }
    }

    /** True when every constraint allows one more instance at {@code candidate} next to {@code existing}. */
    public static boolean allow(List<List<String>> constraints, Place candidate, List<Place> existing) {
        for (List<String> c : constraints) {
            if (!allows(c, candidate, existing)) {
                return false;
            }
        }
        return true;
    }

    private static boolean allows(List<String> c, Place candidate, List<Place> existing) {
        String field = c.get(0);
        String op = c.get(1);
        String arg = c.size() > 2 ? c.get(2) : null;
        Optional<String> value = candidate.value(field);
        switch (op) {
            case "UNIQUE":
                return value.isPresent() && count(existing, field, value.get()) == 0;
            case "CLUSTER":
                return value.isPresent() && value.get().equals(arg);
            case "LIKE":
                return value.isPresent() && Pattern.compile(arg).matcher(value.get()).matches();
            case "UNLIKE":
                return value.isEmpty() || !Pattern.compile(arg).matcher(value.get()).matches();
            case "MAX_PER":
                return value.isPresent() && count(existing, field, value.get()) < Integer.parseInt(arg);
            case "GROUP_BY":
                return value.isPresent() && groupByAllows(field, value.get(), arg, existing);
            default:
                return false;
        }
    }

    private static boolean groupByAllows(String field, String value, String groups, List<Place> existing) {
        Map<String, Integer> counts = new HashMap<>();
        for (Place p : existing) {
            p.value(field).ifPresent(v -> counts.merge(v, 1, Integer::sum));
        }
        counts.putIfAbsent(value, 0);
        int expected = groups == null ? 0 : Integer.parseInt(groups);
        int min = counts.size() < expected ? 0 : counts.values().stream().mapToInt(Integer::intValue).min().orElse(0);
        return counts.get(value) <= min;
    }

    private static long count(List<Place> existing, String field, String value) {
        return existing.stream().filter(p -> p.value(field).filter(value::equals).isPresent()).count();
    }
}
