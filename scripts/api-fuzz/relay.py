#!/usr/bin/env python3
"""A loopback TCP port that relays each connection to fleetd's control socket, byte for byte.

schemathesis speaks HTTP over TCP only; this lets it reach the unix socket unchanged (half-closes
included). fleetd sees the relay's credentials: run it as the user whose tier is to be fuzzed.
Prints the port, then serves until killed.
usage: relay.py CONTROL_SOCKET
"""
import asyncio
import sys


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, OSError):
        writer.close()


async def serve(socket_path):
    async def handle(client_reader, client_writer):
        try:
            fleet_reader, fleet_writer = await asyncio.open_unix_connection(socket_path)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pipe(client_reader, fleet_writer), pipe(fleet_reader, client_writer))
        client_writer.close()
        fleet_writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1]))
