package io.corral.protocol;

import java.util.List;

/**
 * Lists compared by their elements' identity, for caches that know their inputs as the very objects they were made
 * from (a kept sum, a kept compressed part): a pointer comparison per element, where equality would compare contents.
 *
 * <p>Stateless.
 */
public final class IdentityLists {
    private IdentityLists() {
    }

    /** Whether {@code a} and {@code b} hold the same objects, in the same order (the same list, trivially). */
    public static boolean sameElements(List<?> a, List<?> b) {
        if (a == b) {
            return true;
        }
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i) != b.get(i)) {
                return false;
            }
        }
        return true;
    }
}
