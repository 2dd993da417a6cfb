package shop;

import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.WindowedSerdes;

/** Clicks per key and 5 s window, every update written (no suppression). */
public final class Clicks {
    public static void main(String[] args) throws Exception {
        Properties props = Config.load(args[0]);
        Duration size = Duration.ofSeconds(5);
        StreamsBuilder b = new StreamsBuilder();
        b.stream(props.getProperty("shop.input"), Consumed.with(Serdes.String(), Serdes.String()))
            .groupByKey()
            .windowedBy(TimeWindows.ofSizeWithNoGrace(size))
            .count()
            .toStream()
            .to(props.getProperty("shop.output"),
                Produced.with(WindowedSerdes.timeWindowedSerdeFrom(String.class, size.toMillis()), Serdes.Long()));
        Totals.run(b, props);
    }
}
