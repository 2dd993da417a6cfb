package ldfi.streams;

import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;

/**
 * A stateless Streams app: keeps the records whose value, a decimal integer
 * as text, is at least a minimum, and writes that value times a factor,
 * as decimal text, under the same key. No state, no internal topics: what
 * it can lose or duplicate is only what its input and output offsets allow.
 * Headers travel with each record (Streams forwards them through stateless
 * operations), so an input's id header reaches its output.
 *
 * <pre>
 *   INPUT_TOPIC         values: decimal integers as text ("57") (required)
 *   OUTPUT_TOPIC        value * MAP_MULTIPLY as decimal text, same key (required)
 *   FILTER_MIN_VALUE    keep values >= this (default 50)
 *   MAP_MULTIPLY        the factor (default 3)
 *   BOOTSTRAP_SERVERS, APPLICATION_ID (required), PROCESSING_GUARANTEE,
 *   REPLICATION_FACTOR, TOPIC_MIN_INSYNC_REPLICAS, COMMIT_INTERVAL_MS,
 *   NUM_STANDBY_REPLICAS, SESSION_TIMEOUT_MS, PRODUCER_ACKS, STATE_DIR:
 *                       see {@link StreamsSettings}
 * </pre>
 *
 * A value that is not an integer (or whose product overflows a long) is
 * dropped, and logged at most once per 1000.
 */
public final class FilterMap {
    private FilterMap() {}

    public static void main(String[] args) {
        StreamsMain.run("filtermap", StreamsSettings.of(System.getenv()), FilterMap::topology);
    }

    /** The topology, from the settings (topics, minimum, factor). */
    public static Topology topology(StreamsSettings settings) {
        String input = settings.required("INPUT_TOPIC");
        String output = settings.required("OUTPUT_TOPIC");
        long min = settings.number("FILTER_MIN_VALUE", 50);
        long multiply = settings.number("MAP_MULTIPLY", 3);
        Values.Dropped dropped = new Values.Dropped("filtermap");

        StreamsBuilder builder = new StreamsBuilder();
        builder.<String, String>stream(input)
                .filter((key, value) -> {
                    Long n = Values.integer(value);
                    if (n == null) {
                        dropped.record(key, value, "not a decimal integer");
                        return false;
                    }
                    return n >= min;
                })
                // filter and mapValues keep key, timestamp and headers.
                .mapValues((key, value) -> {
                    try {
                        return Long.toString(Math.multiplyExact(Values.integer(value), multiply));
                    } catch (ArithmeticException e) {
                        dropped.record(key, value, "times " + multiply + " overflows a long");
                        return null;
                    }
                })
                .filter((key, value) -> value != null)
                .to(output);
        return builder.build();
    }
}
