package ldfi.observer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The ldfi observer: a long-running child process of the Rust harness that answers
 * questions about a Kafka 4.x KRaft cluster, speaking the Kafka protocol with the
 * request/response classes (and some request handlers) of Kafka's own Java client.
 *
 * <p>Why it exists: the harness needs exact snapshots of cluster state that librdkafka
 * cannot give (the active KRaft controller and quorum offsets, per-replica log sizes and
 * lags, eligible leader replicas, last stable offsets, group coordinators...). Rather than
 * re-implement those admin APIs in Rust, the harness spawns this process once and talks to
 * it over stdin/stdout. It does not use the Admin client itself: Admin sends cluster-wide
 * questions to one broker of its choice and keeps choosing a paused broker (see
 * {@link KafkaConn}), while the harness needs snapshots exactly during such faults.
 *
 * <p>Protocol: one JSON object per line on stdin, exactly one JSON response line per request
 * on stdout (flushed): {@code {"id":..,"ok":true,"result":{..}}} or
 * {@code {"id":..,"ok":false,"error":".."}}. Ops: {@code ping}, {@code brokers},
 * {@code producer_id}, {@code snapshot}, {@code shutdown} (see {@link Snapshot} and {@link BrokerProbe}). Every
 * cluster call is bounded by {@code timeout_ms} (default 3000); partial failures are
 * reported in the result's {@code errors} array. stdout carries protocol lines only:
 * {@code System.out} is redirected to stderr at start-up so that no library can pollute it.
 * EOF on stdin or {@code shutdown} exits 0. With the environment variable
 * {@code LDFI_OBSERVER_TRACE} set, each snapshot also writes one line of phase timings to stderr.
 *
 * <p>Run: {@code java -cp 'observer/target/ldfi-observer.jar:observer/target/lib/*'
 * ldfi.observer.Observer <bootstrap-servers>}
 */
public final class Observer {
    static final int DEFAULT_TIMEOUT_MS = 3000;
    static final int MAX_TIMEOUT_MS = 120_000;
    static final ObjectMapper JSON = new ObjectMapper();
    static final JsonNodeFactory F = JsonNodeFactory.instance;

    private final String bootstrap;
    private final BufferedWriter out;
    private Cluster cluster; // created on first use (after a failure: on the next one)

    private Observer(String bootstrap, BufferedWriter out) {
        this.bootstrap = bootstrap;
        this.out = out;
    }

    public static void main(String[] args) throws IOException {
        // Keep the real stdout for protocol lines only; anything else printing to
        // System.out (libraries, stray debugging) ends up on stderr.
        BufferedWriter out = new BufferedWriter(new OutputStreamWriter(
                new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8));
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8));

        if (args.length != 1 || args[0].isBlank()) {
            System.err.println("usage: java -cp 'ldfi-observer.jar:lib/*' ldfi.observer.Observer <bootstrap-servers>");
            System.exit(2);
        }
        Observer obs = new Observer(args[0].trim(), out);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            if (obs.handle(line)) {
                break;
            }
        }
        obs.close();
        System.exit(0);
    }

    /** Handles one request line; returns true when the process should exit. */
    private boolean handle(String line) throws IOException {
        JsonNode id = NullNode.instance;
        boolean exit = false;
        ObjectNode resp = F.objectNode();
        try {
            JsonNode req;
            try {
                req = JSON.readTree(line);
            } catch (IOException e) {
                throw new PlainError("invalid JSON: " + oneLine(e.getMessage()));
            }
            if (req == null || !req.isObject()) {
                throw new PlainError("request must be a JSON object");
            }
            if (req.has("id")) {
                id = req.get("id");
            }
            String op = req.path("op").asText("");
            int timeoutMs = timeoutOf(req);
            ObjectNode result;
            switch (op) {
                case "ping":
                    result = F.objectNode();
                    break;
                case "brokers":
                    result = BrokerProbe.describe(bootstrapOf(req, op), timeoutMs);
                    break;
                case "producer_id":
                    result = BrokerProbe.producerId(bootstrapOf(req, op), timeoutMs);
                    break;
                case "snapshot":
                    result = new Snapshot(cluster(), timeoutMs).run(
                            stringList(req, "topics"), stringList(req, "groups"));
                    break;
                case "shutdown":
                    result = F.objectNode();
                    exit = true;
                    break;
                default:
                    throw new PlainError(op.isEmpty() ? "missing \"op\"" : "unknown op: " + op);
            }
            resp.set("id", id);
            resp.put("ok", true);
            resp.set("result", result);
        } catch (Throwable e) {
            resp.removeAll();
            resp.set("id", id);
            resp.put("ok", false);
            resp.put("error", e instanceof PlainError ? e.getMessage() : describe(e));
            if (!(e instanceof PlainError) && !(e instanceof IOException)
                    && !(e instanceof org.apache.kafka.common.KafkaException)) {
                e.printStackTrace(System.err); // unexpected: keep the trace for diagnosis
            }
            if (e instanceof Error && !(e instanceof AssertionError) && !(e instanceof LinkageError)) {
                // VirtualMachineError and friends: answer, then let the harness restart us.
                exit = true;
            }
        }
        out.write(JSON.writeValueAsString(resp));
        out.write('\n');
        out.flush();
        return exit;
    }

    private Cluster cluster() throws IOException {
        if (cluster == null) {
            cluster = new Cluster(bootstrap);
        }
        return cluster;
    }

    private void close() {
        if (cluster != null) {
            try {
                cluster.close();
            } catch (Throwable e) {
                // exiting anyway
            }
        }
    }

    /** The one broker address an op that asks a single broker names. */
    static String bootstrapOf(JsonNode req, String op) throws PlainError {
        String bs = req.path("bootstrap").asText("");
        if (bs.isBlank()) {
            throw new PlainError(op + ": missing \"bootstrap\"");
        }
        return bs.trim();
    }

    static int timeoutOf(JsonNode req) throws PlainError {
        JsonNode t = req.get("timeout_ms");
        if (t == null || t.isNull()) {
            return DEFAULT_TIMEOUT_MS;
        }
        if (!t.canConvertToInt() || !t.isIntegralNumber() || t.asInt() <= 0) {
            throw new PlainError("timeout_ms must be a positive integer");
        }
        return Math.min(t.asInt(), MAX_TIMEOUT_MS);
    }

    static List<String> stringList(JsonNode req, String field) throws PlainError {
        JsonNode n = req.get(field);
        List<String> list = new ArrayList<>();
        if (n == null || n.isNull()) {
            return list;
        }
        if (!n.isArray()) {
            throw new PlainError("\"" + field + "\" must be an array of strings");
        }
        for (JsonNode e : n) {
            if (!e.isTextual() || e.asText().isEmpty()) {
                throw new PlainError("\"" + field + "\" must be an array of non-empty strings");
            }
            if (!list.contains(e.asText())) {
                list.add(e.asText());
            }
        }
        return list;
    }

    /** "ExceptionClass: message" of the root cause (skipping ExecutionException wrappers). */
    static String describe(Throwable e) {
        Throwable t = e;
        while ((t instanceof java.util.concurrent.ExecutionException
                || t instanceof java.util.concurrent.CompletionException
                || t.getClass() == org.apache.kafka.common.KafkaException.class)
                && t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String msg = t.getMessage();
        return t.getClass().getSimpleName() + (msg == null ? "" : ": " + oneLine(msg));
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").trim();
    }

    /** A refused request or a failure already worded for the caller: its message is the whole error text. */
    static final class PlainError extends Exception {
        PlainError(String msg) {
            super(msg);
        }
    }
}
