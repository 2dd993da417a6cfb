package ldfi.observer;

import static ldfi.observer.Observer.F;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.DescribeClusterRequest;
import org.apache.kafka.common.requests.DescribeClusterResponse;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * The ops that talk to exactly one broker: {@code brokers} (DescribeCluster as that broker
 * sees it) and {@code producer_id} (InitProducerId answered by that broker).
 *
 * <p>A fresh Admin bootstrapped at one address is not enough for that: after its bootstrap
 * metadata fetch, Admin sends DescribeCluster to the "least loaded" node of the whole
 * cluster, i.e. very likely another broker, so the answer would not be the chosen broker's
 * view (and a dead peer would slow it down). Readiness checks want "has broker X caught up",
 * so this speaks the Kafka protocol on one short-lived PLAINTEXT socket instead, using the
 * request/response classes of kafka-clients: ApiVersions (to pick a version both sides
 * support), then the op's request, answered by that broker alone.
 *
 * <p>Why {@code producer_id}: a broker hands out producer ids from blocks of 1,000 that it
 * asks the active controller for, the first time an idempotent producer asks it. A broker
 * that has never been asked has no block, so a new idempotent producer that asks it while it
 * is cut off from the controller waits for its whole delivery timeout, although the leaders
 * it writes to are fine. A cluster that has run for a while never shows that; the harness
 * asks every broker once before a run, so that a run on a fresh cluster does not either.
 *
 * <p>Note: under KRaft, a broker reports a random live broker as "controller" (clients
 * cannot reach the real controllers); the active controller is {@code snapshot}'s
 * {@code controller.leader_id}.
 */
final class BrokerProbe {
    private static final int MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
    /** How long to wait before asking again when the broker answers a retriable error. */
    private static final int RETRY_BACKOFF_MS = 100;

    private BrokerProbe() {
    }

    /** What one request to the broker needs: its connection, the versions it speaks, a deadline. */
    private static final class Session {
        final Socket socket;
        final DataOutputStream out;
        final DataInputStream in;
        final long deadline;
        int correlationId;
        ApiVersionsResponse versions;

        Session(Socket socket, long deadline) throws IOException {
            this.socket = socket;
            this.out = new DataOutputStream(socket.getOutputStream());
            this.in = new DataInputStream(socket.getInputStream());
            this.deadline = deadline;
        }

        /** The highest version of {@code api} both sides speak. */
        short version(ApiKeys api) throws IOException {
            ApiVersionsResponseData.ApiVersion v = versions.apiVersion(api.id);
            if (v == null) {
                throw new IOException("broker does not support " + api.name);
            }
            short version = (short) Math.min(v.maxVersion(), api.latestVersion());
            if (version < v.minVersion() || version < api.oldestVersion()) {
                throw new IOException("no " + api.name + " version in common with the broker");
            }
            return version;
        }

        boolean expired() {
            return System.nanoTime() - deadline >= 0;
        }

        AbstractResponse roundTrip(AbstractRequest req) throws IOException {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                throw new SocketTimeoutException();
            }
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
            RequestHeader header = new RequestHeader(req.apiKey(), req.version(), "ldfi-observer", ++correlationId);
            ByteBuffer buf = req.serializeWithHeader(header);
            byte[] bytes = new byte[buf.remaining()];
            buf.get(bytes);
            out.writeInt(bytes.length);
            out.write(bytes);
            out.flush();
            int size = in.readInt();
            if (size < 0 || size > MAX_RESPONSE_BYTES) {
                throw new IOException("bad response size " + size + " (not a Kafka PLAINTEXT listener?)");
            }
            byte[] body = new byte[size];
            in.readFully(body);
            return AbstractResponse.parseResponse(ByteBuffer.wrap(body), header);
        }
    }

    private interface Op {
        ObjectNode run(Session session) throws IOException, Observer.PlainError;
    }

    /** Connects to the broker at {@code bootstrap}, negotiates versions, then runs {@code op}. */
    private static ObjectNode withBroker(String bootstrap, int timeoutMs, Op op)
            throws IOException, Observer.PlainError {
        InetSocketAddress addr = parse(bootstrap);
        if (addr.isUnresolved()) {
            throw new IOException("cannot resolve host of " + bootstrap);
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(addr, timeoutMs);
            Session session = new Session(s, deadline);
            ApiVersionsResponse av = (ApiVersionsResponse) session.roundTrip(
                    new ApiVersionsRequest.Builder().build((short) 3));
            if (av.data().errorCode() != Errors.NONE.code()) {
                throw new IOException("ApiVersions: " + Errors.forCode(av.data().errorCode()).name());
            }
            session.versions = av;
            return op.run(session);
        } catch (SocketTimeoutException e) {
            throw new Observer.PlainError(
                    "TimeoutException: no answer from " + bootstrap + " within " + timeoutMs + " ms");
        } catch (EOFException e) {
            throw new Observer.PlainError("connection to " + bootstrap + " closed by the broker");
        }
    }

    static ObjectNode describe(String bootstrap, int timeoutMs) throws IOException, Observer.PlainError {
        return withBroker(bootstrap, timeoutMs, session -> {
            short version = session.version(ApiKeys.DESCRIBE_CLUSTER);
            DescribeClusterResponse dc = (DescribeClusterResponse) session.roundTrip(
                    new DescribeClusterRequest.Builder(new DescribeClusterRequestData()).build(version));
            DescribeClusterResponseData d = dc.data();
            if (d.errorCode() != Errors.NONE.code()) {
                throw new IOException("DescribeCluster: " + Errors.forCode(d.errorCode()).name()
                        + (d.errorMessage() == null ? "" : ": " + d.errorMessage()));
            }
            ObjectNode r = F.objectNode();
            r.put("cluster_id", d.clusterId());
            if (d.controllerId() < 0) {
                r.putNull("controller");
            } else {
                r.put("controller", d.controllerId());
            }
            List<DescribeClusterResponseData.DescribeClusterBroker> bs = new ArrayList<>(d.brokers());
            bs.sort(Comparator.comparingInt(DescribeClusterResponseData.DescribeClusterBroker::brokerId));
            ArrayNode arr = r.putArray("brokers");
            for (DescribeClusterResponseData.DescribeClusterBroker b : bs) {
                arr.addObject().put("id", b.brokerId()).put("host", b.host()).put("port", b.port());
            }
            return r;
        });
    }

    /**
     * An idempotent producer id from this broker, asked again while it answers a retriable
     * error (COORDINATOR_LOAD_IN_PROGRESS while it fetches a block from the controller).
     */
    static ObjectNode producerId(String bootstrap, int timeoutMs) throws IOException, Observer.PlainError {
        return withBroker(bootstrap, timeoutMs, session -> {
            short version = session.version(ApiKeys.INIT_PRODUCER_ID);
            InitProducerIdRequestData data =
                    new InitProducerIdRequestData().setTransactionalId(null).setTransactionTimeoutMs(60_000);
            int attempts = 0;
            while (true) {
                attempts++;
                InitProducerIdResponse r = (InitProducerIdResponse) session.roundTrip(
                        new InitProducerIdRequest.Builder(data).build(version));
                Errors error = r.error();
                if (error == Errors.NONE) {
                    ObjectNode out = F.objectNode();
                    out.put("producer_id", r.data().producerId());
                    out.put("attempts", attempts);
                    return out;
                }
                if (!(error.exception() instanceof RetriableException)) {
                    throw new IOException("InitProducerId: " + error.name());
                }
                if (session.expired()) {
                    throw new Observer.PlainError("TimeoutException: " + bootstrap + " answered InitProducerId "
                            + attempts + " times with " + error.name() + " within " + timeoutMs + " ms");
                }
                try {
                    Thread.sleep(RETRY_BACKOFF_MS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
            }
        });
    }

    /** host:port, [v6]:port; the port defaults to 9092. */
    static InetSocketAddress parse(String hostPort) throws IOException {
        String host = hostPort;
        int port = 9092;
        if (hostPort.startsWith("[")) {
            int end = hostPort.indexOf(']');
            if (end < 0) {
                throw new IOException("bad address: " + hostPort);
            }
            host = hostPort.substring(1, end);
            if (hostPort.length() > end + 1) {
                if (hostPort.charAt(end + 1) != ':') {
                    throw new IOException("bad address: " + hostPort);
                }
                port = parsePort(hostPort.substring(end + 2), hostPort);
            }
        } else {
            int colon = hostPort.lastIndexOf(':');
            if (colon >= 0 && hostPort.indexOf(':') == colon) {
                host = hostPort.substring(0, colon);
                port = parsePort(hostPort.substring(colon + 1), hostPort);
            }
        }
        if (host.isEmpty() || hostPort.contains(",")) {
            throw new IOException("bad address (one host:port expected): " + hostPort);
        }
        return new InetSocketAddress(host, port);
    }

    private static int parsePort(String p, String whole) throws IOException {
        try {
            int port = Integer.parseInt(p);
            if (port <= 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return port;
        } catch (NumberFormatException e) {
            throw new IOException("bad port in " + whole);
        }
    }
}
