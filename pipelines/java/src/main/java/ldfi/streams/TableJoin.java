package ldfi.streams;

import java.util.Locale;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.ValueJoiner;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A table-table join: INPUT_TOPIC and OTHER_INPUT_TOPIC each read into a
 * KTable (the stores "left-table-store" and "right-table-store", each with
 * its changelog), joined on the key. Every update of either table writes
 * the key's joined value again, so the output is a table too: a changelog
 * whose last record of each key joins the two tables' last values.
 * Intermediate updates depend on the order the app read the two topics
 * in, and on its record cache, which folds a key's updates between
 * commits.
 *
 * <pre>
 *   INPUT_TOPIC         the left table, key "k&lt;j&gt;" (required)
 *   OTHER_INPUT_TOPIC   the right table, same keys (required)
 *   OUTPUT_TOPIC        same key -> {"left":"&lt;left value&gt;","right":"&lt;right value&gt;"} (required);
 *                       a tombstone when an inner join's key loses a side
 *   JOIN                inner (default), left or outer; a missing side is null
 *   BOOTSTRAP_SERVERS, APPLICATION_ID (required), PROCESSING_GUARANTEE,
 *   REPLICATION_FACTOR, TOPIC_MIN_INSYNC_REPLICAS, COMMIT_INTERVAL_MS,
 *   NUM_STANDBY_REPLICAS, SESSION_TIMEOUT_MS, PRODUCER_ACKS, STATE_DIR:
 *                       see {@link StreamsSettings}
 * </pre>
 *
 * Both topics must have the same number of partitions (Streams checks
 * that at start).
 */
public final class TableJoin {
    private TableJoin() {}

    /** The left table's store; its changelog is named after it. */
    public static final String LEFT_STORE = "left-table-store";
    /** The right table's store. */
    public static final String RIGHT_STORE = "right-table-store";

    public static void main(String[] args) {
        StreamsMain.run("tablejoin", StreamsSettings.of(System.getenv()), TableJoin::topology);
    }

    /** The topology, from the settings (topics, join kind). */
    public static Topology topology(StreamsSettings settings) {
        String left = settings.required("INPUT_TOPIC");
        String right = settings.required("OTHER_INPUT_TOPIC");
        String output = settings.required("OUTPUT_TOPIC");
        String join = settings.optional("JOIN", "inner").toLowerCase(Locale.ROOT);

        StreamsBuilder builder = new StreamsBuilder();
        KTable<String, String> lefts = builder.table(left, store(LEFT_STORE));
        KTable<String, String> rights = builder.table(right, store(RIGHT_STORE));
        ValueJoiner<String, String, String> joiner = Values::pair;
        KTable<String, String> joined = switch (join) {
            case "inner" -> lefts.join(rights, joiner);
            case "left" -> lefts.leftJoin(rights, joiner);
            case "outer" -> lefts.outerJoin(rights, joiner);
            default -> throw new StreamsSettings.Misconfigured("JOIN is " + join + "; use inner (the default), left or outer");
        };
        joined.toStream().to(output);
        return builder.build();
    }

    /** A named store, so that its changelog has a name an operator can find. */
    private static Materialized<String, String, KeyValueStore<Bytes, byte[]>> store(String name) {
        return Materialized.<String, String, KeyValueStore<Bytes, byte[]>>as(name)
                .withKeySerde(Serdes.String())
                .withValueSerde(Serdes.String());
    }
}
