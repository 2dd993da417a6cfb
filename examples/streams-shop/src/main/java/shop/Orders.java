package shop;

import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Produced;

/** Each order enriched with its customer's current row (KStream-KTable join). */
public final class Orders {
    public static void main(String[] args) throws Exception {
        Properties props = Config.load(args[0]);
        StreamsBuilder b = new StreamsBuilder();
        KTable<String, String> customers =
            b.table(props.getProperty("shop.customers"), Consumed.with(Serdes.String(), Serdes.String()));
        b.stream(props.getProperty("shop.orders"), Consumed.with(Serdes.String(), Serdes.String()))
            .join(customers, (order, customer) -> order + " for " + customer)
            .to(props.getProperty("shop.output"), Produced.with(Serdes.String(), Serdes.String()));
        Totals.run(b, props);
    }
}
