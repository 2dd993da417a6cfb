"""A plain Kafka copy app in Python (confluent-kafka), with no ldfi code.

It reads one topic in a consumer group and writes every record, key, value
and headers, to another. How it commits is its whole correctness:

COMMIT=after (the default): produce, wait for every write to be
acknowledged (flush), then commit the input offsets. A crash repeats work
(duplicates) but loses nothing: at-least-once.

COMMIT=before: commit what was polled, then do the work and produce. A crash
between the commit and the produce loses the batch: the classic
at-most-once mistake. WORK_SECS is how long the work takes.

Usage: copy.py BOOTSTRAP INPUT OUTPUT GROUP
"""
import os
import sys
import time

from confluent_kafka import Consumer, Producer

bootstrap, source, sink, group = sys.argv[1:5]
mode = os.environ.get("COMMIT", "after")
work = float(os.environ.get("WORK_SECS", "1.0"))
consumer = Consumer({
    "bootstrap.servers": bootstrap,
    "group.id": group,
    "enable.auto.commit": False,
    "auto.offset.reset": "earliest",
    "session.timeout.ms": int(os.environ.get("SESSION_TIMEOUT_MS", "45000")),
})
producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True})
consumer.subscribe([source])
print(f"copy {source} -> {sink} as {group}, commit {mode}", flush=True)
while True:
    batch = [m for m in consumer.consume(num_messages=100, timeout=0.5) if m.error() is None]
    if not batch:
        continue
    if mode == "before":
        consumer.commit(asynchronous=False)
        time.sleep(work)
    for m in batch:
        producer.produce(sink, key=m.key(), value=m.value(), headers=m.headers())
    producer.flush()
    if mode == "after":
        consumer.commit(asynchronous=False)
