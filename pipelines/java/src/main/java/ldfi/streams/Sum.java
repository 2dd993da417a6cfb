package ldfi.streams;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A stateful Streams app with a repartition: the count and the sum of the
 * integer values per key, written after every input as JSON text
 * {@code {"count":3,"sum":120}} under the key. The {@code selectKey} (which
 * keeps the key) marks the stream as re-keyed, so Streams routes it through
 * a repartition topic ({@code <APPLICATION_ID>-sums-store-repartition})
 * before the aggregate, whose state lives in the store "sums-store" and its
 * changelog {@code <APPLICATION_ID>-sums-store-changelog} (values: the same
 * JSON). An input thus crosses two internal topics before its output.
 *
 * <pre>
 *   INPUT_TOPIC         key: any string ("k3"); value: a decimal integer as text (required)
 *   OUTPUT_TOPIC        key -> {"count":N,"sum":S} (String) (required)
 *   BOOTSTRAP_SERVERS, APPLICATION_ID (required), PROCESSING_GUARANTEE,
 *   REPLICATION_FACTOR, TOPIC_MIN_INSYNC_REPLICAS, COMMIT_INTERVAL_MS,
 *   NUM_STANDBY_REPLICAS, SESSION_TIMEOUT_MS, PRODUCER_ACKS, STATE_DIR:
 *                       see {@link StreamsSettings}
 * </pre>
 *
 * A value that is not an integer is dropped before the repartition (logged
 * at most once per 1000); so is a record without a key (Streams drops it
 * at the grouping).
 */
public final class Sum {
    private Sum() {}

    /** The store holding each key's total; its changelog is named after it. */
    public static final String STORE = "sums-store";

    public static void main(String[] args) {
        StreamsMain.run("sum", StreamsSettings.of(System.getenv()), Sum::topology);
    }

    /** The topology, from the settings (topics). */
    public static Topology topology(StreamsSettings settings) {
        String input = settings.required("INPUT_TOPIC");
        String output = settings.required("OUTPUT_TOPIC");
        Values.Dropped dropped = new Values.Dropped("sum");

        StreamsBuilder builder = new StreamsBuilder();
        builder.<String, String>stream(input)
                .filter((key, value) -> {
                    if (Values.integer(value) == null) {
                        dropped.record(key, value, "not a decimal integer");
                        return false;
                    }
                    return true;
                })
                // The same key, but Streams cannot know that: the repartition
                // topic is the point (one more hop for lineage and faults).
                .selectKey((key, value) -> key)
                .groupByKey()
                .aggregate(
                        () -> Total.ZERO,
                        (key, value, total) -> total.add(Values.integer(value)),
                        Materialized.<String, Total, KeyValueStore<Bytes, byte[]>>as(STORE)
                                .withKeySerde(Serdes.String())
                                .withValueSerde(Total.SERDE))
                .toStream()
                .mapValues(Total::json)
                .to(output, Produced.with(Serdes.String(), Serdes.String()));
        return builder.build();
    }

    /** A key's count and sum; stored and written as {@code {"count":N,"sum":S}}. */
    record Total(long count, long sum) {
        static final Total ZERO = new Total(0, 0);

        private static final Pattern JSON = Pattern.compile("\\{\"count\":(-?\\d+),\"sum\":(-?\\d+)}");

        /** The store's serde: the same JSON text as the output, so a changelog reads like the output. */
        static final Serde<Total> SERDE = Serdes.serdeFrom(
                (topic, total) -> total == null ? null : total.json().getBytes(StandardCharsets.UTF_8),
                (topic, bytes) -> bytes == null ? null : parse(new String(bytes, StandardCharsets.UTF_8)));

        Total add(long value) {
            return new Total(count + 1, sum + value);
        }

        String json() {
            return "{\"count\":" + count + ",\"sum\":" + sum + "}";
        }

        static Total parse(String json) {
            Matcher m = JSON.matcher(json);
            if (!m.matches()) {
                throw new IllegalArgumentException("not a sums-store value: " + json);
            }
            return new Total(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
        }
    }
}
