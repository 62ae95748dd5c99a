#!/usr/bin/env python3
"""A tiny fault injector for the S3 tests: answers the first N requests with 503 SlowDown, then forwards every
request unchanged (Host header included, so SigV4 signatures stay valid) to the upstream S3 server.

Usage: fault-proxy.py UPSTREAM_URL FAILURES [LOG]   -- prints the port it listens on (127.0.0.1), then serves until
killed. With LOG, every forwarded request is appended to that file as a JSON line (method, path, x-amz-checksum-*
and x-amz-sdk-* headers, the body when it is XML, and the upstream's answer status), so tests can see what the
client sent and what was stored. FAULT_PROXY_PORT listens on that port (a proxy stopped and started again, as an S3
server going down and coming back); FAULT_PROXY_DELAY_MS holds every request that long (a slow uplink), and with
FAULT_PROXY_HELD names each request in that file once its body is read and before it is held.
"""
import os
import time
import http.client
import json
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

upstream = urllib.parse.urlsplit(sys.argv[1])
failures_left = int(sys.argv[2])
log_path = sys.argv[3] if len(sys.argv) > 3 else None
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        global failures_left
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with lock:
            fail = failures_left > 0
            if fail:
                failures_left -= 1
        if fail:
            payload = b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
            self.send_response(503)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
            sys.stderr.write(f"fault-proxy: 503 for {self.command} {self.path}\n")
            return
        delay = int(os.environ.get("FAULT_PROXY_DELAY_MS", "0"))
        if delay:
            held = os.environ.get("FAULT_PROXY_HELD")
            if held:
                # The whole request is here: a test may now act while the server has not answered.
                with lock, open(held, "a") as mark:
                    mark.write(f"{self.command} {self.path}\n")
            time.sleep(delay / 1000)
        record = None
        if log_path:
            record = {
                "method": self.command,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()
                            if k.lower().startswith(("x-amz-checksum", "x-amz-sdk-checksum"))},
                "body": body.decode("utf-8", "replace") if body.startswith(b"<") else "",
            }
        connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=120)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")}
        connection.request(self.command, self.path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        if record is not None:
            record["status"] = response.status
            with lock, open(log_path, "a") as log:
                log.write(json.dumps(record) + "\n")
                # The same line on stderr, so a test can await it instead of polling the file.
                sys.stderr.write(json.dumps(record) + "\n")
                sys.stderr.flush()
        self.send_response(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in ("transfer-encoding", "connection", "content-length", "server", "date"):
                self.send_header(name, value)
        # A HEAD answer announces the object's length without a body.
        length = response.getheader("Content-Length") if self.command == "HEAD" else None
        self.send_header("Content-Length", length or str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        connection.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PURGE = do_BAN = handle_any


ThreadingHTTPServer.allow_reuse_address = True
server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("FAULT_PROXY_PORT", "0"))), Handler)
print(server.server_address[1], flush=True)
sys.stderr.write(f"fault-proxy: listening on {server.server_address[1]}\n")
sys.stderr.flush()
server.serve_forever()
