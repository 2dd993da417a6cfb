package shop;

import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/** Drops blank amounts and trims the rest, for the totals downstream. */
public final class Clean {
    public static void main(String[] args) throws Exception {
        Properties props = Config.load(args[0]);
        StreamsBuilder b = new StreamsBuilder();
        b.stream(props.getProperty("shop.input"), Consumed.with(Serdes.String(), Serdes.String()))
            .filter((k, v) -> v != null && !v.isBlank())
            .mapValues(String::trim)
            .to(props.getProperty("shop.output"), Produced.with(Serdes.String(), Serdes.String()));
        Totals.run(b, props);
    }
}
