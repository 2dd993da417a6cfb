package ldfi.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.junit.jupiter.api.Test;

class SumTest {
    @Test
    void writesTheRunningCountAndSumPerKeyAsJson() {
        try (TopologyTestDriver driver = Drivers.driver(Sum::topology, Drivers.env())) {
            TestInputTopic<String, String> in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
            TestOutputTopic<String, String> out = driver.createOutputTopic("out", new StringDeserializer(), new StringDeserializer());
            in.pipeInput("k1", "10");
            in.pipeInput("k2", "5");
            in.pipeInput("k1", "20");
            in.pipeInput("k1", "x");   // dropped: not an integer
            in.pipeInput("k2", "-7");
            in.pipeInput("k1", "90");
            // One update per accepted input, in order (no record cache).
            assertEquals(List.of(
                    KeyValue.pair("k1", "{\"count\":1,\"sum\":10}"),
                    KeyValue.pair("k2", "{\"count\":1,\"sum\":5}"),
                    KeyValue.pair("k1", "{\"count\":2,\"sum\":30}"),
                    KeyValue.pair("k2", "{\"count\":2,\"sum\":-2}"),
                    KeyValue.pair("k1", "{\"count\":3,\"sum\":120}")),
                    out.readKeyValuesToList());
            KeyValueStore<String, ValueAndTimestamp<Sum.Total>> store = driver.getTimestampedKeyValueStore("sums-store");
            assertEquals(new Sum.Total(3, 120), store.get("k1").value());
            assertEquals(new Sum.Total(2, -2), store.get("k2").value());
        }
    }

    @Test
    void goesThroughARepartitionTopicAndTheNamedChangelog() {
        String topology = Sum.topology(StreamsSettings.of(Drivers.env())).describe().toString();
        assertTrue(topology.contains("sums-store-repartition"), topology);
        try (TopologyTestDriver driver = Drivers.driver(Sum::topology, Drivers.env())) {
            TestInputTopic<String, String> in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
            in.pipeInput("k1", "4");
            // The changelog's value is the same JSON as the output's.
            TestOutputTopic<String, String> changelog = driver.createOutputTopic("app-sums-store-changelog",
                    new StringDeserializer(), new StringDeserializer());
            assertEquals(Map.of("k1", "{\"count\":1,\"sum\":4}"), changelog.readKeyValuesToMap());
        }
    }

    @Test
    void totalsReadBackWhatTheyWrite() {
        Sum.Total total = new Sum.Total(3, -120);
        assertEquals("{\"count\":3,\"sum\":-120}", total.json());
        assertEquals(total, Sum.Total.parse(total.json()));
    }
}
