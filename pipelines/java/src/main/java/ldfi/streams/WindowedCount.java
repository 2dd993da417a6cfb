package ldfi.streams;

import java.time.Duration;
import java.util.Locale;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.SlidingWindows;
import org.apache.kafka.streams.kstream.TimeWindowedKStream;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.kstream.WindowedSerdes;
import org.apache.kafka.streams.state.WindowStore;

/**
 * A windowed count with final results only: the records per key (a word)
 * in tumbling (or hopping) event-time windows, each window's count written once, when
 * stream time has passed the window's end plus its grace. Until then the
 * counts live in the window store "window-counts-store" and in the
 * suppression buffer "window-counts-suppress-store", both backed by
 * changelogs ({@code <APPLICATION_ID>-<store>-changelog}); what a crash or a lost
 * changelog write does to a final count is what this app is for.
 *
 * <pre>
 *   INPUT_TOPIC         key: the word; value: anything (required).
 *                       Event time: each record's timestamp.
 *   OUTPUT_TOPIC        key "word@windowStartMs" (String) -> the window's
 *                       count (Serdes.Long(): 8 bytes, big-endian) (required)
 *   OUTPUT_KEY          text (default): the key above; windowed: the
 *                       Windowed key as Kafka Streams' docs write it,
 *                       WindowedSerdes.timeWindowedSerdeFrom(String.class,
 *                       size): the word's bytes, then the window start as
 *                       8 bytes, big-endian
 *   WINDOW_SIZE_MS      default 4000 (tumbling: windows start at multiples of it)
 *   WINDOW_ADVANCE_MS   default WINDOW_SIZE_MS (tumbling); shorter: hopping
 *                       windows (TimeWindows.advanceBy), one starting at each
 *                       multiple of it, so a record counts in several
 *   WINDOW_SLIDING_MS   unset: time windows as above; set: sliding windows
 *                       (SlidingWindows.ofTimeDifferenceAndGrace) of this
 *                       time difference instead, each record opening its own
 *                       (key "word@windowStartMs" as above)
 *   WINDOW_GRACE_MS     default 1000: records up to this late still count;
 *                       later ones are dropped
 *   BOOTSTRAP_SERVERS, APPLICATION_ID (required), PROCESSING_GUARANTEE,
 *   REPLICATION_FACTOR, TOPIC_MIN_INSYNC_REPLICAS, COMMIT_INTERVAL_MS,
 *   NUM_STANDBY_REPLICAS, SESSION_TIMEOUT_MS, PRODUCER_ACKS, STATE_DIR:
 *                       see {@link StreamsSettings}
 * </pre>
 *
 * Stream time is per partition and only moves with new records, so a
 * window's result comes out once a later record arrives on its partition.
 */
public final class WindowedCount {
    private WindowedCount() {}

    /** The window store; its changelog is named after it. */
    public static final String STORE = "window-counts-store";

    /** The suppression's name; its buffer is the store {@code <SUPPRESS>-store}. */
    public static final String SUPPRESS = "window-counts-suppress";

    public static void main(String[] args) {
        StreamsMain.run("windowedcount", StreamsSettings.of(System.getenv()), WindowedCount::topology);
    }

    /** The topology, from the settings (topics, window size, advance and grace). */
    public static Topology topology(StreamsSettings settings) {
        String input = settings.required("INPUT_TOPIC");
        String output = settings.required("OUTPUT_TOPIC");
        long size = settings.millis("WINDOW_SIZE_MS", 4000);
        long grace = settings.millis("WINDOW_GRACE_MS", 1000);
        if (size == 0) {
            throw new StreamsSettings.Misconfigured("WINDOW_SIZE_MS is 0; a window is at least 1 ms long");
        }
        long advance = settings.millis("WINDOW_ADVANCE_MS", size);
        if (advance == 0 || advance > size) {
            throw new StreamsSettings.Misconfigured("WINDOW_ADVANCE_MS is " + advance
                    + "; use 1 to WINDOW_SIZE_MS (" + size + "), or leave it unset for tumbling windows");
        }
        // Sliding windows instead of time windows: each record opens its own
        // (SlidingWindows.ofTimeDifferenceAndGrace), the size unused.
        long sliding = settings.millis("WINDOW_SLIDING_MS", 0);
        String keys = settings.optional("OUTPUT_KEY", "text").toLowerCase(Locale.ROOT);
        if (!keys.equals("text") && !keys.equals("windowed")) {
            throw new StreamsSettings.Misconfigured("OUTPUT_KEY is " + keys + "; use text (the default) or windowed");
        }

        StreamsBuilder builder = new StreamsBuilder();
        KGroupedStream<String, String> grouped = builder.<String, String>stream(input).groupByKey();
        TimeWindowedKStream<String, String> windowed = sliding > 0
                ? grouped.windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(Duration.ofMillis(sliding), Duration.ofMillis(grace)))
                : grouped.windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(size), Duration.ofMillis(grace))
                        .advanceBy(Duration.ofMillis(advance)));
        KStream<Windowed<String>, Long> results = windowed
                // The serdes spelled out: the suppression buffer takes its key
                // serde from here, and the default (String) cannot write a
                // Windowed key.
                .count(Materialized.<String, Long, WindowStore<Bytes, byte[]>>as(STORE)
                        .withKeySerde(Serdes.String())
                        .withValueSerde(Serdes.Long()))
                // One result per window, when it closes, instead of one per input.
                // Named, so that the buffer's changelog is
                // <APPLICATION_ID>-window-counts-suppress-store-changelog, not a
                // name derived from the node numbering.
                .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded())
                        .withName(SUPPRESS))
                .toStream();
        if (keys.equals("windowed")) {
            long length = sliding > 0 ? sliding : size;
            results.to(output, Produced.with(WindowedSerdes.timeWindowedSerdeFrom(String.class, length), Serdes.Long()));
        } else {
            results.map((window, count) -> KeyValue.pair(window.key() + "@" + window.window().start(), count))
                    .to(output, Produced.with(Serdes.String(), Serdes.Long()));
        }
        return builder.build();
    }
}
