package ldfi.streams;

import java.time.Duration;
import java.util.Locale;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.GlobalKTable;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.KeyValueMapper;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.ValueJoiner;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * A stream-table join: each input record is enriched with the table's
 * current value for its key, TABLE_TOPIC read into a KTable (the store
 * "table-store", with its changelog
 * {@code <APPLICATION_ID>-table-store-changelog}). An input joins the
 * value the table holds when the input is processed, not the one it held
 * when the input was produced: a table update delayed by a fault changes
 * the output, and a table read ahead of the stream (after a restart, the
 * table's topic fetched further than the stream's) joins an input with a
 * row written after it. TABLE_HISTORY_MS makes the table a versioned
 * store (KIP-889, KIP-914): an input then joins the row that was current
 * at its own timestamp, however far the table has been read, within that
 * much history. TABLE_GLOBAL makes it a GlobalKTable: every instance
 * reads the whole table topic, with a thread of its own that is not
 * synchronized with the stream by time (no changelog: the topic is the
 * store's log), and an input joins whatever that thread has read.
 *
 * <pre>
 *   INPUT_TOPIC         key "k&lt;j&gt;", value a decimal integer as text (required)
 *   TABLE_TOPIC         key "k&lt;j&gt;", value a name (required); a null value
 *                       (tombstone) removes the key from the table
 *   OUTPUT_TOPIC        same key -> {"value":"57","table":"alice"} (required)
 *   JOIN                inner (default): an input whose key the table lacks
 *                       is dropped; left: it is written with "table":null
 *   TABLE_HISTORY_MS    optional: keep this much of each key's history
 *                       (a versioned store) and join each input with the
 *                       row current at its timestamp; unset or 0: a plain
 *                       store, the latest row
 *   TABLE_GLOBAL        optional: true reads the table as a GlobalKTable
 *                       (StreamsBuilder#globalTable), joined on the
 *                       input's key; not with TABLE_HISTORY_MS
 *   BOOTSTRAP_SERVERS, APPLICATION_ID (required), PROCESSING_GUARANTEE,
 *   REPLICATION_FACTOR, TOPIC_MIN_INSYNC_REPLICAS, COMMIT_INTERVAL_MS,
 *   NUM_STANDBY_REPLICAS, SESSION_TIMEOUT_MS, PRODUCER_ACKS, STATE_DIR:
 *                       see {@link StreamsSettings}
 * </pre>
 *
 * The input's value is passed through as text, not parsed.
 */
public final class Enrich {
    private Enrich() {}

    /** The table's store; its changelog is named after it. */
    public static final String STORE = "table-store";

    public static void main(String[] args) {
        StreamsMain.run("enrich", StreamsSettings.of(System.getenv()), Enrich::topology);
    }

    /** The topology, from the settings (topics, join kind). */
    public static Topology topology(StreamsSettings settings) {
        String input = settings.required("INPUT_TOPIC");
        String tableTopic = settings.required("TABLE_TOPIC");
        String output = settings.required("OUTPUT_TOPIC");
        String join = settings.optional("JOIN", "inner").toLowerCase(Locale.ROOT);
        if (!join.equals("inner") && !join.equals("left")) {
            throw new StreamsSettings.Misconfigured("JOIN is " + join + "; use inner (the default) or left");
        }

        long history = settings.millis("TABLE_HISTORY_MS", 0);
        boolean global = Boolean.parseBoolean(settings.optional("TABLE_GLOBAL", "false"));
        if (global && history > 0) {
            throw new StreamsSettings.Misconfigured("TABLE_GLOBAL and TABLE_HISTORY_MS are both set; a global table here is a plain store: drop one");
        }

        StreamsBuilder builder = new StreamsBuilder();
        // Named, so that its changelog has a name an operator (and a
        // harness) can find, not one derived from the node numbering.
        Materialized<String, String, KeyValueStore<Bytes, byte[]>> store = history > 0
                ? Materialized.<String, String>as(Stores.persistentVersionedKeyValueStore(STORE, Duration.ofMillis(history)))
                : Materialized.<String, String, KeyValueStore<Bytes, byte[]>>as(STORE);
        store = store.withKeySerde(Serdes.String()).withValueSerde(Serdes.String());
        KStream<String, String> stream = builder.stream(input);
        ValueJoiner<String, String, String> enrich =
                (value, name) -> "{\"value\":" + Values.json(value) + ",\"table\":" + Values.json(name) + "}";
        KStream<String, String> enriched;
        if (global) {
            GlobalKTable<String, String> table = builder.globalTable(tableTopic, store);
            KeyValueMapper<String, String, String> byKey = (key, value) -> key;
            enriched = join.equals("left") ? stream.leftJoin(table, byKey, enrich) : stream.join(table, byKey, enrich);
        } else {
            KTable<String, String> table = builder.table(tableTopic, store);
            enriched = join.equals("left") ? stream.leftJoin(table, enrich) : stream.join(table, enrich);
        }
        enriched.to(output);
        return builder.build();
    }
}
