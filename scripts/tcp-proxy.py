#!/usr/bin/env python3
"""A plain TCP forwarder for tests: tcp-proxy.py PORT UPSTREAM_HOST UPSTREAM_PORT.

Stopping it (SIGKILL) cuts every connection through it and refuses new ones, as a network cut between an agent and
its database would; starting it again on the same port restores the path. Prints "tcp-proxy: listening on PORT".
"""
import asyncio
import sys

port, host, upstream_port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def handle(client_reader, client_writer):
    try:
        upstream_reader, upstream_writer = await asyncio.open_connection(host, upstream_port)
    except OSError:
        client_writer.close()
        return
    await asyncio.gather(pipe(client_reader, upstream_writer), pipe(upstream_reader, client_writer))


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", port, reuse_address=True)
    print(f"tcp-proxy: listening on {port}", flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
