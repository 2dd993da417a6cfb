package ldfi.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Properties;

import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class StreamsSettingsTest {
    private static String refusal(Map<String, String> env) {
        return assertThrows(StreamsSettings.Misconfigured.class, () -> StreamsSettings.of(env).properties())
                .getMessage();
    }

    @Test
    void defaults() {
        Properties props = StreamsSettings.of(Map.of("BOOTSTRAP_SERVERS", "b:9092", "APPLICATION_ID", "app")).properties();
        assertEquals("app", props.get(StreamsConfig.APPLICATION_ID_CONFIG));
        assertEquals("b:9092", props.get(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG));
        assertEquals(StreamsConfig.AT_LEAST_ONCE, props.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
        assertEquals(3, props.get(StreamsConfig.REPLICATION_FACTOR_CONFIG));
        assertEquals(0L, props.get(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG));
        assertEquals("/tmp/kafka-streams", props.get(StreamsConfig.STATE_DIR_CONFIG));
        assertFalse(props.containsKey("producer.acks"));
        assertFalse(props.containsKey("topic.min.insync.replicas"));
        assertFalse(props.containsKey(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG));
    }

    @Test
    void everyVariableReachesItsConfig() {
        Properties props = StreamsSettings.of(Map.of("BOOTSTRAP_SERVERS", "b:9092", "APPLICATION_ID", "app",
                "PROCESSING_GUARANTEE", "exactly_once_v2", "REPLICATION_FACTOR", "1", "TOPIC_MIN_INSYNC_REPLICAS", "2",
                "COMMIT_INTERVAL_MS", "200", "NUM_STANDBY_REPLICAS", "1", "SESSION_TIMEOUT_MS", "10000",
                "PRODUCER_ACKS", "all", "STATE_DIR", "/state")).properties();
        assertEquals(StreamsConfig.EXACTLY_ONCE_V2, props.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
        assertEquals(1, props.get(StreamsConfig.REPLICATION_FACTOR_CONFIG));
        assertEquals(2, props.get("topic.min.insync.replicas"));
        assertEquals(200L, props.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG));
        assertEquals(1, props.get(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG));
        assertEquals(10000, props.get("consumer.session.timeout.ms"));
        assertEquals("all", props.get("producer.acks"));
        assertEquals("/state", props.get(StreamsConfig.STATE_DIR_CONFIG));
        // Streams itself accepts what we built.
        new StreamsConfig(props);
    }

    /** The settings of an app given one variable beside the required two. */
    private static Properties with(String name, String value) {
        return StreamsSettings.of(Map.of("BOOTSTRAP_SERVERS", "b:9092", "APPLICATION_ID", "app", name, value)).properties();
    }

    @Test
    void aTaskWaitsForAnEmptyInputAsLongAsItIsTold() {
        Properties props = with("MAX_TASK_IDLE_MS", "30000");
        assertEquals(30000L, props.get(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG));
        new StreamsConfig(props);
        Properties unset = StreamsSettings.of(Map.of("BOOTSTRAP_SERVERS", "b:9092", "APPLICATION_ID", "app")).properties();
        assertFalse(unset.containsKey(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG));
    }

    @Test
    void aRecordCacheAsStreamsHasItByDefaultWhenAsked() {
        Properties props = with("CACHE_MAX_BYTES", "10485760");
        assertEquals(10485760L, props.get(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG));
        new StreamsConfig(props);
    }

    @Test
    void wordCountKeepsItsOwnNames() {
        Properties props = StreamsSettings.of(Map.of("WORDCOUNT_BOOTSTRAP_SERVERS", "b:9092",
                "WORDCOUNT_APPLICATION_ID", "wc"), "WORDCOUNT_BOOTSTRAP_SERVERS", "WORDCOUNT_APPLICATION_ID").properties();
        assertEquals("wc", props.get(StreamsConfig.APPLICATION_ID_CONFIG));
        assertEquals("b:9092", props.get(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG));
    }

    @Test
    void refusalsNameTheVariable() {
        assertTrue(refusal(Map.of("APPLICATION_ID", "app")).startsWith("BOOTSTRAP_SERVERS is not set"));
        assertTrue(refusal(Map.of("BOOTSTRAP_SERVERS", "b", "APPLICATION_ID", "  ")).startsWith("APPLICATION_ID is not set"));
        assertTrue(refusal(Map.of("BOOTSTRAP_SERVERS", "b", "APPLICATION_ID", "a", "PROCESSING_GUARANTEE", "exactly_once"))
                .contains("use at_least_once or exactly_once_v2"));
        assertTrue(refusal(Map.of("BOOTSTRAP_SERVERS", "b", "APPLICATION_ID", "a", "REPLICATION_FACTOR", "three"))
                .startsWith("REPLICATION_FACTOR is three, not a whole number"));
        assertTrue(refusal(Map.of("BOOTSTRAP_SERVERS", "b", "APPLICATION_ID", "a", "REPLICATION_FACTOR", "0"))
                .startsWith("REPLICATION_FACTOR is 0; use 1 or more"));
        assertEquals(-1, StreamsSettings.of(Map.of("BOOTSTRAP_SERVERS", "b", "APPLICATION_ID", "a", "REPLICATION_FACTOR", "-1"))
                .properties().get(StreamsConfig.REPLICATION_FACTOR_CONFIG));
        assertTrue(refusal(Map.of("BOOTSTRAP_SERVERS", "b", "APPLICATION_ID", "a", "TOPIC_MIN_INSYNC_REPLICAS", "0"))
                .startsWith("TOPIC_MIN_INSYNC_REPLICAS is 0; use 1 or more"));
        assertTrue(refusal(Map.of("BOOTSTRAP_SERVERS", "b", "APPLICATION_ID", "a", "CACHE_MAX_BYTES", "-1"))
                .startsWith("CACHE_MAX_BYTES is -1; use 0"));
        assertTrue(refusal(Map.of("BOOTSTRAP_SERVERS", "b", "APPLICATION_ID", "a", "PRODUCER_ACKS", "2"))
                .startsWith("PRODUCER_ACKS is 2"));
        String eos = refusal(Map.of("BOOTSTRAP_SERVERS", "b", "APPLICATION_ID", "a",
                "PROCESSING_GUARANTEE", "exactly_once_v2", "PRODUCER_ACKS", "1"));
        assertTrue(eos.contains("PRODUCER_ACKS is 1 with PROCESSING_GUARANTEE exactly_once_v2") && eos.contains("acks=all"), eos);
        // acks=1 is a legal (seeded) choice under at_least_once.
        assertEquals("1", StreamsSettings.of(Map.of("BOOTSTRAP_SERVERS", "b", "APPLICATION_ID", "a", "PRODUCER_ACKS", "1"))
                .properties().get("producer.acks"));
    }

    @Test
    void appsRefuseTheirOwnBadVariables() {
        assertThrows(StreamsSettings.Misconfigured.class,
                () -> Enrich.topology(StreamsSettings.of(Drivers.env("TABLE_TOPIC", "t", "JOIN", "outer"))));
        assertTrue(assertThrows(StreamsSettings.Misconfigured.class,
                () -> Enrich.topology(StreamsSettings.of(Drivers.env()))).getMessage().startsWith("TABLE_TOPIC is not set"));
        assertTrue(assertThrows(StreamsSettings.Misconfigured.class,
                () -> StreamJoin.topology(StreamsSettings.of(Drivers.env()))).getMessage().startsWith("OTHER_INPUT_TOPIC"));
        assertThrows(StreamsSettings.Misconfigured.class,
                () -> WindowedCount.topology(StreamsSettings.of(Drivers.env("WINDOW_GRACE_MS", "-1"))));
        assertThrows(StreamsSettings.Misconfigured.class,
                () -> FilterMap.topology(StreamsSettings.of(Drivers.env("FILTER_MIN_VALUE", "1.5"))));
    }
}
