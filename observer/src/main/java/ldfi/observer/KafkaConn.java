package ldfi.observer;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.NodeApiVersions;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * One PLAINTEXT connection to one broker address, speaking the Kafka protocol with the
 * request/response classes of kafka-clients: connect, ApiVersions, then any number of
 * pipelined requests, each answered through a future.
 *
 * <p>Why not the Admin client: Admin sends cluster-wide questions (metadata, describeCluster,
 * describeMetadataQuorum, FindCoordinator) to one "least loaded" node of its choice. A paused
 * broker (cgroup freezer) still accepts TCP connections but never answers, so Admin keeps
 * choosing it, waiting, disconnecting and choosing it again, and a snapshot taken exactly
 * during a fault gets nothing. With one connection per broker the observer decides itself
 * whom to ask, asks several brokers at once, and a silent broker costs nothing but its own
 * answers (see {@link Snapshot}).
 *
 * <p>Every request has a deadline. When one passes without an answer, the request fails with
 * a {@link TimeoutException} and the connection is marked stale: it takes no new requests (the
 * next one opens a fresh connection) and it is closed once its last request is settled. A
 * request is never failed early because another one on the same connection timed out. A
 * connection that cannot be opened or is lost fails all of its requests with an IOException.
 *
 * <p>Threads: one daemon reader thread per connection (it also connects and negotiates API
 * versions, so a broker that hangs there blocks nobody else); writes happen on a shared pool.
 */
final class KafkaConn {
    static final String CLIENT_ID = "ldfi-observer";
    private static final int MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
    /** Safety net only: a request's own deadline closes a hanging connection much earlier. */
    private static final int CONNECT_TIMEOUT_MS = 10_000;

    static final ScheduledExecutorService TIMER =
            Executors.newSingleThreadScheduledExecutor(daemon("ldfi-observer-timer"));
    /** Writes, and the blocking per-broker tasks of a snapshot. */
    static final ExecutorService POOL = Executors.newCachedThreadPool(daemon("ldfi-observer-worker"));

    final String address;
    private final InetSocketAddress addr;
    private final Socket socket = new Socket();
    private final CompletableFuture<NodeApiVersions> ready = new CompletableFuture<>();
    private final ConcurrentHashMap<Integer, Pending> inflight = new ConcurrentHashMap<>();
    private final AtomicInteger correlation = new AtomicInteger();
    private final AtomicInteger outstanding = new AtomicInteger();
    private volatile boolean stale;
    private Throwable closedBy; // guarded by this
    private DataOutputStream out; // guarded by this

    private record Pending(RequestHeader header, CompletableFuture<AbstractResponse> future) {
    }

    KafkaConn(String address, InetSocketAddress addr) {
        this.address = address;
        this.addr = addr;
        Thread t = new Thread(this::run, "ldfi-observer-conn-" + address);
        t.setDaemon(true);
        t.start();
    }

    /** False once stale or closed: the caller should open a new connection. */
    synchronized boolean usable() {
        return !stale && closedBy == null;
    }

    /**
     * Sends the request at the highest version both sides support; the future fails with a
     * {@link TimeoutException} at {@code deadlineNanos} (System.nanoTime) if no answer came.
     */
    CompletableFuture<AbstractResponse> send(AbstractRequest.Builder<?> builder, long deadlineNanos) {
        CompletableFuture<AbstractResponse> f = new CompletableFuture<>();
        long ms = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
        if (ms <= 0) {
            f.completeExceptionally(new TimeoutException("no time left to ask " + address));
            return f;
        }
        outstanding.incrementAndGet();
        ScheduledFuture<?> timer = TIMER.schedule(() -> {
            if (!f.isDone()) {
                stale = true; // before completing: the completion below may be the last one
                f.completeExceptionally(new TimeoutException("no answer from " + address + " within " + ms + " ms"));
            }
        }, ms, TimeUnit.MILLISECONDS);
        f.whenComplete((r, e) -> {
            timer.cancel(false);
            if (outstanding.decrementAndGet() == 0 && stale) {
                close(new IOException("stale connection closed"));
            }
        });
        ready.whenCompleteAsync((versions, err) -> {
            if (err != null) {
                f.completeExceptionally(err);
            } else if (!f.isDone()) {
                try {
                    write(builder, versions, f);
                } catch (Throwable e) {
                    f.completeExceptionally(e);
                }
            }
        }, POOL);
        return f;
    }

    private void write(AbstractRequest.Builder<?> builder, NodeApiVersions versions,
            CompletableFuture<AbstractResponse> f) throws IOException {
        ApiKeys key = builder.apiKey();
        // Throws UnsupportedVersionException when there is no version in common.
        short version = versions.latestUsableVersion(key, builder.oldestAllowedVersion(),
                builder.latestAllowedVersion());
        AbstractRequest request = builder.build(version);
        int corr = correlation.incrementAndGet();
        RequestHeader header = new RequestHeader(key, version, CLIENT_ID, corr);
        ByteBuffer buf = request.serializeWithHeader(header);
        inflight.put(corr, new Pending(header, f));
        f.whenComplete((r, e) -> inflight.remove(corr));
        try {
            writeFrame(buf);
        } catch (IOException e) {
            close(e);
            throw lost(e);
        }
    }

    private synchronized void writeFrame(ByteBuffer buf) throws IOException {
        if (closedBy != null) {
            throw lost(closedBy);
        }
        byte[] bytes = new byte[buf.remaining()];
        buf.get(bytes);
        out.writeInt(bytes.length);
        out.write(bytes);
        out.flush();
    }

    private void run() {
        try {
            socket.setTcpNoDelay(true);
            socket.connect(addr, CONNECT_TIMEOUT_MS);
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
            synchronized (this) {
                out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
            }
            RequestHeader avHeader = new RequestHeader(ApiKeys.API_VERSIONS, (short) 3, CLIENT_ID, 0);
            writeFrame(new ApiVersionsRequest.Builder().build((short) 3).serializeWithHeader(avHeader));
            ApiVersionsResponse av = (ApiVersionsResponse) AbstractResponse.parseResponse(readFrame(in), avHeader);
            if (av.data().errorCode() != Errors.NONE.code()) {
                throw new IOException("ApiVersions: " + Errors.forCode(av.data().errorCode()).name());
            }
            ready.complete(new NodeApiVersions(av.data().apiKeys(), av.data().supportedFeatures()));
            while (true) {
                ByteBuffer body = readFrame(in);
                Pending p = inflight.get(body.getInt(0)); // every response header starts with the correlation id
                if (p == null) {
                    continue; // its request timed out meanwhile
                }
                try {
                    p.future.complete(AbstractResponse.parseResponse(body, p.header));
                } catch (RuntimeException e) {
                    p.future.completeExceptionally(e);
                }
            }
        } catch (Throwable e) {
            close(e);
        }
    }

    private static ByteBuffer readFrame(DataInputStream in) throws IOException {
        int size = in.readInt();
        if (size < 4 || size > MAX_RESPONSE_BYTES) {
            throw new IOException("bad response size " + size + " (not a Kafka PLAINTEXT listener?)");
        }
        byte[] body = new byte[size];
        in.readFully(body);
        return ByteBuffer.wrap(body);
    }

    /** Closes the socket and fails every request still waiting, with an error naming the cause. */
    void close(Throwable cause) {
        synchronized (this) {
            if (closedBy != null) {
                return;
            }
            closedBy = cause;
        }
        try {
            socket.close(); // also aborts a connect or read in progress on the reader thread
        } catch (IOException e) {
            // closing anyway
        }
        IOException e = lost(cause);
        ready.completeExceptionally(e);
        for (Pending p : inflight.values()) {
            p.future.completeExceptionally(e);
        }
    }

    private IOException lost(Throwable cause) {
        if (cause instanceof EOFException) {
            return new IOException("connection to " + address + " closed by the broker");
        }
        return new IOException("connection to " + address + " failed: " + Observer.describe(cause));
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
