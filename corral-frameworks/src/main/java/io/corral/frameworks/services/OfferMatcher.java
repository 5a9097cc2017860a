package io.corral.frameworks.services;

import io.corral.scheduler.OfferAttributes;
import io.corral.scheduler.OfferResources;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.mesos.v1.Protos.Offer;
import org.apache.mesos.v1.Protos.TaskInfo;

/**
 * Packs the instances apps want into offers: each offer takes as many as fit (resources and ports) and as its
 * apps' constraints allow, given where their instances already are and those placed earlier in the same pass. Pure
 * apart from the task ids it is given.
 */
final class OfferMatcher {
    private OfferMatcher() {
    }

    /** An app that wants {@code count} more instances; {@code placed}: where its instances are now. */
    record Want(AppDefinition app, int count, List<Constraints.Place> placed) {}

    /** One instance to launch on an offer. */
    record Launch(Offer offer, TaskInfo task, StoredTask record) {}

    /** The launches per offer (offers of one agent each), and the offers nothing went into. */
    record Result(Map<Offer, List<Launch>> launches, List<Offer> unused) {}

    static Result match(List<Offer> offers, List<Want> wants, Function<String, String> newTaskId, String now) {
        int[] left = wants.stream().mapToInt(Want::count).toArray();
        List<List<Constraints.Place>> placed = new ArrayList<>();
        wants.forEach(w -> placed.add(new ArrayList<>(w.placed())));
        Map<Offer, List<Launch>> launches = new LinkedHashMap<>();
        List<Offer> unused = new ArrayList<>();
        for (Offer offer : offers) {
            OfferResources resources = new OfferResources(offer);
            Constraints.Place here = placeOf(offer);
            List<Launch> onThisOffer = new ArrayList<>();
            for (int w = 0; w < wants.size(); w++) {
                AppDefinition app = wants.get(w).app();
                List<OfferResources.Need> needs = needs(app);
                while (left[w] > 0 && Constraints.allow(app.constraints(), here, placed.get(w))) {
                    Optional<List<OfferResources.Taken>> taken = resources.takeAll(needs);
                    if (taken.isEmpty()) {
                        break;
                    }
                    OfferResources.Taken forTask = taken.get().get(0);
                    String taskId = newTaskId.apply(app.id());
                    TaskInfo task = TaskFactory.build(app, taskId, offer.getAgentId().getValue(), offer.getHostname(),
                            forTask.resources(), taken.get().size() > 1 ? taken.get().get(1).resources() : List.of(),
                            forTask.ports());
                    StoredTask record = new StoredTask(taskId, app.id(), app.version(),
                            offer.getAgentId().getValue(), offer.getHostname(), here.attributes(),
                            forTask.ports(), now, null);
                    onThisOffer.add(new Launch(offer, task, record));
                    placed.get(w).add(here);
                    left[w]--;
                }
            }
            if (onThisOffer.isEmpty()) {
                unused.add(offer);
            } else {
                launches.put(offer, onThisOffer);
            }
        }
        return new Result(launches, unused);
    }

    /** What one instance takes from an offer: its task's resources, then its executor's when it has one. */
    private static List<OfferResources.Need> needs(AppDefinition app) {
        OfferResources.Need task = new OfferResources.Need(app.cpus(), app.mem(), app.disk(), app.gpus(), app.ports());
        return app.hasExecutor() ? List.of(task, new OfferResources.Need(app.executor().cpus(), app.executor().mem(),
                0, 0, 0)) : List.of(task);
    }

    /** The agent's hostname and attributes as text ({@link OfferAttributes}). */
    static Constraints.Place placeOf(Offer offer) {
        return new Constraints.Place(offer.getHostname(), OfferAttributes.of(offer).asMap());
    }
}
