#!/usr/bin/env python3
"""rawhttp: what curl cannot send, for tests/http: raw request bytes and slow clients.

  rawhttp.py send URL HEXBYTES          -> prints the status line's code (or 'closed'/'timeout')
  rawhttp.py hold URL N SECONDS [SRC]   -> opens N connections that send half a request head,
                                           keeps them SECONDS, prints how many the server kept
  rawhttp.py trickle URL INTERVAL MAX   -> sends a head one byte per INTERVAL s; prints the
                                           seconds until the server closed it (or 'open')
  rawhttp.py churn URL N ROUNDS         -> ROUNDS times: opens N connections, asks each for
                                           /login, reads each answer whole, closes them all;
                                           prints how many connections ended unanswered
"""
import re
import socket
import sys
import time


def addr(url):
    m = re.match(r'https?://(\[[^\]]+\]|[^:/]+):(\d+)/', url)
    host = m.group(1).strip('[]')
    return host, int(m.group(2))


def send(url, data):
    s = socket.create_connection(addr(url), timeout=5)
    s.sendall(data)
    try:
        got = s.recv(64)
    except socket.timeout:
        return 'timeout'
    finally:
        s.close()
    if not got:
        return 'closed'
    m = re.match(rb'HTTP/1\.[01] (\d{3})', got)
    return m.group(1).decode() if m else 'garbage'


def hold(url, n, seconds, src=None):
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if src:
            s.bind((src, 0))
        s.settimeout(2)
        try:
            s.connect(addr(url))
            s.sendall(b'GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ')
            socks.append(s)
        except OSError:
            s.close()
    time.sleep(seconds)
    kept = 0
    for s in socks:
        s.setblocking(False)
        try:
            d = s.recv(1)
            if d == b'':
                continue
        except BlockingIOError:
            kept += 1
        except OSError:
            continue
    for s in socks:
        s.close()
    return kept


def trickle(url, interval, limit):
    s = socket.create_connection(addr(url), timeout=5)
    head = b'GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ' + b'a' * 4000
    t0 = time.monotonic()
    for b in head:
        if time.monotonic() - t0 > limit:
            return 'open'
        try:
            s.sendall(bytes([b]))
        except OSError:
            return '%.1f' % (time.monotonic() - t0)
        s.setblocking(False)
        try:
            if s.recv(1) == b'':
                return '%.1f' % (time.monotonic() - t0)
        except BlockingIOError:
            pass
        except OSError:
            return '%.1f' % (time.monotonic() - t0)
        s.setblocking(True)
        time.sleep(interval)
    return 'open'


def answered(s):
    """Whether the whole answer to one request comes on s (its head and Content-Length)."""
    got = b''
    while True:
        try:
            d = s.recv(65536)
        except OSError:
            return False
        if not d:
            return False
        got += d
        head, sep, body = got.partition(b'\r\n\r\n')
        if sep:
            m = re.search(rb'(?i)\r\ncontent-length: *(\d+)', head)
            if m and len(body) >= int(m.group(1)):
                return got.startswith(b'HTTP/1.1 200')


def churn(url, n, rounds):
    cut = 0
    for _ in range(rounds):
        socks = [socket.create_connection(addr(url), timeout=5) for _ in range(n)]
        for s in socks:
            s.sendall(b'GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
        cut += sum(not answered(s) for s in socks)
        for s in socks:
            s.close()
        if cut:
            break  # fails at once (each cut may have waited out the timeout)
    return cut


def main():
    cmd, url = sys.argv[1], sys.argv[2]
    if cmd == 'send':
        print(send(url, bytes.fromhex(sys.argv[3])))
    elif cmd == 'hold':
        print(hold(url, int(sys.argv[3]), float(sys.argv[4]),
                   sys.argv[5] if len(sys.argv) > 5 else None))
    elif cmd == 'trickle':
        print(trickle(url, float(sys.argv[3]), float(sys.argv[4])))
    elif cmd == 'churn':
        print(churn(url, int(sys.argv[3]), int(sys.argv[4])))


main()
