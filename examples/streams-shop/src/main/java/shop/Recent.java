package shop;

import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.SlidingWindows;
import org.apache.kafka.streams.kstream.WindowedSerdes;

/** Events per key within any 2 s of each other (sliding windows, no grace), every update written. */
public final class Recent {
    public static void main(String[] args) throws Exception {
        Properties props = Config.load(args[0]);
        StreamsBuilder b = new StreamsBuilder();
        b.stream(props.getProperty("shop.input"), Consumed.with(Serdes.String(), Serdes.String()))
            .groupByKey()
            .windowedBy(SlidingWindows.ofTimeDifferenceWithNoGrace(Duration.ofSeconds(2)))
            .count()
            .toStream()
            .to(props.getProperty("shop.output"),
                Produced.with(WindowedSerdes.timeWindowedSerdeFrom(String.class, 2000), Serdes.Long()));
        Totals.run(b, props);
    }
}
