"""Loopback TCP proxy that delays every chunk by a fixed time in each direction (default 10 ms: 20 ms per round
trip) without limiting throughput: chunks are queued with their due time, so a pipelined stream keeps flowing.

    python3 delay_proxy.py LISTEN_PORT TARGET_PORT [ONE_WAY_SECONDS]
"""
import asyncio
import sys
import time

LISTEN_PORT, TARGET_PORT = int(sys.argv[1]), int(sys.argv[2])
DELAY = float(sys.argv[3]) if len(sys.argv) > 3 else 0.010


async def pipe(reader, writer):
    queue = asyncio.Queue()

    async def pump():
        while True:
            data = await reader.read(1 << 16)
            await queue.put((time.monotonic() + DELAY, data))
            if not data:
                return

    async def deliver():
        while True:
            due, data = await queue.get()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                writer.close()
                return
            writer.write(data)
            await writer.drain()

    await asyncio.gather(pump(), deliver(), return_exceptions=True)


async def handle(client_reader, client_writer):
    server_reader, server_writer = await asyncio.open_connection("127.0.0.1", TARGET_PORT)
    await asyncio.gather(pipe(client_reader, server_writer), pipe(server_reader, client_writer),
                         return_exceptions=True)


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", LISTEN_PORT)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
