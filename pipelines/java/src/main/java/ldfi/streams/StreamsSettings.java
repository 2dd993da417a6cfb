package ldfi.streams;

import java.util.Locale;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The configuration every shipped Streams app shares, read from the
 * environment as an operator would set it. One place, so that the apps
 * cannot drift apart in what a variable means:
 *
 * <pre>
 *   BOOTSTRAP_SERVERS          host:port,...  (required)
 *   APPLICATION_ID             application.id: consumer group and prefix
 *                              of the internal topics (required)
 *   INPUT_TOPIC, OUTPUT_TOPIC  (required; read by each app)
 *   PROCESSING_GUARANTEE       at_least_once (default) or exactly_once_v2
 *   REPLICATION_FACTOR         of the internal topics (default 3; -1: the brokers' default)
 *   TOPIC_MIN_INSYNC_REPLICAS  min.insync.replicas of the internal topics
 *                              (optional: the brokers' default otherwise)
 *   COMMIT_INTERVAL_MS         optional (Streams: 30000, or 100 with exactly_once_v2)
 *   NUM_STANDBY_REPLICAS       optional (Streams: 0)
 *   SESSION_TIMEOUT_MS         the consumer's session.timeout.ms (optional; 45000)
 *   PRODUCER_ACKS              the producer's acks: 0, 1, all or -1 (optional;
 *                              Streams: all). Not allowed below all with
 *                              exactly_once_v2, whose transactions need it.
 *   STATE_DIR                  default /tmp/kafka-streams
 *   CACHE_MAX_BYTES            statestore.cache.max.bytes (default 0: no
 *                              record cache; Streams' own default is 10 MiB,
 *                              which folds a key's updates between commits)
 *   MAX_TASK_IDLE_MS           max.task.idle.ms (optional; Streams: 0): how long
 *                              a task with several inputs waits for an empty
 *                              one before it processes the others. At 0 a
 *                              fetch stalled by a broker's crash lets newer
 *                              records of one input go before older ones of
 *                              the other, and a join skips their pairs.
 * </pre>
 *
 * WordCount predates these names and reads its bootstrap servers and
 * application id from WORDCOUNT_BOOTSTRAP_SERVERS and
 * WORDCOUNT_APPLICATION_ID; the rest it shares.
 *
 * <p>A bad or missing value throws {@link Misconfigured}, which
 * {@link StreamsMain} turns into exit code 2: no restart mends it.
 */
public final class StreamsSettings {
    /** A configuration error: names the variable and the fix. */
    public static final class Misconfigured extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Misconfigured(String why) {
            super(why);
        }
    }

    private final Map<String, String> env;
    private final String bootstrapVar;
    private final String applicationIdVar;

    private StreamsSettings(Map<String, String> env, String bootstrapVar, String applicationIdVar) {
        this.env = Map.copyOf(env);
        this.bootstrapVar = bootstrapVar;
        this.applicationIdVar = applicationIdVar;
    }

    /** The settings under the common names (BOOTSTRAP_SERVERS, APPLICATION_ID). */
    public static StreamsSettings of(Map<String, String> env) {
        return new StreamsSettings(env, "BOOTSTRAP_SERVERS", "APPLICATION_ID");
    }

    /** The settings with an app's own names for the bootstrap servers and application id. */
    public static StreamsSettings of(Map<String, String> env, String bootstrapVar, String applicationIdVar) {
        return new StreamsSettings(env, bootstrapVar, applicationIdVar);
    }

    /** A variable that must be set and not blank. */
    public String required(String name) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            throw new Misconfigured(name + " is not set (see the environment listed in the app's class comment)");
        }
        return value.trim();
    }

    /** Whether a variable is set to something (blank counts as unset). */
    public boolean isSet(String name) {
        String value = env.get(name);
        return value != null && !value.isBlank();
    }

    /** An optional variable's value, or the default. */
    public String optional(String name, String otherwise) {
        String value = env.get(name);
        return value == null || value.isBlank() ? otherwise : value.trim();
    }

    /** A whole number (long), or the default when unset. */
    public long number(String name, long otherwise) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return otherwise;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new Misconfigured(name + " is " + value + ", not a whole number");
        }
    }

    /** A whole number that fits an int config, or the default when unset. */
    public int integer(String name, int otherwise) {
        long value = number(name, otherwise);
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw new Misconfigured(name + " is " + value + ", too large");
        }
        return (int) value;
    }

    /** A set int variable that must be at least {@code min}. */
    private int atLeast(String name, int min) {
        int value = integer(name, min);
        if (value < min) {
            throw new Misconfigured(name + " is " + value + "; use " + min + " or more");
        }
        return value;
    }

    /** A duration in milliseconds: a whole number, at least 0. */
    public long millis(String name, long otherwise) {
        long value = number(name, otherwise);
        if (value < 0) {
            throw new Misconfigured(name + " is " + value + "; a duration in milliseconds is at least 0");
        }
        return value;
    }

    /** The Streams configuration. */
    public Properties properties() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, required(applicationIdVar));
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, required(bootstrapVar));
        props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
        props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
        // No record cache unless asked: every update is forwarded (and
        // written) at once instead of at the next commit, so each input's
        // effect shows in the output topic and in the changelogs one by one.
        long cache = number("CACHE_MAX_BYTES", 0);
        if (cache < 0) {
            throw new Misconfigured("CACHE_MAX_BYTES is " + cache + "; use 0 (no cache) or more bytes");
        }
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, cache);
        String guarantee = optional("PROCESSING_GUARANTEE", StreamsConfig.AT_LEAST_ONCE);
        if (!guarantee.equals(StreamsConfig.AT_LEAST_ONCE) && !guarantee.equals(StreamsConfig.EXACTLY_ONCE_V2)) {
            throw new Misconfigured("PROCESSING_GUARANTEE is " + guarantee + "; use at_least_once or exactly_once_v2");
        }
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
        // Streams takes any number here and fails only when it creates a
        // topic; -1 is its own word for the brokers' default.
        int replicas = integer("REPLICATION_FACTOR", 3);
        if (replicas < 1 && replicas != -1) {
            throw new Misconfigured("REPLICATION_FACTOR is " + replicas + "; use 1 or more (or -1: the brokers' default)");
        }
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, replicas);
        if (isSet("TOPIC_MIN_INSYNC_REPLICAS")) {
            props.put(StreamsConfig.topicPrefix(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG),
                    atLeast("TOPIC_MIN_INSYNC_REPLICAS", 1));
        }
        props.put(StreamsConfig.STATE_DIR_CONFIG, optional("STATE_DIR", "/tmp/kafka-streams"));
        if (isSet("COMMIT_INTERVAL_MS")) {
            props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, millis("COMMIT_INTERVAL_MS", 0));
        }
        if (isSet("NUM_STANDBY_REPLICAS")) {
            props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, atLeast("NUM_STANDBY_REPLICAS", 0));
        }
        // How long the group waits for a member that vanished (a crashed
        // instance) before it rebalances without it; 45 s by default.
        if (isSet("SESSION_TIMEOUT_MS")) {
            props.put(StreamsConfig.consumerPrefix("session.timeout.ms"), atLeast("SESSION_TIMEOUT_MS", 1));
        }
        if (isSet("PRODUCER_ACKS")) {
            props.put(StreamsConfig.producerPrefix(ProducerConfig.ACKS_CONFIG), acks(guarantee));
        }
        if (isSet("MAX_TASK_IDLE_MS")) {
            props.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, millis("MAX_TASK_IDLE_MS", 0));
        }
        return props;
    }

    private String acks(String guarantee) {
        String acks = required("PRODUCER_ACKS").toLowerCase(Locale.ROOT);
        if (!acks.equals("0") && !acks.equals("1") && !acks.equals("all") && !acks.equals("-1")) {
            throw new Misconfigured("PRODUCER_ACKS is " + acks + "; use 0, 1, all or -1");
        }
        // Checked here rather than left to the producer: its refusal comes
        // only when a stream thread starts, as a fatal error that a
        // supervisor would restart forever.
        boolean all = acks.equals("all") || acks.equals("-1");
        if (guarantee.equals(StreamsConfig.EXACTLY_ONCE_V2) && !all) {
            throw new Misconfigured("PRODUCER_ACKS is " + acks + " with PROCESSING_GUARANTEE exactly_once_v2, whose"
                    + " idempotent, transactional producer needs acks=all; unset PRODUCER_ACKS or use"
                    + " at_least_once");
        }
        return acks;
    }
}
