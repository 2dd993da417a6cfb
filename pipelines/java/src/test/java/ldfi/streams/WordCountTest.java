package ldfi.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;

class WordCountTest {
    @Test
    void countsWordsCaseInsensitively() {
        StreamsSettings settings = StreamsSettings.of(Drivers.env("WORDCOUNT_BOOTSTRAP_SERVERS", "b:9092",
                "WORDCOUNT_APPLICATION_ID", "wc", "WORDCOUNT_INPUT", "words", "WORDCOUNT_OUTPUT", "counts"),
                "WORDCOUNT_BOOTSTRAP_SERVERS", "WORDCOUNT_APPLICATION_ID");
        try (TopologyTestDriver driver = new TopologyTestDriver(WordCount.topology(settings), settings.properties())) {
            TestInputTopic<String, String> in = driver.createInputTopic("words", new StringSerializer(), new StringSerializer());
            TestOutputTopic<String, Long> out = driver.createOutputTopic("counts", new StringDeserializer(), new LongDeserializer());
            in.pipeInput(null, "Kafka leader kafka");
            in.pipeInput(null, "replica, KAFKA");
            assertEquals(Map.of("kafka", 3L, "leader", 1L, "replica", 1L), out.readKeyValuesToMap());
        }
    }
}
