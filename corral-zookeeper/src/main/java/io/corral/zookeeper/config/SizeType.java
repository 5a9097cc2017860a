package io.corral.zookeeper.config;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A size in whole megabytes between {@code minMb} and {@code maxMb} inclusive, typed as {@code 512MB}, {@code 2GB}
 * or {@code 1TB} (also {@code 512M}, {@code 2G}, {@code 1.5GB}; 1 GB = 1024 MB, as Mesos counts). Its canonical text
 * is in the largest unit that divides it exactly: {@code 2048MB} is stored as {@code 2GB}.
 */
public record SizeType(long minMb, long maxMb) implements ValueType {

    private static final Pattern FORM = Pattern.compile("\\s*(\\d+(?:\\.\\d+)?)\\s*([a-z]+)\\s*");
    private static final String VALID_FORMS = "a number and a unit, e.g. 512MB, 2GB, 1TB";

    public SizeType {
        if (minMb < 0 || minMb > maxMb) {
            throw new IllegalArgumentException("size range " + minMb + "MB.." + maxMb + "MB is empty or negative");
        }
    }

    @Override
    public String typeName() {
        return "size";
    }

    @Override
    public Long parse(String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.toLowerCase(Locale.ROOT));
        long multiplier = m.matches() ? unitInMb(m.group(2)) : -1;
        if (multiplier < 0) {
            throw new IllegalArgumentException("'" + text + "' is not a size: expected " + VALID_FORMS
                    + " (range " + range() + ")");
        }
        BigDecimal mb = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(multiplier));
        if (mb.stripTrailingZeros().scale() > 0) {
            throw new IllegalArgumentException("'" + text + "' is not a whole number of megabytes (range "
                    + range() + ")");
        }
        if (mb.compareTo(BigDecimal.valueOf(minMb)) < 0 || mb.compareTo(BigDecimal.valueOf(maxMb)) > 0) {
            throw new IllegalArgumentException(text.strip() + " is outside the range " + range());
        }
        return mb.longValueExact();
    }

    @Override
    public String format(Object value) {
        return canonical((Long) value);
    }

    @Override
    public String range() {
        return canonical(minMb) + ".." + canonical(maxMb);
    }

    /** "2GB" for 2048, "1TB" for 1048576, "500MB" for 500. */
    public static String canonical(long megabytes) {
        if (megabytes != 0 && megabytes % (1024L * 1024) == 0) {
            return megabytes / (1024L * 1024) + "TB";
        }
        if (megabytes != 0 && megabytes % 1024 == 0) {
            return megabytes / 1024 + "GB";
        }
        return megabytes + "MB";
    }

    /** Megabytes per unit, or -1 for an unknown unit. */
    private static long unitInMb(String unit) {
        return switch (unit) {
            case "m", "mb" -> 1;
            case "g", "gb" -> 1024;
            case "t", "tb" -> 1024L * 1024;
            default -> -1;
        };
    }
}
