package io.corral.master.state;

import java.util.ArrayList;
import java.util.List;

/**
 * A framework's tasks cut into runs of about {@link #MEAN} tasks for readers to keep compressed ({@link KeptPart}).
 * A run ends after a task whose id hashes to one value in {@link #MEAN}, or at {@link #MAX} tasks, so the cuts follow
 * the tasks, not their positions: a task added or ended changes its own run only, not every run after it.
 *
 * <p>Stateless.
 */
public final class TaskRuns {
    static final int MEAN = 64;
    static final int MAX = 256;

    private TaskRuns() {
    }

    /** The runs of {@code tasks}, in order, each a list of its own. */
    public static List<List<TaskView>> of(List<TaskView> tasks) {
        List<List<TaskView>> runs = new ArrayList<>(tasks.size() / MEAN + 1);
        int start = 0;
        for (int i = 0; i < tasks.size(); i++) {
            boolean last = i == tasks.size() - 1;
            if (last || endsRun(tasks.get(i)) || i - start + 1 == MAX) {
                runs.add(List.copyOf(tasks.subList(start, i + 1)));
                start = i + 1;
            }
        }
        return runs;
    }

    private static boolean endsRun(TaskView task) {
        return Math.floorMod(task.id().getValue().hashCode(), MEAN) == MEAN - 1;
    }
}
