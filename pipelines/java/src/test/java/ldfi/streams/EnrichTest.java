package ldfi.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;

class EnrichTest {
    private static List<KeyValue<String, String>> run(String join) {
        var env = join == null ? Drivers.env("TABLE_TOPIC", "names") : Drivers.env("TABLE_TOPIC", "names", "JOIN", join);
        try (TopologyTestDriver driver = Drivers.driver(Enrich::topology, env)) {
            TestInputTopic<String, String> in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
            TestInputTopic<String, String> table = driver.createInputTopic("names", new StringSerializer(), new StringSerializer());
            TestOutputTopic<String, String> out = driver.createOutputTopic("out", new StringDeserializer(), new StringDeserializer());
            table.pipeInput("k1", "alice", 0L);
            in.pipeInput("k1", "57", 10L);
            in.pipeInput("k2", "58", 20L);        // no k2 in the table yet
            table.pipeInput("k2", "bob", 30L);
            table.pipeInput("k1", "carol", 40L);  // the latest value wins
            in.pipeInput("k1", "59", 50L);
            in.pipeInput("k2", "60", 60L);
            table.pipeInput("k1", null, 70L);     // tombstone: k1 leaves the table
            in.pipeInput("k1", "61", 80L);
            in.pipeInput("k3", "say \"hi\"", 90L); // never in the table; quotes escaped
            return out.readKeyValuesToList();
        }
    }

    @Test
    void innerJoinTakesTheLatestTableValueAndDropsWhatTheTableLacks() {
        assertEquals(List.of(
                KeyValue.pair("k1", "{\"value\":\"57\",\"table\":\"alice\"}"),
                KeyValue.pair("k1", "{\"value\":\"59\",\"table\":\"carol\"}"),
                KeyValue.pair("k2", "{\"value\":\"60\",\"table\":\"bob\"}")),
                run(null));
        assertEquals(run(null), run("inner"));
    }

    @Test
    void leftJoinWritesNullForWhatTheTableLacks() {
        assertEquals(List.of(
                KeyValue.pair("k1", "{\"value\":\"57\",\"table\":\"alice\"}"),
                KeyValue.pair("k2", "{\"value\":\"58\",\"table\":null}"),
                KeyValue.pair("k1", "{\"value\":\"59\",\"table\":\"carol\"}"),
                KeyValue.pair("k2", "{\"value\":\"60\",\"table\":\"bob\"}"),
                KeyValue.pair("k1", "{\"value\":\"61\",\"table\":null}"),
                KeyValue.pair("k3", "{\"value\":\"say \\\"hi\\\"\",\"table\":null}")),
                run("left"));
    }

    /** A table read ahead of the stream: both rows of k1 are in before
     *  the input written between them is processed. */
    private static List<KeyValue<String, String>> readAhead(String history) {
        var env = history == null ? Drivers.env("TABLE_TOPIC", "names") : Drivers.env("TABLE_TOPIC", "names", "TABLE_HISTORY_MS", history);
        try (TopologyTestDriver driver = Drivers.driver(Enrich::topology, env)) {
            TestInputTopic<String, String> in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
            TestInputTopic<String, String> table = driver.createInputTopic("names", new StringSerializer(), new StringSerializer());
            TestOutputTopic<String, String> out = driver.createOutputTopic("out", new StringDeserializer(), new StringDeserializer());
            table.pipeInput("k1", "alice", 100L);
            table.pipeInput("k1", "bob", 300L);
            in.pipeInput("k1", "57", 200L);   // written while alice was the row
            in.pipeInput("k1", "58", 50L);    // older than any row
            in.pipeInput("k1", "59", 400L);
            return out.readKeyValuesToList();
        }
    }

    @Test
    void aPlainTableJoinsTheLatestRowEvenOneWrittenAfterTheInput() {
        assertEquals(List.of(
                KeyValue.pair("k1", "{\"value\":\"57\",\"table\":\"bob\"}"),
                KeyValue.pair("k1", "{\"value\":\"58\",\"table\":\"bob\"}"),
                KeyValue.pair("k1", "{\"value\":\"59\",\"table\":\"bob\"}")),
                readAhead(null));
        assertEquals(readAhead(null), readAhead("0"));
    }

    @Test
    void aVersionedTableJoinsTheRowCurrentAtTheInputsTimestamp() {
        assertEquals(List.of(
                KeyValue.pair("k1", "{\"value\":\"57\",\"table\":\"alice\"}"),
                KeyValue.pair("k1", "{\"value\":\"59\",\"table\":\"bob\"}")),
                readAhead("60000"));
    }

    @Test
    void aNegativeHistoryIsRefused() {
        var env = Drivers.env("TABLE_TOPIC", "names", "TABLE_HISTORY_MS", "-1");
        var refused = org.junit.jupiter.api.Assertions.assertThrows(StreamsSettings.Misconfigured.class,
                () -> Enrich.topology(StreamsSettings.of(env)));
        org.junit.jupiter.api.Assertions.assertTrue(refused.getMessage().contains("TABLE_HISTORY_MS"), refused.getMessage());
    }

    @Test
    void aGlobalTableJoinsOnTheInputsKeyWhatItsThreadHasRead() {
        var env = Drivers.env("TABLE_TOPIC", "names", "TABLE_GLOBAL", "true");
        try (TopologyTestDriver driver = Drivers.driver(Enrich::topology, env)) {
            TestInputTopic<String, String> in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
            TestInputTopic<String, String> table = driver.createInputTopic("names", new StringSerializer(), new StringSerializer());
            TestOutputTopic<String, String> out = driver.createOutputTopic("out", new StringDeserializer(), new StringDeserializer());
            table.pipeInput("k1", "alice", 100L);
            table.pipeInput("k1", "bob", 300L);
            in.pipeInput("k1", "57", 200L);   // written while alice was the row: meets bob, read since
            in.pipeInput("k2", "58", 250L);   // no k2: dropped
            assertEquals(List.of(KeyValue.pair("k1", "{\"value\":\"57\",\"table\":\"bob\"}")), out.readKeyValuesToList());
        }
        var both = Drivers.env("TABLE_TOPIC", "names", "TABLE_GLOBAL", "true", "TABLE_HISTORY_MS", "1000");
        var refused = org.junit.jupiter.api.Assertions.assertThrows(StreamsSettings.Misconfigured.class,
                () -> Enrich.topology(StreamsSettings.of(both)));
        org.junit.jupiter.api.Assertions.assertTrue(refused.getMessage().contains("TABLE_GLOBAL"), refused.getMessage());
    }
}
