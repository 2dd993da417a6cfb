package ldfi.streams;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

class MergeTest {
    @Test
    void everyRecordOfBothStreamsIsWrittenWithItsHeaders() {
        try (TopologyTestDriver driver = Drivers.driver(Merge::topology, Drivers.env("OTHER_INPUT_TOPIC", "other"))) {
            TestInputTopic<String, String> in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
            TestInputTopic<String, String> other = driver.createInputTopic("other", new StringSerializer(), new StringSerializer());
            TestOutputTopic<String, String> out = driver.createOutputTopic("out", new StringDeserializer(), new StringDeserializer());
            RecordHeaders a = new RecordHeaders();
            a.add("ldfi-id", "in-1".getBytes(StandardCharsets.UTF_8));
            RecordHeaders b = new RecordHeaders();
            b.add("ldfi-id", "side-1".getBytes(StandardCharsets.UTF_8));
            in.pipeInput(new TestRecord<>("k1", "7", a, 10L));
            other.pipeInput(new TestRecord<>("k2", "8", b, 11L));
            List<TestRecord<String, String>> written = out.readRecordsToList();
            assertEquals(List.of("7", "8"), written.stream().map(TestRecord::value).toList());
            assertArrayEquals("in-1".getBytes(StandardCharsets.UTF_8), written.get(0).headers().lastHeader("ldfi-id").value());
            assertArrayEquals("side-1".getBytes(StandardCharsets.UTF_8), written.get(1).headers().lastHeader("ldfi-id").value());
        }
    }
}
