package ldfi.streams;

import java.util.Arrays;
import java.util.Locale;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;

/**
 * The Kafka Streams word count, as the Kafka docs write it (WordCountDemo):
 * split each line into words, group by word, count, write the running counts
 * to the output topic as longs. Nothing in it knows it runs under a test
 * harness; it is configured from its environment, as an operator would:
 *
 * <pre>
 *   WORDCOUNT_BOOTSTRAP_SERVERS  host:port,...            (required)
 *   WORDCOUNT_INPUT              input topic (text lines) (required)
 *   WORDCOUNT_OUTPUT             output topic (word -> count as a long) (required)
 *   WORDCOUNT_APPLICATION_ID     application.id: consumer group and prefix
 *                                of the internal topics (required)
 *   PROCESSING_GUARANTEE         at_least_once (default) or exactly_once_v2
 *   REPLICATION_FACTOR           of the internal topics (default 3)
 *   TOPIC_MIN_INSYNC_REPLICAS    min.insync.replicas of the internal topics (optional)
 *   COMMIT_INTERVAL_MS           optional (Streams: 30000, or 100 with exactly_once_v2)
 *   NUM_STANDBY_REPLICAS         optional (Streams: 0)
 *   SESSION_TIMEOUT_MS           the consumer's session.timeout.ms (optional; 45000)
 *   PRODUCER_ACKS                the producer's acks (optional; not below all
 *                                with exactly_once_v2)
 *   STATE_DIR                    default /tmp/kafka-streams
 * </pre>
 *
 * The names after the first four are shared with the other shipped apps
 * ({@link StreamsSettings}).
 */
public final class WordCount {
    private WordCount() {}

    public static void main(String[] args) {
        StreamsSettings settings = StreamsSettings.of(System.getenv(),
                "WORDCOUNT_BOOTSTRAP_SERVERS", "WORDCOUNT_APPLICATION_ID");
        StreamsMain.run("wordcount", settings, WordCount::topology);
    }

    /** The topology, from the settings (WORDCOUNT_INPUT, WORDCOUNT_OUTPUT). */
    public static Topology topology(StreamsSettings settings) {
        String input = settings.required("WORDCOUNT_INPUT");
        String output = settings.required("WORDCOUNT_OUTPUT");
        StreamsBuilder builder = new StreamsBuilder();
        builder.<String, String>stream(input)
                .flatMapValues(value -> Arrays.asList(value.toLowerCase(Locale.ROOT).split("\\W+")))
                .groupBy((key, word) -> word)
                .count(Materialized.as("counts-store"))
                .toStream()
                .to(output, Produced.with(Serdes.String(), Serdes.Long()));
        return builder.build();
    }
}
