package shop;

import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;

/** Running total of each account's amounts (reduce over groupByKey). */
public final class Totals {
    public static void main(String[] args) throws Exception {
        Properties props = Config.load(args[0]);
        String in = props.getProperty("shop.input"), out = props.getProperty("shop.output");
        StreamsBuilder b = new StreamsBuilder();
        b.stream(in, Consumed.with(Serdes.String(), Serdes.String()))
            .mapValues(v -> Long.parseLong(v.trim()))
            .groupByKey(Grouped.with(Serdes.String(), Serdes.Long()))
            .reduce(Long::sum, Materialized.with(Serdes.String(), Serdes.Long()))
            .toStream()
            .to(out, Produced.with(Serdes.String(), Serdes.Long()));
        run(b, props);
    }

    static void run(StreamsBuilder b, Properties props) throws InterruptedException {
        KafkaStreams streams = new KafkaStreams(b.build(), props);
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> { streams.close(); done.countDown(); }));
        streams.start();
        done.await();
    }
}
