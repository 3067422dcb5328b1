#!/usr/bin/python3
"""A real SMTP server for the tests (Debian's python3-aiosmtpd): listens on a free loopback
port, prints "smtp-sink: listening on 127.0.0.1:PORT", and writes every message it receives
to DIR/N.eml (the raw bytes as received) with DIR/N.rcpt (the envelope's recipients).

usage: smtp-sink.py DIR
"""
import asyncio
import os
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, out):
        self.out = out
        self.n = 0

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        base = os.path.join(self.out, "%d" % self.n)
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(base + ".rcpt", "w") as f:
            f.write("\n".join(envelope.rcpt_tos) + "\n")
        os.rename(base + ".tmp", base + ".eml")
        return "250 OK"


async def main(out):
    loop = asyncio.get_running_loop()
    sink = Sink(out)
    server = await loop.create_server(lambda: SMTP(sink, hostname="sink.test"), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print("smtp-sink: listening on 127.0.0.1:%d" % port, flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    os.makedirs(sys.argv[1], exist_ok=True)
    try:
        asyncio.run(main(sys.argv[1]))
    except KeyboardInterrupt:
        pass
