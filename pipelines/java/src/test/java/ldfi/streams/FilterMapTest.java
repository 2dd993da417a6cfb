package ldfi.streams;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

class FilterMapTest {
    @Test
    void keepsValuesAtLeastTheMinimumTimesTheFactorAndDropsTheRest() {
        try (TopologyTestDriver driver = Drivers.driver(FilterMap::topology, Drivers.env())) {
            TestInputTopic<String, String> in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
            TestOutputTopic<String, String> out = driver.createOutputTopic("out", new StringDeserializer(), new StringDeserializer());
            in.pipeInput("k1", "57");
            in.pipeInput("k2", "49");     // below the default minimum 50
            in.pipeInput("k3", "50");     // the minimum itself is kept
            in.pipeInput("k4", "fifty");  // not an integer
            in.pipeInput("k5", (String) null);   // a tombstone: no integer either
            in.pipeInput("k6", "-100");
            in.pipeInput("k7", " 100 ");
            assertEquals(List.of(KeyValue.pair("k1", "171"), KeyValue.pair("k3", "150"), KeyValue.pair("k7", "300")),
                    out.readKeyValuesToList());
        }
    }

    @Test
    void minimumAndFactorComeFromTheEnvironment() {
        try (TopologyTestDriver driver = Drivers.driver(FilterMap::topology,
                Drivers.env("FILTER_MIN_VALUE", "10", "MAP_MULTIPLY", "-2"))) {
            TestInputTopic<String, String> in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
            TestOutputTopic<String, String> out = driver.createOutputTopic("out", new StringDeserializer(), new StringDeserializer());
            in.pipeInput("a", "9");
            in.pipeInput("b", "10");
            in.pipeInput("c", "57");
            assertEquals(List.of(KeyValue.pair("b", "-20"), KeyValue.pair("c", "-114")), out.readKeyValuesToList());
        }
    }

    @Test
    void forwardsTheInputsHeadersAndTimestamp() {
        try (TopologyTestDriver driver = Drivers.driver(FilterMap::topology, Drivers.env())) {
            TestInputTopic<String, String> in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
            TestOutputTopic<String, String> out = driver.createOutputTopic("out", new StringDeserializer(), new StringDeserializer());
            RecordHeaders headers = new RecordHeaders();
            headers.add("ldfi-id", "input-42".getBytes(StandardCharsets.UTF_8));
            in.pipeInput(new TestRecord<>("k1", "60", headers, 12345L));
            TestRecord<String, String> record = out.readRecord();
            assertEquals("180", record.value());
            assertEquals(12345L, record.timestamp());
            Header id = record.headers().lastHeader("ldfi-id");
            assertNotNull(id, "the ldfi-id header did not reach the output");
            assertArrayEquals("input-42".getBytes(StandardCharsets.UTF_8), id.value());
            assertTrue(out.isEmpty());
        }
    }
}
