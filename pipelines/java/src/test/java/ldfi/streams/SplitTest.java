package ldfi.streams;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

class SplitTest {
    private static TestOutputTopic<String, String> topic(TopologyTestDriver driver, String name) {
        return driver.createOutputTopic(name, new StringDeserializer(), new StringDeserializer());
    }

    @Test
    void eachRecordGoesToTheFirstBranchItFitsAndTheRestToTheDefault() {
        try (TopologyTestDriver driver = Drivers.driver(Split::topology, Drivers.env("LOW_TOPIC", "low", "SPLIT_AT", "10"))) {
            TestInputTopic<String, String> in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
            in.pipeInput("a", "9");
            in.pipeInput("b", "10");
            in.pipeInput("c", "ten");
            in.pipeInput("d", "57");
            assertEquals(List.of(KeyValue.pair("b", "10"), KeyValue.pair("d", "57")), topic(driver, "out").readKeyValuesToList());
            assertEquals(List.of(KeyValue.pair("a", "9"), KeyValue.pair("c", "ten")), topic(driver, "low").readKeyValuesToList());
        }
    }

    @Test
    void fanOutWritesEveryRecordToBothWithItsHeaders() {
        try (TopologyTestDriver driver = Drivers.driver(Split::topology, Drivers.env("LOW_TOPIC", "low", "FAN_OUT", "true"))) {
            TestInputTopic<String, String> in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
            RecordHeaders headers = new RecordHeaders();
            headers.add("ldfi-id", "input-7".getBytes(StandardCharsets.UTF_8));
            in.pipeInput(new TestRecord<>("k", "3", headers, 100L));
            for (String name : List.of("out", "low")) {
                TestRecord<String, String> record = topic(driver, name).readRecord();
                assertEquals("3", record.value());
                assertNotNull(record.headers().lastHeader("ldfi-id"), name + " lost the ldfi-id header");
                assertArrayEquals("input-7".getBytes(StandardCharsets.UTF_8), record.headers().lastHeader("ldfi-id").value());
            }
        }
    }
}
