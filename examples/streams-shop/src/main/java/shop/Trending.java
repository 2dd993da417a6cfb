package shop;

import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.WindowedSerdes;

/** Events per key over the last 10 s, every 2 s (hopping windows), every update written. */
public final class Trending {
    public static void main(String[] args) throws Exception {
        Properties props = Config.load(args[0]);
        Duration size = Duration.ofSeconds(10), advance = Duration.ofSeconds(2);
        StreamsBuilder b = new StreamsBuilder();
        b.stream(props.getProperty("shop.input"), Consumed.with(Serdes.String(), Serdes.String()))
            .groupByKey()
            .windowedBy(TimeWindows.ofSizeWithNoGrace(size).advanceBy(advance))
            .count()
            .toStream()
            .to(props.getProperty("shop.output"),
                Produced.with(WindowedSerdes.timeWindowedSerdeFrom(String.class, size.toMillis()), Serdes.Long()));
        Totals.run(b, props);
    }
}
