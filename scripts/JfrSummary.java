import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * The key figures of a JFR recording as text, for scripts/profile.sh (run as a single-file program:
 * {@code java scripts/JfrSummary.java FILE [THREAD-PREFIX...]}): CPU samples (threads running Java) per thread,
 * the hottest methods by samples where they are the top frame (self) and anywhere on the stack (total), where
 * threads sat in native code (running or blocked: JFR cannot tell), allocation by site (the JFR allocation
 * samples' weights), and the parks by thread and by the frame that parked. With thread prefixes, only
 * the threads whose names start with one of them count (JMH's and the JVM's own threads are left out).
 */
public final class JfrSummary
{
    private static final int TOP = 25;

    public static void main(final String[] args) throws IOException
    {
        if (args.length < 1)
        {
            System.err.println("usage: java JfrSummary.java FILE.jfr [THREAD-PREFIX...]");
            System.exit(2);
        }
        final List<String> prefixes = List.of(args).subList(1, args.length);
        final Map<String, Long> threadSamples = new HashMap<>();
        final Map<String, Long> self = new HashMap<>();
        final Map<String, Long> total = new HashMap<>();
        final Map<String, Long> allocated = new HashMap<>();
        final Map<String, Long> nativeSamples = new HashMap<>();
        final Map<String, Long> parksByThread = new HashMap<>();
        final Map<String, Long> parksBySite = new HashMap<>();
        long samples = 0;
        long allocatedTotal = 0;
        try (RecordingFile file = new RecordingFile(Path.of(args[0])))
        {
            while (file.hasMoreEvents())
            {
                final RecordedEvent event = file.readEvent();
                final String type = event.getEventType().getName();
                final String thread = threadName(event);
                if (!prefixes.isEmpty() && prefixes.stream().noneMatch(thread::startsWith))
                {
                    continue;
                }
                switch (type)
                {
                    case "jdk.NativeMethodSample":
                    {
                        final RecordedStackTrace stack = event.getStackTrace();
                        if (stack != null && !stack.getFrames().isEmpty())
                        {
                            nativeSamples.merge(thread + " in " + method(stack.getFrames().get(0)), 1L, Long::sum);
                        }
                        break;
                    }
                    case "jdk.ExecutionSample":
                    {
                        final RecordedStackTrace stack = event.getStackTrace();
                        if (stack == null || stack.getFrames().isEmpty())
                        {
                            break;
                        }
                        samples++;
                        threadSamples.merge(thread, 1L, Long::sum);
                        final List<RecordedFrame> frames = stack.getFrames();
                        self.merge(method(frames.get(0)), 1L, Long::sum);
                        final Set<String> seen = new HashSet<>();
                        for (final RecordedFrame frame : frames)
                        {
                            final String m = method(frame);
                            if (seen.add(m))
                            {
                                total.merge(m, 1L, Long::sum);
                            }
                        }
                        break;
                    }
                    case "jdk.ObjectAllocationSample":
                    {
                        final long weight = event.getLong("weight");
                        allocatedTotal += weight;
                        allocated.merge(event.getClass("objectClass").getName() + " at " + site(event), weight,
                            Long::sum);
                        break;
                    }
                    case "jdk.ThreadPark":
                        parksByThread.merge(thread, 1L, Long::sum);
                        parksBySite.merge(site(event), 1L, Long::sum);
                        break;
                    default:
                        break;
                }
            }
        }
        System.out.printf(Locale.ROOT, "%s: %d CPU samples of threads running Java%s%n", args[0], samples,
            prefixes.isEmpty() ? "" : ", threads " + prefixes);
        print("samples by thread", threadSamples, samples, "");
        print("hot methods, self (top frame)", self, samples, "");
        print("hot methods, total (anywhere on the stack)", total, samples, "");
        print("threads in native code, running or blocked (jdk.NativeMethodSample)", nativeSamples, -1, "");
        print("allocation by site (JFR's sampled weight, bytes)", allocated, allocatedTotal, " B");
        print("parks over JFR's threshold, by thread (jdk.ThreadPark)", parksByThread, -1, "");
        print("parks over JFR's threshold, by site", parksBySite, -1, "");
    }

    private static void print(final String title, final Map<String, Long> counts, final long whole,
        final String unit)
    {
        System.out.printf(Locale.ROOT, "%n%s:%n", title);
        if (counts.isEmpty())
        {
            System.out.println("  (none)");
            return;
        }
        final List<Map.Entry<String, Long>> rows = new ArrayList<>(counts.entrySet());
        rows.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
        for (final Map.Entry<String, Long> row : rows.subList(0, Math.min(TOP, rows.size())))
        {
            if (whole > 0)
            {
                System.out.printf(Locale.ROOT, "  %6.2f%% %12d%s  %s%n", 100.0 * row.getValue() / whole,
                    row.getValue(), unit, row.getKey());
            }
            else
            {
                System.out.printf(Locale.ROOT, "  %12d%s  %s%n", row.getValue(), unit, row.getKey());
            }
        }
    }

    private static String threadName(final RecordedEvent event)
    {
        RecordedThread thread = null;
        if (event.hasField("sampledThread"))
        {
            thread = event.getThread("sampledThread");
        }
        if (thread == null && event.hasField("eventThread"))
        {
            thread = event.getThread("eventThread");
        }
        if (thread == null)
        {
            return "?";
        }
        final String name = thread.getJavaName() != null ? thread.getJavaName() : thread.getOSName();
        return name == null ? "?" : name;
    }

    /** The first frame of the event's stack outside java.* and jdk.* (where the application called them). */
    private static String site(final RecordedEvent event)
    {
        final RecordedStackTrace stack = event.getStackTrace();
        if (stack == null || stack.getFrames().isEmpty())
        {
            return "?";
        }
        for (final RecordedFrame frame : stack.getFrames())
        {
            final String m = method(frame);
            if (!m.startsWith("java.") && !m.startsWith("jdk.") && !m.startsWith("sun."))
            {
                return m + ":" + frame.getLineNumber();
            }
        }
        final RecordedFrame top = stack.getFrames().get(0);
        return method(top) + ":" + top.getLineNumber();
    }

    private static String method(final RecordedFrame frame)
    {
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }
}
