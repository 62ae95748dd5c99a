#!/usr/bin/env python3
"""A TCP proxy with a capped uplink: bytes from clients to the server share one token bucket of RATE bit/s (a
factory's uplink), bytes back are not limited. Protocol-agnostic, so SigV4 signatures, keep-alive and
100-continue pass unchanged; every client (reel-ingest, aws CLI) shares the same cap.

Usage: throttle-proxy.py UPSTREAM_HOST:PORT LISTEN_PORT RATE_MBIT   -- serves until killed.
"""
import socket
import sys
import threading
import time

upstream_host, upstream_port = sys.argv[1].rsplit(":", 1)
listen_port = int(sys.argv[2])
rate = float(sys.argv[3]) * 1_000_000 / 8  # bytes per second
chunk = 16 * 1024


class Bucket:
    """Token bucket shared by every upload direction; a burst of at most 64 KiB."""

    def __init__(self, rate):
        self.rate = rate
        self.tokens = 0.0
        self.last = time.monotonic()
        self.lock = threading.Lock()

    def take(self, count):
        while True:
            with self.lock:
                now = time.monotonic()
                self.tokens = min(self.tokens + (now - self.last) * self.rate, 64 * 1024)
                self.last = now
                if self.tokens >= count:
                    self.tokens -= count
                    return
                wait = (count - self.tokens) / self.rate
            time.sleep(wait)


bucket = Bucket(rate)


def pump(source, target, limited):
    try:
        while True:
            data = source.recv(chunk)
            if not data:
                break
            if limited:
                bucket.take(len(data))
            target.sendall(data)
    except OSError:
        pass
    finally:
        for s in (source, target):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(client):
    try:
        server = socket.create_connection((upstream_host, int(upstream_port)))
    except OSError:
        client.close()
        return
    threading.Thread(target=pump, args=(client, server, True), daemon=True).start()
    threading.Thread(target=pump, args=(server, client, False), daemon=True).start()


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", listen_port))
listener.listen(64)
while True:
    connection, _ = listener.accept()
    serve(connection)
