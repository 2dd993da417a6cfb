package ldfi.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;

class TableJoinTest {
    /** k1 on both sides, updated on the left; k2 on the left only; k3 on the right only. */
    private static List<KeyValue<String, String>> run(String join) {
        try (TopologyTestDriver driver = Drivers.driver(TableJoin::topology,
                Drivers.env("OTHER_INPUT_TOPIC", "other", "JOIN", join))) {
            TestInputTopic<String, String> left = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
            TestInputTopic<String, String> right = driver.createInputTopic("other", new StringSerializer(), new StringSerializer());
            TestOutputTopic<String, String> out = driver.createOutputTopic("out", new StringDeserializer(), new StringDeserializer());
            left.pipeInput("k1", "a", 0L);
            right.pipeInput("k1", "x", 1L);
            left.pipeInput("k1", "b", 2L);
            left.pipeInput("k2", "c", 3L);
            right.pipeInput("k3", "y", 4L);
            return out.readKeyValuesToList();
        }
    }

    @Test
    void eachUpdateWritesTheKeysJoinedValueAgain() {
        assertEquals(List.of(
                KeyValue.pair("k1", "{\"left\":\"a\",\"right\":\"x\"}"),
                KeyValue.pair("k1", "{\"left\":\"b\",\"right\":\"x\"}")),
                run("inner"));
        assertEquals(List.of(
                KeyValue.pair("k1", "{\"left\":\"a\",\"right\":null}"),
                KeyValue.pair("k1", "{\"left\":\"a\",\"right\":\"x\"}"),
                KeyValue.pair("k1", "{\"left\":\"b\",\"right\":\"x\"}"),
                KeyValue.pair("k2", "{\"left\":\"c\",\"right\":null}")),
                run("left"));
        assertEquals(List.of(
                KeyValue.pair("k1", "{\"left\":\"a\",\"right\":null}"),
                KeyValue.pair("k1", "{\"left\":\"a\",\"right\":\"x\"}"),
                KeyValue.pair("k1", "{\"left\":\"b\",\"right\":\"x\"}"),
                KeyValue.pair("k2", "{\"left\":\"c\",\"right\":null}"),
                KeyValue.pair("k3", "{\"left\":null,\"right\":\"y\"}")),
                run("outer"));
    }

    @Test
    void anUnknownJoinIsRefused() {
        var refused = org.junit.jupiter.api.Assertions.assertThrows(StreamsSettings.Misconfigured.class,
                () -> Drivers.driver(TableJoin::topology, Drivers.env("OTHER_INPUT_TOPIC", "other", "JOIN", "cross")));
        assertTrue(refused.getMessage().contains("use inner (the default), left or outer"), refused.getMessage());
    }
}
