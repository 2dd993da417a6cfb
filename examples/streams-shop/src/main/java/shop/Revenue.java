package shop;

import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;

/** Revenue per account, in doubles (aggregate over groupByKey). */
public final class Revenue {
    public static void main(String[] args) throws Exception {
        Properties props = Config.load(args[0]);
        StreamsBuilder b = new StreamsBuilder();
        b.stream(props.getProperty("shop.input"), Consumed.with(Serdes.String(), Serdes.String()))
            .mapValues(v -> Double.parseDouble(v))
            .groupByKey(Grouped.with(Serdes.String(), Serdes.Double()))
            .aggregate(() -> 0.0, (account, amount, total) -> total + amount,
                Materialized.with(Serdes.String(), Serdes.Double()))
            .toStream()
            .to(props.getProperty("shop.output"), Produced.with(Serdes.String(), Serdes.Double()));
        Totals.run(b, props);
    }
}
