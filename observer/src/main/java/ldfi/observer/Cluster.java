package ldfi.observer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;

/**
 * The brokers the observer knows and its connections to them, kept across requests.
 *
 * <p>The targets of cluster-wide questions are the bootstrap addresses plus any broker
 * advertised in a DescribeCluster answer at an address not already among them. Broker ids
 * are mapped to endpoints as DescribeCluster answers name them, so a broker stays reachable
 * by id (for its log dirs, the partitions it leads, the groups it coordinates) after it has
 * been fenced and left the answers.
 *
 * <p>Each endpoint has two lanes (connections): MAIN for questions a broker answers from
 * its own state, QUORUM for DescribeQuorum, which a broker forwards to the active
 * controller and which may therefore hang (a broker serves one connection's requests in
 * order, so a hanging forward must not hold up the rest).
 *
 * <p>The KRaft controllers' own endpoints (controller listener) are learned from
 * DescribeQuorum answers (version 2 lists the voters' listeners), so that DescribeQuorum can
 * also go to them directly: a broker's forwarding channel to the controller carries one
 * request at a time, and one stuck on a paused ex-controller blocks it for the broker's
 * request.timeout.ms (30 s), long after a new controller has been elected.
 */
final class Cluster {
    static final int MAIN = 0;
    static final int QUORUM = 1;

    final class Endpoint {
        final String address;
        /** A KRaft controller's listener, not a broker's. */
        final boolean controller;
        private InetSocketAddress addr;
        private final KafkaConn[] lanes = new KafkaConn[2];

        private Endpoint(String address, InetSocketAddress addr, boolean controller) {
            this.address = address;
            this.addr = addr;
            this.controller = controller;
        }

        String host() {
            return addr.getHostString();
        }

        int port() {
            return addr.getPort();
        }

        CompletableFuture<AbstractResponse> send(int lane, AbstractRequest.Builder<?> request, long deadlineNanos) {
            KafkaConn conn;
            synchronized (this) {
                if (addr.isUnresolved()) {
                    addr = new InetSocketAddress(addr.getHostString(), addr.getPort()); // try again
                }
                if (addr.isUnresolved()) {
                    return CompletableFuture.failedFuture(new IOException("cannot resolve host of " + address));
                }
                if (lanes[lane] == null || !lanes[lane].usable()) {
                    lanes[lane] = new KafkaConn(address, addr);
                }
                conn = lanes[lane];
            }
            return conn.send(request, deadlineNanos);
        }

        synchronized void close() {
            for (KafkaConn c : lanes) {
                if (c != null) {
                    c.close(new IOException("observer shutting down"));
                }
            }
        }

        @Override
        public String toString() {
            return address;
        }
    }

    private final List<Endpoint> targets = new ArrayList<>();
    private final Map<Integer, Endpoint> byId = new HashMap<>();
    private final Map<Integer, Endpoint> controllerById = new TreeMap<>();

    Cluster(String bootstrap) throws IOException {
        for (String s : bootstrap.split(",")) {
            if (s.isBlank()) {
                continue;
            }
            InetSocketAddress a = BrokerProbe.parse(s.trim());
            if (find(a) == null) {
                targets.add(new Endpoint(s.trim(), a, false));
            }
        }
        if (targets.isEmpty()) {
            throw new IOException("no bootstrap address in '" + bootstrap + "'");
        }
    }

    /** Whom to ask cluster-wide questions, in a stable order. */
    synchronized List<Endpoint> targets() {
        return new ArrayList<>(targets);
    }

    /** The endpoint of broker {@code id}, or null if no answer has named it yet. */
    synchronized Endpoint endpoint(int id) {
        return byId.get(id);
    }

    /** Records that broker {@code id} advertises host:port. */
    synchronized void learn(int id, String host, int port) {
        Endpoint known = byId.get(id);
        if (known != null && known.host().equals(host) && known.port() == port) {
            return;
        }
        InetSocketAddress a = new InetSocketAddress(host, port);
        Endpoint e = find(a);
        if (e == null) {
            e = new Endpoint(host + ":" + port, a, false);
            if (!a.isUnresolved()) {
                targets.add(e);
            }
        }
        byId.put(id, e);
    }

    /** The KRaft controllers known so far (their controller listeners), in a stable order. */
    synchronized List<Endpoint> controllers() {
        return new ArrayList<>(controllerById.values());
    }

    /** Records that controller {@code id} listens at host:port. */
    synchronized void learnController(int id, String host, int port) {
        Endpoint known = controllerById.get(id);
        if (known != null && known.host().equals(host) && known.port() == port) {
            return;
        }
        InetSocketAddress a = new InetSocketAddress(host, port);
        if (!a.isUnresolved()) {
            if (known != null) {
                known.close();
            }
            controllerById.put(id, new Endpoint(host + ":" + port, a, true));
        }
    }

    private Endpoint find(InetSocketAddress a) {
        for (Endpoint e : targets) {
            if (e.addr.equals(a)
                    || (e.addr.getHostString().equals(a.getHostString()) && e.addr.getPort() == a.getPort())) {
                return e;
            }
        }
        return null;
    }

    synchronized void close() {
        for (Endpoint e : targets) {
            e.close();
        }
        for (Endpoint e : byId.values()) {
            e.close();
        }
        for (Endpoint e : controllerById.values()) {
            e.close();
        }
    }
}
