package io.corral.protocol.resources;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.Value;

/**
 * Mesos's text form of resources, as the agent's {@code --resources} flag takes it:
 * {@code cpus:4;mem:1024;disk:2000;ports:[31000-32000];zones(eng):{a, b}}. A role in parentheses is a static
 * reservation; no role (or {@code *}) means unreserved.
 *
 * <p>Threading: stateless; safe from any thread.
 */
final class ResourceText {
    static final String EXPECTED_FORM = "expected name[(role)]:value items separated by ';', where value is a number"
            + " (cpus:4), ranges (ports:[31000-32000, 33000-34000]) or a set (zones:{a, b});"
            + " e.g. cpus:4;mem:1024;disk:2000;ports:[31000-32000]";

    private static final Pattern ITEM = Pattern.compile("([^():;{}\\[\\]\\s]+)\\s*(?:\\(([^()]*)\\))?\\s*:\\s*(.*)",
            Pattern.DOTALL);
    private static final Pattern RANGE = Pattern.compile("(\\d+)\\s*-\\s*(\\d+)");

    private ResourceText() {}

    static List<Resource> parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("No resources given; " + EXPECTED_FORM);
        }
        List<Resource> resources = new ArrayList<>();
        for (String item : text.split(";")) {
            if (!item.isBlank()) {
                resources.add(parseItem(item.trim()));
            }
        }
        return resources;
    }

    private static Resource parseItem(String item) {
        Matcher matcher = ITEM.matcher(item);
        if (!matcher.matches()) {
            throw invalid(item, "it is not name[(role)]:value");
        }
        Resource.Builder resource = Resource.newBuilder().setName(matcher.group(1)).setRole(role(item, matcher.group(2)));
        String value = matcher.group(3).trim();
        if (value.startsWith("[")) {
            resource.setType(Value.Type.RANGES).setRanges(ranges(item, value));
        } else if (value.startsWith("{")) {
            resource.setType(Value.Type.SET).setSet(items(item, value));
        } else {
            resource.setType(Value.Type.SCALAR).setScalar(Value.Scalar.newBuilder().setValue(scalar(item, value)));
        }
        return resource.build();
    }

    private static String role(String item, String role) {
        if (role == null) {
            return "*";
        }
        String trimmed = role.trim();
        if (trimmed.isEmpty() || trimmed.chars().anyMatch(Character::isWhitespace)) {
            throw invalid(item, "the role in parentheses must be a non-empty name without spaces");
        }
        return trimmed;
    }

    private static double scalar(String item, String value) {
        try {
            BigDecimal number = new BigDecimal(value);
            if (number.signum() >= 0 && number.doubleValue() <= Amount.Scalar.MAX_VALUE) {
                return number.doubleValue();
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw invalid(item, "the value must be a number from 0 to 1e12, ranges in [...] or a set in {...}");
    }

    private static Value.Ranges ranges(String item, String value) {
        if (!value.endsWith("]")) {
            throw invalid(item, "ranges must end with ']'");
        }
        Value.Ranges.Builder ranges = Value.Ranges.newBuilder();
        for (String part : elements(value)) {
            Matcher range = RANGE.matcher(part);
            if (!range.matches()) {
                throw invalid(item, "'" + part + "' is not a range begin-end");
            }
            try {
                long begin = Long.parseUnsignedLong(range.group(1));
                long end = Long.parseUnsignedLong(range.group(2));
                if (Long.compareUnsigned(begin, end) > 0) {
                    throw invalid(item, "range '" + part + "' has begin > end");
                }
                ranges.addRange(Value.Range.newBuilder().setBegin(begin).setEnd(end));
            } catch (NumberFormatException e) {
                throw invalid(item, "range '" + part + "' does not fit in an unsigned 64-bit integer");
            }
        }
        return ranges.build();
    }

    private static Value.Set items(String item, String value) {
        if (!value.endsWith("}")) {
            throw invalid(item, "a set must end with '}'");
        }
        Value.Set.Builder set = Value.Set.newBuilder();
        for (String element : elements(value)) {
            set.addItem(element);
        }
        return set.build();
    }

    /** The comma-separated parts between the brackets, trimmed; "[]" and "{}" have none. */
    private static List<String> elements(String bracketed) {
        String inner = bracketed.substring(1, bracketed.length() - 1).trim();
        List<String> parts = new ArrayList<>();
        if (!inner.isEmpty()) {
            for (String part : inner.split(",", -1)) {
                parts.add(part.trim());
            }
        }
        if (parts.contains("")) {
            throw new IllegalArgumentException("Invalid resource value '" + bracketed + "': an element is empty; "
                    + EXPECTED_FORM);
        }
        return parts;
    }

    /**
     * One resource in this form: {@code name[(role)]:value}. Attributes the flag form cannot say (allocation role,
     * revocable, reservations refinement) are shown in Mesos's style for readability, e.g. {@code (allocated: eng)}.
     */
    static String format(Resource kind, Amount amount) {
        StringBuilder text = new StringBuilder(kind.getName());
        boolean staticOnly = kind.getReservationsCount() == 1
                && kind.getReservations(0).getType() == Resource.ReservationInfo.Type.STATIC;
        if (staticOnly) {
            text.append('(').append(kind.getReservations(0).getRole()).append(')');
        } else if (kind.getReservationsCount() > 0) {
            text.append("(reservations: ").append(kind.getReservationsList().stream()
                    .map(r -> r.getType() + "," + r.getRole() + (r.hasPrincipal() ? "," + r.getPrincipal() : ""))
                    .toList()).append(')');
        } else if (!kind.getRole().equals("*")) {
            text.append('(').append(kind.getRole()).append(')');
        }
        if (Reservations.isPersistentVolume(kind)) {
            text.append("[").append(kind.getDisk().getPersistence().getId()).append(':')
                    .append(kind.getDisk().getVolume().getContainerPath()).append(']');
        }
        if (kind.hasAllocationInfo()) {
            text.append("(allocated: ").append(kind.getAllocationInfo().getRole()).append(')');
        }
        if (kind.hasRevocable()) {
            text.append("{REV}");
        }
        return text.append(':').append(amount).toString();
    }

    private static IllegalArgumentException invalid(String item, String problem) {
        return new IllegalArgumentException("Invalid resource '" + item + "': " + problem + "; " + EXPECTED_FORM);
    }
}
