package ldfi.streams;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;

/** TopologyTestDriver over an app's topology, configured as main() configures it. */
final class Drivers {
    private Drivers() {}

    /** The environment every app needs, plus {@code extra} (pairs: name, value). */
    static Map<String, String> env(String... extra) {
        Map<String, String> env = new HashMap<>();
        env.put("BOOTSTRAP_SERVERS", "localhost:9092");
        env.put("APPLICATION_ID", "app");
        env.put("INPUT_TOPIC", "in");
        env.put("OUTPUT_TOPIC", "out");
        try {
            env.put("STATE_DIR", Files.createTempDirectory("ldfi-streams-test").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (int i = 0; i + 1 < extra.length; i += 2) {
            env.put(extra[i], extra[i + 1]);
        }
        return env;
    }

    /** A driver for the topology {@code build} makes from {@code env}, with the app's own properties. */
    static TopologyTestDriver driver(Function<StreamsSettings, Topology> build, Map<String, String> env) {
        StreamsSettings settings = StreamsSettings.of(env);
        return new TopologyTestDriver(build.apply(settings), settings.properties());
    }
}
