package ldfi.streams;

import java.util.concurrent.atomic.AtomicLong;

/** Reading and writing the apps' record values: decimal integers as text, JSON text. */
final class Values {
    private Values() {}

    /** The decimal integer a value holds ("57", " -3 "), or null when it holds none. */
    static Long integer(String value) {
        if (value == null) {
            return null;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** A JSON string literal, or {@code null} for null. */
    static String json(String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /** A join's output: {"left":...,"right":...}, a missing side null. */
    static String pair(String left, String right) {
        return "{\"left\":" + json(left) + ",\"right\":" + json(right) + "}";
    }

    /**
     * Counts the records an app drops as malformed and says so on stderr,
     * for the first and then every 1000th: a stream of bad input must not
     * turn into a stream of log lines.
     */
    static final class Dropped {
        private final String app;
        private final AtomicLong count = new AtomicLong();

        Dropped(String app) {
            this.app = app;
        }

        /** Notes one dropped record (its key and value, for the log line). */
        void record(String key, String value, String why) {
            long n = count.incrementAndGet();
            if (n % 1000 == 1) {
                System.err.println(app + ": dropped a record (key " + key + ", value " + value + "): " + why
                        + " (" + n + " dropped so far; logged once per 1000)");
            }
        }

        long count() {
            return count.get();
        }
    }
}
