"""Clients that misbehave on purpose against the status API; each prints one JSON line with what it saw.

  http_abuse.py slow URL             a request head trickled a byte every 0.25 s: the answer and when it came
  http_abuse.py big URL              a request with 40 KiB of headers: the answer
  http_abuse.py silent URL N         N connections that send nothing, then one GET /healthz: every answer, in the
                                     order they came
  http_abuse.py flood WSURL N TOKEN  N live WebSockets, one after another, left open: how many stayed open and the
                                     close codes and reasons of the others; then waits to be killed
"""
import json
import socket
import struct
import sys
import threading
import time
from urllib.parse import urlparse

import websocket


def address(url):
    parsed = urlparse(url)
    return parsed.hostname, parsed.port


def read_answer(sock, timeout):
    """The status line's code and the body, read until the server closes (or `timeout`)."""
    sock.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = [int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")]
            if length and len(body) >= length[0] and b"connection: close" not in head.lower():
                break
    except (socket.timeout, ConnectionResetError):
        pass
    if not data:
        return None, ""
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), body.decode(errors="replace")


def slow(url):
    sock = socket.create_connection(address(url))
    start = time.monotonic()
    request = b"GET /healthz HTTP/1.1\r\nHost: test\r\nX-Trickle: " + b"a" * 400 + b"\r\n\r\n"
    sock.settimeout(0.25)
    sent = 0
    status, body = None, ""
    for byte in request:
        try:
            sock.sendall(bytes([byte]))
            sent += 1
        except (BrokenPipeError, ConnectionResetError):
            break
        try:
            if sock.recv(1, socket.MSG_PEEK):
                break
        except socket.timeout:
            continue
    status, body = read_answer(sock, 5)
    print(json.dumps({"status": status, "body": body, "seconds": time.monotonic() - start, "sent": sent}), flush=True)


def big(url):
    sock = socket.create_connection(address(url))
    headers = b"".join(b"X-Filler-%d: %s\r\n" % (n, b"b" * 1000) for n in range(40))
    try:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n" + headers + b"\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    status, body = read_answer(sock, 10)
    print(json.dumps({"status": status, "body": body}), flush=True)


def silent(url, count):
    answers = []
    lock = threading.Lock()
    sockets = [socket.create_connection(address(url)) for _ in range(count)]

    def wait(name, sock):
        status, body = read_answer(sock, 30)
        with lock:
            answers.append({"who": name, "status": status, "body": body})

    threads = [threading.Thread(target=wait, args=("silent", s)) for s in sockets]
    for thread in threads:
        thread.start()
    probe = socket.create_connection(address(url))
    probe.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
    wait("probe", probe)
    for thread in threads:
        thread.join()
    print(json.dumps({"answers": answers}), flush=True)


def flood(url, count, token):
    protocols = ["reel-ingest", "reel-ingest.token." + token]
    kept, refused = [], []
    for _ in range(count):
        ws = websocket.create_connection(url, subprotocols=protocols, timeout=5)
        ws.settimeout(1)
        try:
            opcode, data = ws.recv_data(control_frame=True)
        except websocket.WebSocketTimeoutException:
            kept.append(ws)
            continue
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else None
            refused.append({"code": code, "reason": data[2:].decode(errors="replace")})
            ws.close()
        else:
            kept.append(ws)
    print(json.dumps({"open": len(kept), "refused": refused}), flush=True)
    time.sleep(3600)


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "slow":
        slow(sys.argv[2])
    elif command == "big":
        big(sys.argv[2])
    elif command == "silent":
        silent(sys.argv[2], int(sys.argv[3]))
    elif command == "flood":
        flood(sys.argv[2], int(sys.argv[3]), sys.argv[4])
