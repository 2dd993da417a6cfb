package ldfi.streams;

import java.time.Duration;
import java.util.Locale;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.StreamJoined;
import org.apache.kafka.streams.kstream.ValueJoiner;

/**
 * A windowed stream-stream join: a left record and a right record with the
 * same key whose timestamps are at most JOIN_WINDOW_MS apart (either
 * first) give one output. JOIN "left" (KStream#leftJoin) also writes
 * each left record that met no right one, with a null right side, and
 * "outer" (KStream#outerJoin) each lonely record of either side; Streams
 * writes those only once stream time has passed the record's window and
 * grace, so that a partner arriving in time is not preceded by a
 * spurious lonely result. Both sides wait for their partners in
 * window stores ("stream-join-store-this-join-store" and
 * "stream-join-store-other-join-store", each with a changelog), so a
 * record's output can depend on the other side's record arriving, on the
 * stores surviving a crash, and on stream time: a record later than the
 * grace behind its partition's stream time is dropped.
 *
 * <pre>
 *   INPUT_TOPIC         the left side (required)
 *   OTHER_INPUT_TOPIC   the right side, same keys (required)
 *   OUTPUT_TOPIC        same key -> {"left":"&lt;left value&gt;","right":"&lt;right value&gt;"} (required)
 *   JOIN_WINDOW_MS      the largest time difference that joins (default 2000)
 *   JOIN_GRACE_MS       how late a record may be and still join (default 1000)
 *   JOIN                inner (default), left or outer; a missing side is null
 *   BOOTSTRAP_SERVERS, APPLICATION_ID (required), PROCESSING_GUARANTEE,
 *   REPLICATION_FACTOR, TOPIC_MIN_INSYNC_REPLICAS, COMMIT_INTERVAL_MS,
 *   NUM_STANDBY_REPLICAS, SESSION_TIMEOUT_MS, PRODUCER_ACKS, STATE_DIR:
 *                       see {@link StreamsSettings}
 * </pre>
 *
 * Both topics must have the same number of partitions (Streams checks
 * that at start); event time is each record's timestamp.
 */
public final class StreamJoin {
    private StreamJoin() {}

    /** The prefix of the two window stores (and their changelogs). */
    public static final String STORE = "stream-join-store";

    public static void main(String[] args) {
        StreamsMain.run("streamjoin", StreamsSettings.of(System.getenv()), StreamJoin::topology);
    }

    /** The topology, from the settings (topics, window and grace). */
    public static Topology topology(StreamsSettings settings) {
        String left = settings.required("INPUT_TOPIC");
        String right = settings.required("OTHER_INPUT_TOPIC");
        String output = settings.required("OUTPUT_TOPIC");
        long window = settings.millis("JOIN_WINDOW_MS", 2000);
        long grace = settings.millis("JOIN_GRACE_MS", 1000);
        String type = settings.optional("JOIN", "inner").toLowerCase(Locale.ROOT);

        StreamsBuilder builder = new StreamsBuilder();
        KStream<String, String> lefts = builder.stream(left);
        KStream<String, String> rights = builder.stream(right);
        ValueJoiner<String, String, String> joiner = Values::pair;
        JoinWindows windows = JoinWindows.ofTimeDifferenceAndGrace(Duration.ofMillis(window), Duration.ofMillis(grace));
        // Named stores: changelogs an operator can find, not names derived
        // from the node numbering.
        StreamJoined<String, String, String> stores =
                StreamJoined.with(Serdes.String(), Serdes.String(), Serdes.String()).withStoreName(STORE);
        KStream<String, String> joined = switch (type) {
            case "inner" -> lefts.join(rights, joiner, windows, stores);
            case "left" -> lefts.leftJoin(rights, joiner, windows, stores);
            case "outer" -> lefts.outerJoin(rights, joiner, windows, stores);
            default -> throw new StreamsSettings.Misconfigured("JOIN is " + type + "; use inner (the default), left or outer");
        };
        joined.to(output);
        return builder.build();
    }
}
