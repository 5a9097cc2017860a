package io.corral.protocol.resources;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.mesos.v1.Protos.Attribute;
import org.apache.mesos.v1.Protos.Resource;
import org.apache.mesos.v1.Protos.Value;

/**
 * An agent's attributes (Mesos's {@code --attributes}): {@code rack:r1;zone:us-east-1a;cores:8;slots:[1-4];disks:{a,b}}.
 * As Mesos reads a value: {@code [...]} is ranges, {@code {...}} a set, a number a scalar, anything else text (letters,
 * digits and {@code - _ . /} only). Frameworks see them in offers ({@code Offer.attributes}) and operators in
 * {@code /master/state} and the agent's {@code /state}, as an object rendered the way Mesos renders it
 * ({@link #toJson}).
 *
 * <p>Stateless.
 */
public final class AgentAttributes {
    /** How many an agent may have, and how long one may be: an agent is a client of the master like any other. */
    public static final int MAX_COUNT = 128;
    public static final int MAX_LENGTH = 1024;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.\\-/]+");
    private static final Pattern TEXT = Pattern.compile("[A-Za-z0-9_.\\-/]+");
    private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?");
    private static final String FORM = "expected name:value pairs separated by ';', e.g."
            + " rack:r1;zone:us-east-1a;cores:8;slots:[1-4];disks:{a,b}";

    private AgentAttributes() {
    }

    /**
     * Why attributes an agent sent are not acceptable (too many, too long, unnamed, a name twice), or null. Whatever
     * the agent was started with passed {@link #parse}; this guards the master against a client that lies.
     */
    public static String invalidReason(List<Attribute> attributes) {
        if (attributes.size() > MAX_COUNT) {
            return "more than " + MAX_COUNT + " attributes";
        }
        Set<String> names = new HashSet<>();
        for (Attribute attribute : attributes) {
            if (!NAME.matcher(attribute.getName()).matches() || attribute.getName().length() > MAX_LENGTH) {
                return "attribute name '" + abbreviated(attribute.getName()) + "' is not letters, digits and - _ . /";
            }
            if (!names.add(attribute.getName())) {
                return "attribute '" + attribute.getName() + "' is given twice";
            }
            if (attribute.toByteArray().length > 4 * MAX_LENGTH) {
                return "attribute '" + attribute.getName() + "' is too long";
            }
        }
        return null;
    }

    private static String abbreviated(String text) {
        return text.length() > 64 ? text.substring(0, 64) + "..." : text;
    }

    /** The attributes {@code text} names, in order; IllegalArgumentException saying what is wrong. */
    public static List<Attribute> parse(String text) {
        List<Attribute> attributes = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (String token : text.split("[;\n]")) {
            if (token.isBlank()) {
                continue;
            }
            int colon = token.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("Invalid attribute '" + token.strip() + "': no ':'; " + FORM);
            }
            String name = token.substring(0, colon).strip();
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("Invalid attribute name '" + name + "': use letters, digits and"
                        + " - _ . /; " + FORM);
            }
            if (!names.add(name)) {
                throw new IllegalArgumentException("Attribute '" + name + "' is given twice");
            }
            attributes.add(attribute(name, token.substring(colon + 1).strip()));
        }
        if (attributes.size() > MAX_COUNT) {
            throw new IllegalArgumentException("Too many attributes: " + attributes.size() + " (at most " + MAX_COUNT
                    + ")");
        }
        return List.copyOf(attributes);
    }

    private static Attribute attribute(String name, String value) {
        if (value.isEmpty() || value.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("Invalid attribute '" + name + "': its value must have 1 to "
                    + MAX_LENGTH + " characters");
        }
        Attribute.Builder attribute = Attribute.newBuilder().setName(name);
        if (value.startsWith("[") || value.startsWith("{")) {
            Resource parsed = asResource(name, value);
            return parsed.getType() == Value.Type.RANGES
                    ? attribute.setType(Value.Type.RANGES).setRanges(parsed.getRanges()).build()
                    : attribute.setType(Value.Type.SET).setSet(parsed.getSet()).build();
        }
        if (NUMBER.matcher(value).matches()) {
            return attribute.setType(Value.Type.SCALAR)
                    .setScalar(Value.Scalar.newBuilder().setValue(Double.parseDouble(value))).build();
        }
        if (!TEXT.matcher(value).matches()) {
            throw new IllegalArgumentException("Invalid attribute '" + name + ":" + value + "': text may hold letters,"
                    + " digits and - _ . / only");
        }
        return attribute.setType(Value.Type.TEXT).setText(Value.Text.newBuilder().setValue(value)).build();
    }

    /** Ranges and sets are written as in resources: read them the same way. */
    private static Resource asResource(String name, String value) {
        try {
            return ResourceText.parse("attribute:" + value).get(0);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Invalid attribute '" + name + ":" + value + "': "
                    + e.getMessage().replaceFirst("^Invalid resource (value )?'[^']*': ", "")
                    .replaceFirst("; expected name.*$", ""));
        }
    }

    /**
     * The attributes as Mesos's state JSON shows them: an object, a scalar as a number, ranges as
     * {@code "[1-4, 8-9]"}, a set as {@code "{a,b}"}, text as itself.
     */
    public static ObjectNode toJson(List<Attribute> attributes) {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        for (Attribute attribute : attributes) {
            switch (attribute.getType()) {
                case SCALAR -> json.put(attribute.getName(), attribute.getScalar().getValue());
                case RANGES -> json.put(attribute.getName(), attribute.getRanges().getRangeList().stream()
                        .map(r -> r.getBegin() + "-" + r.getEnd()).collect(Collectors.joining(", ", "[", "]")));
                case SET -> json.put(attribute.getName(),
                        "{" + String.join(",", attribute.getSet().getItemList()) + "}");
                default -> json.put(attribute.getName(), attribute.getText().getValue());
            }
        }
        return json;
    }
}
