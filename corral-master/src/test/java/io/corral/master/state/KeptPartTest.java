package io.corral.master.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.protocol.http.CompressedPart;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** A run's compressed part is kept while its elements, or failing that their renderings, are the same objects. */
class KeptPartTest {
    private final KeptPart kept = new KeptPart();
    private final AtomicInteger renderings = new AtomicInteger();

    /** An element of a run, rendered into the array it keeps. */
    private record Element(byte[] json) {
        static Element of(String json) {
            return new Element(json.getBytes(StandardCharsets.UTF_8));
        }
    }

    private Supplier<List<byte[]>> pieces(List<Element> run) {
        return () -> {
            renderings.incrementAndGet();
            return run.stream().map(Element::json).toList();
        };
    }

    private static String text(CompressedPart part) {
        return new String(part.plain(), StandardCharsets.UTF_8);
    }

    @Test
    void theSameElementsGetTheKeptPartWithoutBeingRenderedAgain() {
        List<Element> run = List.of(Element.of("{\"id\":1}"), Element.of("{\"id\":2}"));
        CompressedPart first = kept.get(run, pieces(run));

        CompressedPart again = kept.get(new ArrayList<>(run), pieces(run)); // another list, the same elements

        assertThat(again).isSameAs(first);
        assertThat(renderings).hasValue(1);
        assertThat(text(again)).isEqualTo("{\"id\":1}{\"id\":2}");
    }

    @Test
    void newElementsWithTheSameRenderingsKeepThePartAndAreRememberedForNextTime() {
        Element one = Element.of("{\"id\":1}");
        CompressedPart first = kept.get(List.of(one), pieces(List.of(one)));
        List<Element> madeAgain = List.of(new Element(one.json())); // an agent's view made again, equal to the last

        assertThat(kept.get(madeAgain, pieces(madeAgain))).isSameAs(first);
        assertThat(kept.get(madeAgain, pieces(madeAgain))).isSameAs(first);
        assertThat(renderings).hasValue(2); // the second time, known by its elements
    }

    @Test
    void aChangedElementMakesANewPartWithItsNewJson() {
        Element one = Element.of("{\"id\":1}");
        kept.get(List.of(one, Element.of("{\"id\":2,\"state\":\"TASK_STAGING\"}")), pieces(List.of(one)));
        List<Element> changed = List.of(one, Element.of("{\"id\":2,\"state\":\"TASK_RUNNING\"}"));

        CompressedPart part = kept.get(changed, pieces(changed));

        assertThat(text(part)).isEqualTo("{\"id\":1}{\"id\":2,\"state\":\"TASK_RUNNING\"}");
    }

    @Test
    void twoReadersCuttingTheSameTasksDifferentlyKeepTheirPartsAndAThirdCutReplacesTheOlder() {
        Element one = Element.of("{\"id\":1}");
        Element two = Element.of("{\"id\":2}");
        Element three = Element.of("{\"id\":3}");
        List<Element> all = List.of(one, two, three);
        List<Element> seenBySome = List.of(one, three); // a reader whose ACLs hide task 2
        CompressedPart whole = kept.get(all, pieces(all));
        CompressedPart cut = kept.get(seenBySome, pieces(seenBySome));

        for (int reading = 0; reading < 3; reading++) {
            assertThat(kept.get(all, pieces(all))).isSameAs(whole);
            assertThat(kept.get(seenBySome, pieces(seenBySome))).isSameAs(cut);
        }
        assertThat(renderings).hasValue(2);
        assertThat(text(cut)).isEqualTo("{\"id\":1}{\"id\":3}");

        List<Element> third = List.of(one);
        kept.get(third, pieces(third));
        kept.get(seenBySome, pieces(seenBySome));
        assertThat(renderings).hasValue(3);
        assertThat(kept.get(all, pieces(all))).as("the oldest was let go").isNotSameAs(whole)
                .satisfies(part -> assertThat(text(part)).isEqualTo("{\"id\":1}{\"id\":2}{\"id\":3}"));
    }
}
