"""Prints every event of a reel-ingest WebSocket as one JSON line, as a browser would connect: the token in the
subprotocol list. Usage: ws_events.py URL [TOKEN]. Ends when the server closes the socket (or it is killed)."""
import json
import sys

import websocket

url = sys.argv[1]
protocols = ["reel-ingest"]
if len(sys.argv) > 2 and sys.argv[2]:
    protocols.append("reel-ingest.token." + sys.argv[2])
try:
    ws = websocket.create_connection(url, subprotocols=protocols, timeout=300)
except websocket.WebSocketBadStatusException as error:
    print(json.dumps({"refused": error.status_code}), flush=True)
    sys.exit(0)
print(json.dumps({"connected": True, "subprotocol": ws.getsubprotocol()}), flush=True)
while True:
    try:
        message = ws.recv()
    except websocket.WebSocketConnectionClosedException:
        break
    if not message:
        break
    print(message, flush=True)
print(json.dumps({"closed": True}), flush=True)
