package shop;

import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.WindowedSerdes;

/** Events per key and visit, each visit written once, when it has ended (session windows suppressed until they close). */
public final class VisitsFinal {
    public static void main(String[] args) throws Exception {
        Properties props = Config.load(args[0]);
        StreamsBuilder b = new StreamsBuilder();
        b.stream(props.getProperty("shop.input"), Consumed.with(Serdes.String(), Serdes.String()))
            .groupByKey()
            .windowedBy(SessionWindows.ofInactivityGapWithNoGrace(Duration.ofSeconds(3)))
            .count()
            .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()))
            .toStream()
            .to(props.getProperty("shop.output"),
                Produced.with(WindowedSerdes.sessionWindowedSerdeFrom(String.class), Serdes.Long()));
        Totals.run(b, props);
    }
}
