package ldfi.streams;

import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;

/**
 * A stateless Streams app that writes one stream to two topics: split into
 * branches by value ({@code KStream#split}: a record at least SPLIT_AT goes
 * to OUTPUT_TOPIC, every other one to LOW_TOPIC), or, with FAN_OUT, the
 * whole stream written to both. Values are decimal integers as text and
 * are written unchanged, key, timestamp and headers kept, so an input's id
 * header reaches the topic it went to.
 *
 * <pre>
 *   INPUT_TOPIC         values: decimal integers as text ("57") (required)
 *   OUTPUT_TOPIC        the branch of values >= SPLIT_AT (required)
 *   LOW_TOPIC           the default branch: every other record (required)
 *   SPLIT_AT            the smallest value of OUTPUT_TOPIC's branch (default 50)
 *   FAN_OUT             "true": every record to both topics (default false)
 *   BOOTSTRAP_SERVERS, APPLICATION_ID (required), PROCESSING_GUARANTEE,
 *   REPLICATION_FACTOR, TOPIC_MIN_INSYNC_REPLICAS, COMMIT_INTERVAL_MS,
 *   NUM_STANDBY_REPLICAS, SESSION_TIMEOUT_MS, PRODUCER_ACKS, STATE_DIR:
 *                       see {@link StreamsSettings}
 * </pre>
 *
 * A value that is not an integer goes to the default branch.
 */
public final class Split {
    private Split() {}

    public static void main(String[] args) {
        StreamsMain.run("split", StreamsSettings.of(System.getenv()), Split::topology);
    }

    /** The topology, from the settings (topics, threshold, fan-out). */
    public static Topology topology(StreamsSettings settings) {
        String input = settings.required("INPUT_TOPIC");
        String high = settings.required("OUTPUT_TOPIC");
        String low = settings.required("LOW_TOPIC");
        long at = settings.number("SPLIT_AT", 50);
        boolean fanOut = Boolean.parseBoolean(settings.optional("FAN_OUT", "false"));

        StreamsBuilder builder = new StreamsBuilder();
        KStream<String, String> stream = builder.stream(input);
        if (fanOut) {
            stream.to(high);
            stream.to(low);
        } else {
            stream.split(Named.as("by-value-"))
                    .branch((key, value) -> {
                        Long n = Values.integer(value);
                        return n != null && n >= at;
                    }, Branched.withConsumer(s -> s.to(high), "high"))
                    .defaultBranch(Branched.withConsumer(s -> s.to(low), "low"));
        }
        return builder.build();
    }
}
