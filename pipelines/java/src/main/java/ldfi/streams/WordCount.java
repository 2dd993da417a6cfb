package ldfi.streams;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
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
 *   COMMIT_INTERVAL_MS           optional (Streams: 30000, or 100 with exactly_once_v2)
 *   NUM_STANDBY_REPLICAS         optional (Streams: 0)
 *   STATE_DIR                    default /tmp/kafka-streams
 * </pre>
 */
public final class WordCount {
    private WordCount() {}

    public static void main(String[] args) {
        Map<String, String> env = System.getenv();
        String input = required(env, "WORDCOUNT_INPUT");
        String output = required(env, "WORDCOUNT_OUTPUT");
        Properties props = config(env);

        StreamsBuilder builder = new StreamsBuilder();
        builder.<String, String>stream(input)
                .flatMapValues(value -> Arrays.asList(value.toLowerCase(Locale.ROOT).split("\\W+")))
                .groupBy((key, word) -> word)
                .count(Materialized.as("counts-store"))
                .toStream()
                .to(output, Produced.with(Serdes.String(), Serdes.Long()));
        Topology topology = builder.build();
        System.err.println(topology.describe());

        KafkaStreams streams = new KafkaStreams(topology, props);
        CountDownLatch done = new CountDownLatch(1);
        // SIGTERM (docker stop) closes the app cleanly: offsets committed,
        // transactions ended, the group left at once.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            streams.close();
            done.countDown();
        }, "wordcount-shutdown"));
        // A fatal error ends the process with a non-zero code, so that a
        // supervisor restarts it instead of leaving a dead app running.
        streams.setUncaughtExceptionHandler(e -> {
            System.err.println("wordcount: fatal: " + e);
            return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler
                    .StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.ERROR) {
                System.err.println("wordcount: state " + before + " -> ERROR; exiting");
                Runtime.getRuntime().halt(1);
            }
        });
        streams.start();
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The Streams configuration from the environment. */
    static Properties config(Map<String, String> env) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, required(env, "WORDCOUNT_APPLICATION_ID"));
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, required(env, "WORDCOUNT_BOOTSTRAP_SERVERS"));
        props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
        props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
        // As the demo: no record cache, so every count update is forwarded
        // (and written) at once instead of at the next commit.
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        String guarantee = env.getOrDefault("PROCESSING_GUARANTEE", StreamsConfig.AT_LEAST_ONCE);
        if (!guarantee.equals(StreamsConfig.AT_LEAST_ONCE) && !guarantee.equals(StreamsConfig.EXACTLY_ONCE_V2)) {
            fail("PROCESSING_GUARANTEE is " + guarantee + "; use at_least_once or exactly_once_v2");
        }
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, number(env, "REPLICATION_FACTOR", "3"));
        props.put(StreamsConfig.STATE_DIR_CONFIG, env.getOrDefault("STATE_DIR", "/tmp/kafka-streams"));
        if (env.containsKey("COMMIT_INTERVAL_MS")) {
            props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, number(env, "COMMIT_INTERVAL_MS", null));
        }
        // How long the group waits for a member that vanished (a crashed
        // instance) before it rebalances without it; 45 s by default.
        if (env.containsKey("SESSION_TIMEOUT_MS")) {
            props.put(StreamsConfig.consumerPrefix("session.timeout.ms"), number(env, "SESSION_TIMEOUT_MS", null));
        }
        if (env.containsKey("NUM_STANDBY_REPLICAS")) {
            props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, number(env, "NUM_STANDBY_REPLICAS", null));
        }
        return props;
    }

    private static String required(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            fail(name + " is not set (see the list at the top of WordCount.java)");
        }
        return value;
    }

    private static int number(Map<String, String> env, String name, String otherwise) {
        String value = env.getOrDefault(name, otherwise);
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            fail(name + " is " + value + ", not a whole number");
            return 0;
        }
    }

    /** Exit 2: a configuration error, which no restart mends. */
    private static void fail(String why) {
        System.err.println("wordcount: error: " + why);
        System.exit(2);
    }
}
