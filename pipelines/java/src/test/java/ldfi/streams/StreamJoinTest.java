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

class StreamJoinTest {
    @Test
    void joinsRecordsOfTheSameKeyWithinTheWindowAndNoOthers() {
        // The defaults: window 2000 ms, grace 1000 ms.
        try (TopologyTestDriver driver = Drivers.driver(StreamJoin::topology, Drivers.env("OTHER_INPUT_TOPIC", "other"))) {
            TestInputTopic<String, String> left = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
            TestInputTopic<String, String> right = driver.createInputTopic("other", new StringSerializer(), new StringSerializer());
            TestOutputTopic<String, String> out = driver.createOutputTopic("out", new StringDeserializer(), new StringDeserializer());

            left.pipeInput("k1", "a", 1000L);
            right.pipeInput("k1", "x", 3000L);   // 2000 ms after: the window's edge, joins
            right.pipeInput("k2", "y", 3000L);   // no left k2 yet
            left.pipeInput("k2", "b", 5001L);    // 2001 ms after y: outside
            right.pipeInput("k3", "z", 6000L);
            left.pipeInput("k3", "c", 4500L);    // before z, within the window (and the grace): joins
            left.pipeInput("k1", "d", 6000L);    // 3000 ms after x: outside
            assertEquals(List.of(
                    KeyValue.pair("k1", "{\"left\":\"a\",\"right\":\"x\"}"),
                    KeyValue.pair("k3", "{\"left\":\"c\",\"right\":\"z\"}")),
                    out.readKeyValuesToList());

            right.pipeInput("k1", "w", 7000L);   // joins d (1000 ms), not a (6000 ms)
            assertEquals(List.of(KeyValue.pair("k1", "{\"left\":\"d\",\"right\":\"w\"}")), out.readKeyValuesToList());
            assertTrue(out.isEmpty());
        }
    }

    @Test
    void windowComesFromTheEnvironment() {
        try (TopologyTestDriver driver = Drivers.driver(StreamJoin::topology,
                Drivers.env("OTHER_INPUT_TOPIC", "other", "JOIN_WINDOW_MS", "100"))) {
            TestInputTopic<String, String> left = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
            TestInputTopic<String, String> right = driver.createInputTopic("other", new StringSerializer(), new StringSerializer());
            TestOutputTopic<String, String> out = driver.createOutputTopic("out", new StringDeserializer(), new StringDeserializer());
            left.pipeInput("k1", "a", 1000L);
            right.pipeInput("k1", "x", 1101L);
            assertTrue(out.isEmpty());
            right.pipeInput("k1", "y", 1100L);
            assertEquals(List.of(KeyValue.pair("k1", "{\"left\":\"a\",\"right\":\"y\"}")), out.readKeyValuesToList());
        }
    }

    @Test
    void leftAndOuterJoinsWriteLonelyRecordsOnceTheirWindowAndGraceHavePassed() {
        for (String join : List.of("left", "outer")) {
            try (TopologyTestDriver driver = Drivers.driver(StreamJoin::topology,
                    Drivers.env("OTHER_INPUT_TOPIC", "other", "JOIN", join))) {
                TestInputTopic<String, String> left = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
                TestInputTopic<String, String> right = driver.createInputTopic("other", new StringSerializer(), new StringSerializer());
                TestOutputTopic<String, String> out = driver.createOutputTopic("out", new StringDeserializer(), new StringDeserializer());

                left.pipeInput("k1", "a", 1000L);
                right.pipeInput("k1", "x", 2000L);   // a's partner: one output, no lonely a
                left.pipeInput("k2", "b", 1000L);    // never a partner
                right.pipeInput("k3", "y", 1500L);   // never a partner
                assertEquals(List.of(KeyValue.pair("k1", "{\"left\":\"a\",\"right\":\"x\"}")), out.readKeyValuesToList());

                // Stream time past 1500 + window 2000 + grace 1000, and a
                // second of wall clock since the last look at lonely records.
                driver.advanceWallClockTime(java.time.Duration.ofSeconds(2));
                left.pipeInput("k4", "c", 4600L);
                List<KeyValue<String, String>> lonely = join.equals("left")
                        ? List.of(KeyValue.pair("k2", "{\"left\":\"b\",\"right\":null}"))
                        : List.of(KeyValue.pair("k2", "{\"left\":\"b\",\"right\":null}"),
                                KeyValue.pair("k3", "{\"left\":null,\"right\":\"y\"}"));
                assertEquals(lonely, out.readKeyValuesToList(), join);
            }
        }
    }

    @Test
    void anUnknownJoinIsRefused() {
        var refused = org.junit.jupiter.api.Assertions.assertThrows(StreamsSettings.Misconfigured.class,
                () -> Drivers.driver(StreamJoin::topology, Drivers.env("OTHER_INPUT_TOPIC", "other", "JOIN", "right")));
        assertTrue(refused.getMessage().contains("use inner (the default), left or outer"), refused.getMessage());
    }
}
