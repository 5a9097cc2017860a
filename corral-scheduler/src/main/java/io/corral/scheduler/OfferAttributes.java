package io.corral.scheduler;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.mesos.v1.Protos.Attribute;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.Value;

/**
 * An offer's agent attributes as text, for placement rules (an offer helper of the SDK): {@code rack:r1} is
 * {@code r1}; a scalar is its number without a needless {@code .0} ({@code 2}, {@code 1.5}); a set its items joined
 * with commas ({@code a,b}); ranges as Mesos prints them ({@code [1-5, 8-9]}). A name given twice keeps its first
 * value, as Mesos's lookup does.
 *
 * <p>Immutable.
 */
public final class OfferAttributes {
    private final Map<String, String> values;

    private OfferAttributes(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(values);
    }

    public static OfferAttributes of(Offer offer) {
        Map<String, String> values = new LinkedHashMap<>();
        for (Attribute attribute : offer.getAttributesList()) {
            values.putIfAbsent(attribute.getName(), text(attribute));
        }
        return new OfferAttributes(values);
    }

    /** The attribute's value as text, if the agent has it. */
    public Optional<String> text(String name) {
        return Optional.ofNullable(values.get(name));
    }

    /** Every attribute, name to text, in the agent's order. */
    public Map<String, String> asMap() {
        return values;
    }

    static String text(Attribute attribute) {
        return switch (attribute.getType()) {
            case TEXT -> attribute.getText().getValue();
            case SCALAR -> number(attribute.getScalar().getValue());
            case SET -> String.join(",", attribute.getSet().getItemList());
            case RANGES -> attribute.getRanges().getRangeList().stream().map(OfferAttributes::range)
                    .collect(Collectors.joining(", ", "[", "]"));
        };
    }

    private static String number(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value)
                : Double.toString(value);
    }

    private static String range(Value.Range range) {
        return range.getBegin() + "-" + range.getEnd();
    }
}
