package ldfi.streams;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;

import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;

class WindowedCountTest {
    /** The records written so far as "key=count", sorted: Streams emits a closing batch in no set order. */
    private static List<String> sorted(TestOutputTopic<String, Long> out) {
        return out.readKeyValuesToList().stream().map(kv -> kv.key + "=" + kv.value).sorted().toList();
    }

    // The defaults: windows of 4000 ms, grace 1000 ms; window [0, 4000)
    // closes when stream time reaches 5000.

    @Test
    void writesOneFinalCountPerWordAndWindowOnceTheWindowCloses() {
        try (TopologyTestDriver driver = Drivers.driver(WindowedCount::topology, Drivers.env())) {
            TestInputTopic<String, String> in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
            TestOutputTopic<String, Long> out = driver.createOutputTopic("out", new StringDeserializer(), new LongDeserializer());
            in.pipeInput("kafka", "x", 0L);
            in.pipeInput("kafka", "x", 1000L);
            in.pipeInput("fault", "x", 3999L);
            in.pipeInput("kafka", "x", 4500L);   // the next window, [4000, 8000)
            in.pipeInput("kafka", "x", 3000L);   // late, but within the grace: counts
            in.pipeInput("fault", "x", 4999L);   // stream time 4999: window [0, 4000) still open
            assertTrue(out.isEmpty(), "a result before its window closed: " + out.readKeyValuesToList());

            in.pipeInput("lineage", "x", 5000L); // stream time reaches end + grace
            assertEquals(List.of("fault@0=1", "kafka@0=3"), sorted(out));

            in.pipeInput("kafka", "x", 2000L);   // too late for the closed window: dropped
            in.pipeInput("broker", "x", 8999L);  // window [4000, 8000) still open
            assertTrue(out.isEmpty(), "a second result for a closed window, or an early one: "
                    + out.readKeyValuesToList());

            in.pipeInput("broker", "x", 9000L);
            assertEquals(List.of("fault@4000=1", "kafka@4000=1", "lineage@4000=1"), sorted(out));
        }
    }

    @Test
    void windowSizeAndGraceComeFromTheEnvironment() {
        try (TopologyTestDriver driver = Drivers.driver(WindowedCount::topology,
                Drivers.env("WINDOW_SIZE_MS", "1000", "WINDOW_GRACE_MS", "0"))) {
            TestInputTopic<String, String> in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
            TestOutputTopic<String, Long> out = driver.createOutputTopic("out", new StringDeserializer(), new LongDeserializer());
            in.pipeInput("a", "x", 100L);
            in.pipeInput("a", "x", 999L);
            assertTrue(out.isEmpty());
            in.pipeInput("b", "x", 1000L);
            assertEquals(List.of(KeyValue.pair("a@0", 2L)), out.readKeyValuesToList());
        }
    }

    @Test
    void windowedKeysAreTheWordThenTheWindowStartAsEightBytes() {
        try (TopologyTestDriver driver = Drivers.driver(WindowedCount::topology,
                Drivers.env("WINDOW_SIZE_MS", "1000", "WINDOW_GRACE_MS", "0", "OUTPUT_KEY", "windowed"))) {
            TestInputTopic<String, String> in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
            TestOutputTopic<byte[], Long> out = driver.createOutputTopic("out", new ByteArrayDeserializer(), new LongDeserializer());
            in.pipeInput("a", "x", 1100L);
            in.pipeInput("b", "x", 2000L);
            KeyValue<byte[], Long> result = out.readKeyValue();
            ByteBuffer expected = ByteBuffer.allocate(9).put((byte) 'a').putLong(1000L);
            assertArrayEquals(expected.array(), result.key);
            assertEquals(1L, result.value);
        }
    }

    @Test
    void hoppingWindowsCountARecordInEachWindowThatCoversIt() {
        try (TopologyTestDriver driver = Drivers.driver(WindowedCount::topology,
                Drivers.env("WINDOW_SIZE_MS", "1000", "WINDOW_ADVANCE_MS", "500", "WINDOW_GRACE_MS", "0"))) {
            TestInputTopic<String, String> in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
            TestOutputTopic<String, Long> out = driver.createOutputTopic("out", new StringDeserializer(), new LongDeserializer());
            in.pipeInput("a", "x", 100L);   // [0, 1000) only
            in.pipeInput("a", "x", 700L);   // [0, 1000) and [500, 1500)
            in.pipeInput("b", "x", 1500L);  // closes [0, 1000) and [500, 1500)
            assertEquals(List.of("a@0=2", "a@500=1"), sorted(out));
        }
    }

    @Test
    void slidingWindowsAreOpenedByTheRecordsAndEmittedWhenClosed() {
        try (TopologyTestDriver driver = Drivers.driver(WindowedCount::topology,
                Drivers.env("WINDOW_SLIDING_MS", "1000", "WINDOW_GRACE_MS", "0"))) {
            TestInputTopic<String, String> in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
            TestOutputTopic<String, Long> out = driver.createOutputTopic("out", new StringDeserializer(), new LongDeserializer());
            in.pipeInput("a", "x", 5000L);  // opens [4000, 5000]
            in.pipeInput("a", "x", 5400L);  // opens [4400, 5400] and 5000's right window [5001, 6001]
            in.pipeInput("b", "x", 7100L);  // stream time past 6001: all three close, and b's
                                            // [6100, 7100] too, its end reached with no grace
            assertEquals(List.of("a@4000=1", "a@4400=2", "a@5001=1", "b@6100=1"), sorted(out));
        }
    }

    @Test
    void anAdvanceLongerThanTheWindowIsRefused() {
        StreamsSettings.Misconfigured e = assertThrows(StreamsSettings.Misconfigured.class,
                () -> Drivers.driver(WindowedCount::topology, Drivers.env("WINDOW_SIZE_MS", "1000", "WINDOW_ADVANCE_MS", "2000")));
        assertTrue(e.getMessage().contains("WINDOW_ADVANCE_MS is 2000"), e.getMessage());
    }

    @Test
    void anUnknownOutputKeyIsRefused() {
        StreamsSettings.Misconfigured e = assertThrows(StreamsSettings.Misconfigured.class,
                () -> Drivers.driver(WindowedCount::topology, Drivers.env("OUTPUT_KEY", "session")));
        assertTrue(e.getMessage().contains("OUTPUT_KEY is session"), e.getMessage());
    }
}
