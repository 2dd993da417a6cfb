package ldfi.streams;

import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;

/**
 * How every shipped app runs its topology, as a production Streams app
 * would: the topology described on stderr, a clean close on SIGTERM, and a
 * process that ends when Streams gives up, so that its supervisor restarts
 * it instead of leaving a dead app running. Exit codes: 2 for a
 * configuration error (no restart mends it), 1 for a fatal Streams error.
 */
final class StreamsMain {
    private StreamsMain() {}

    /**
     * Builds the app's topology from its settings and runs it until the
     * process is stopped. {@code app} names it in log lines and threads.
     */
    static void run(String app, StreamsSettings settings, Function<StreamsSettings, Topology> build) {
        Properties props;
        Topology topology;
        KafkaStreams streams;
        try {
            props = settings.properties();
            topology = build.apply(settings);
            System.err.println(topology.describe());
            streams = new KafkaStreams(topology, props);
        } catch (StreamsSettings.Misconfigured e) {
            exit(app, e.getMessage());
            return;
        } catch (ConfigException e) {
            // Streams' own validation of a value that passed ours.
            exit(app, "Streams rejected the configuration: " + e.getMessage());
            return;
        }

        CountDownLatch done = new CountDownLatch(1);
        // SIGTERM (docker stop) closes the app cleanly: offsets committed,
        // transactions ended, the group left at once.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            streams.close();
            done.countDown();
        }, app + "-shutdown"));
        // A fatal error ends the process with a non-zero code (below), so
        // that a supervisor restarts it.
        streams.setUncaughtExceptionHandler(e -> {
            System.err.println(app + ": fatal: " + e);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.ERROR) {
                System.err.println(app + ": state " + before + " -> ERROR; exiting");
                Runtime.getRuntime().halt(1);
            }
        });
        streams.start();
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Exit 2: a configuration error, which no restart mends. */
    private static void exit(String app, String why) {
        System.err.println(app + ": error: " + why);
        System.exit(2);
    }
}
