package ldfi.streams;

import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.KStream;

/**
 * A stateless Streams app that merges two streams into one
 * ({@code KStream#merge}) and writes it: every record of INPUT_TOPIC and of
 * OTHER_INPUT_TOPIC to OUTPUT_TOPIC, unchanged, key, timestamp and headers
 * kept. One sub-topology reads both topics; its task of partition p reads
 * partition p of each, so the two must have as many partitions.
 *
 * <pre>
 *   INPUT_TOPIC, OTHER_INPUT_TOPIC   the two streams (required)
 *   OUTPUT_TOPIC                     the merged stream (required)
 *   BOOTSTRAP_SERVERS, APPLICATION_ID (required), PROCESSING_GUARANTEE,
 *   REPLICATION_FACTOR, TOPIC_MIN_INSYNC_REPLICAS, COMMIT_INTERVAL_MS,
 *   NUM_STANDBY_REPLICAS, SESSION_TIMEOUT_MS, PRODUCER_ACKS, STATE_DIR:
 *                                    see {@link StreamsSettings}
 * </pre>
 */
public final class Merge {
    private Merge() {}

    public static void main(String[] args) {
        StreamsMain.run("merge", StreamsSettings.of(System.getenv()), Merge::topology);
    }

    /** The topology, from the settings (the three topics). */
    public static Topology topology(StreamsSettings settings) {
        String input = settings.required("INPUT_TOPIC");
        String other = settings.required("OTHER_INPUT_TOPIC");
        String output = settings.required("OUTPUT_TOPIC");

        StreamsBuilder builder = new StreamsBuilder();
        KStream<String, String> first = builder.stream(input);
        KStream<String, String> second = builder.stream(other);
        first.merge(second).to(output);
        return builder.build();
    }
}
