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
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.DescribeClusterRequest;
import org.apache.kafka.common.requests.DescribeClusterResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * The {@code brokers} op: DescribeCluster as seen by exactly one broker.
 *
 * <p>A fresh Admin bootstrapped at one address is not enough for that: after its bootstrap
 * metadata fetch, Admin sends DescribeCluster to the "least loaded" node of the whole
 * cluster, i.e. very likely another broker, so the answer would not be the chosen broker's
 * view (and a dead peer would slow it down). Readiness checks want "has broker X caught up",
 * so this speaks the Kafka protocol on one short-lived PLAINTEXT socket instead, using the
 * request/response classes of kafka-clients: ApiVersions (to pick a version both sides
 * support), then DescribeCluster, answered from that broker's own metadata image.
 *
 * <p>Note: under KRaft, a broker reports a random live broker as "controller" (clients
 * cannot reach the real controllers); the active controller is {@code snapshot}'s
 * {@code controller.leader_id}.
 */
final class BrokerProbe {
    private static final int MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

    private BrokerProbe() {
    }

    static ObjectNode describe(String bootstrap, int timeoutMs) throws IOException, Observer.PlainError {
        InetSocketAddress addr = parse(bootstrap);
        if (addr.isUnresolved()) {
            throw new IOException("cannot resolve host of " + bootstrap);
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(addr, timeoutMs);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            DataInputStream in = new DataInputStream(s.getInputStream());

            ApiVersionsResponse av = (ApiVersionsResponse) roundTrip(s, out, in, deadline,
                    new ApiVersionsRequest.Builder().build((short) 3), 1);
            if (av.data().errorCode() != Errors.NONE.code()) {
                throw new IOException("ApiVersions: " + Errors.forCode(av.data().errorCode()).name());
            }
            ApiVersionsResponseData.ApiVersion dcv = av.apiVersion(ApiKeys.DESCRIBE_CLUSTER.id);
            if (dcv == null) {
                throw new IOException("broker does not support DescribeCluster");
            }
            short version = (short) Math.min(dcv.maxVersion(), ApiKeys.DESCRIBE_CLUSTER.latestVersion());
            if (version < dcv.minVersion() || version < ApiKeys.DESCRIBE_CLUSTER.oldestVersion()) {
                throw new IOException("no DescribeCluster version in common with the broker");
            }
            DescribeClusterResponse dc = (DescribeClusterResponse) roundTrip(s, out, in, deadline,
                    new DescribeClusterRequest.Builder(new DescribeClusterRequestData()).build(version), 2);
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
        } catch (SocketTimeoutException e) {
            throw new Observer.PlainError(
                    "TimeoutException: no answer from " + bootstrap + " within " + timeoutMs + " ms");
        } catch (EOFException e) {
            throw new Observer.PlainError("connection to " + bootstrap + " closed by the broker");
        }
    }

    private static AbstractResponse roundTrip(Socket s, DataOutputStream out, DataInputStream in, long deadline,
            AbstractRequest req, int correlationId) throws IOException {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
            throw new SocketTimeoutException();
        }
        s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
        RequestHeader header = new RequestHeader(req.apiKey(), req.version(), "ldfi-observer", correlationId);
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
