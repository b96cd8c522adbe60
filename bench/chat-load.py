#!/usr/bin/python3
"""A load on dlg chat serve, on 127.0.0.1 only.

VISITORS visitors register, each opens a live event stream and keeps it
open, then together they send MESSAGES messages, each visitor its share one
after another on its own keep-alive connection.  Then a few answers are
written into out/ as dlg send writes them, and each must reach its
visitor's stream.

Checked (exit 1 when not so): every message answered 201 is in the spool's
new/ exactly once, no message was refused, every stream stayed open, every
answer arrived.  Reported (one JSON object on stdout): the time from a
visitor's send to the gateway's 201, which it answers only after the spool
file is fsynced and renamed into new/ (so it bounds the send-to-spool
latency from above), as p50/p99; the answers' latency; the gateway's
memory (VmRSS and its peak, VmHWM) and threads.

With --term-after N the gateway gets SIGTERM once N messages were
accepted: then messages may be refused, but none accepted may be missing.

Usage: chat-load.py --url http://127.0.0.1:PORT --spool DIR --pid PID
                    [--visitors 1000] [--messages 20000] [--term-after N]
"""
import argparse
import asyncio
import json
import os
import resource
import signal
import sys
import time
import urllib.parse


def proc_status(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM", "Threads"):
                    out[k] = int(v.split()[0])
    except OSError:
        pass
    return out


def percentile(values, p):
    if not values:
        return None
    v = sorted(values)
    k = max(0, min(len(v) - 1, int(len(v) * p + 0.999999) - 1))
    return v[k]


class Conn:
    """One keep-alive HTTP/1.1 connection: enough of a client for the gateway."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.r = self.w = None

    async def open(self):
        self.r, self.w = await asyncio.open_connection(self.host, self.port)

    async def request(self, method, path, token=None, body=None):
        if self.w is None:
            await self.open()
        data = json.dumps(body).encode() if body is not None else b""
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        if token:
            head += f"Authorization: Bearer {token}\r\n"
        if body is not None:
            head += "Content-Type: application/json\r\n"
        head += f"Content-Length: {len(data)}\r\n\r\n"
        self.w.write(head.encode() + data)
        await self.w.drain()
        status_line = await self.r.readline()
        if not status_line:
            raise ConnectionError("connection closed")
        status = int(status_line.split()[1])
        length, close, headers = 0, False, {}
        while True:
            line = await self.r.readline()
            if line in (b"\r\n", b""):
                break
            k, _, v = line.decode("latin-1").partition(":")
            headers[k.strip().lower()] = v.strip()
        length = int(headers.get("content-length", "0"))
        payload = await self.r.readexactly(length) if length else b""
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, payload

    def close(self):
        if self.w is not None:
            self.w.close()
        self.r = self.w = None


class Stream:
    """A visitor's GET /v1/events, kept open; records when each answer id arrives."""

    def __init__(self, host, port, token):
        self.host, self.port, self.token = host, port, token
        self.arrived = {}
        self.ended = False
        self.ready = asyncio.Event()

    async def run(self):
        r, w = await asyncio.open_connection(self.host, self.port)
        w.write((f"GET /v1/events HTTP/1.1\r\nHost: {self.host}\r\n"
                 f"Authorization: Bearer {self.token}\r\n\r\n").encode())
        await w.drain()
        self.w = w
        try:
            status = await r.readline()
            if b" 200 " not in status:
                raise ConnectionError(status.decode("latin-1").strip())
            while (await r.readline()) not in (b"\r\n", b""):
                pass
            self.ready.set()
            event_id, buf = None, b""
            while True:  # chunked transfer: a size line, then that many bytes
                size = int((await r.readline()).split(b";")[0], 16)
                if size == 0:
                    break
                buf += await r.readexactly(size)
                await r.readexactly(2)
                *lines, buf = buf.split(b"\n")
                for line in lines:
                    text = line.decode("utf-8", "replace")
                    if text.startswith("id: "):
                        event_id = text[4:]
                    elif text.startswith("data:") and event_id:
                        self.arrived.setdefault(event_id, time.monotonic())
        except (ConnectionError, asyncio.IncompleteReadError, OSError, ValueError):
            pass
        finally:
            self.ended = True
            self.ready.set()
            w.close()

    def stop(self):
        if getattr(self, "w", None):
            self.w.close()


def write_answer(spool, key, visitor, text):
    """An answer as dlg send writes it: tmp/ then renamed into out/."""
    body = json.dumps({"id": key, "dialog": "0" * 16, "visitor": visitor, "source": "chat",
                       "operator": "load", "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                       "text": text, "attachments": []}).encode()
    tmp = os.path.join(spool, "tmp", "w." + key)
    with open(tmp, "wb") as f:
        f.write(body)
    os.rename(tmp, os.path.join(spool, "out", key + ".json"))


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--spool", required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--visitors", type=int, default=1000)
    ap.add_argument("--messages", type=int, default=20000)
    ap.add_argument("--answers", type=int, default=20)
    ap.add_argument("--term-after", type=int, default=0)
    a = ap.parse_args()
    u = urllib.parse.urlsplit(a.url)
    host, port = u.hostname, u.port
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    problems = []

    # visitors, 50 at a time
    tokens = [None] * a.visitors
    sem = asyncio.Semaphore(50)

    async def register(i):
        async with sem:
            c = Conn(host, port)
            st, _, body = await c.request("POST", "/v1/visitors", body={"name": f"Load {i}"})
            c.close()
            if st != 201:
                raise RuntimeError(f"POST /v1/visitors: {st} {body[:200]!r}")
            j = json.loads(body)
            tokens[i] = (j["visitor"], j["token"])

    await asyncio.gather(*(register(i) for i in range(a.visitors)))

    streams = [Stream(host, port, t) for _, t in tokens]
    stream_tasks = [asyncio.create_task(s.run()) for s in streams]
    await asyncio.gather(*(s.ready.wait() for s in streams))
    open_streams = sum(not s.ended for s in streams)
    if open_streams != a.visitors:
        problems.append(f"{a.visitors - open_streams} event streams did not open")
    with_streams = proc_status(a.pid)

    latencies, refused, accepted = [], [], set()
    per = [a.messages // a.visitors + (1 if i < a.messages % a.visitors else 0) for i in range(a.visitors)]

    async def send(i):
        c = Conn(host, port)
        for k in range(per[i]):
            t0 = time.monotonic()
            try:
                st, h, body = await c.request("POST", "/v1/messages", token=tokens[i][1],
                                              body={"text": f"load {i} {k}"})
            except (ConnectionError, asyncio.IncompleteReadError, OSError) as e:
                refused.append(f"visitor {i} message {k}: {e}")
                c.close()
                continue
            if st == 201:
                latencies.append(time.monotonic() - t0)
                accepted.add(f"load {i} {k}")
                if a.term_after and len(accepted) == a.term_after:
                    try:
                        os.kill(a.pid, signal.SIGTERM)
                    except ProcessLookupError:
                        problems.append("the gateway was gone before its SIGTERM")
            else:
                refused.append(f"visitor {i} message {k}: {st} {body[:100]!r}")
        c.close()

    start = time.monotonic()
    await asyncio.gather(*(send(i) for i in range(a.visitors)))
    seconds = time.monotonic() - start
    after_send = proc_status(a.pid) or with_streams

    # answers, while every stream is still open
    answer_lat = []
    if a.answers and not a.term_after:
        sent = {}
        for n in range(min(a.answers, a.visitors)):
            i = n * a.visitors // min(a.answers, a.visitors)
            key = f"{0xa000000000000000 + n:016x}"
            sent[key] = (i, time.monotonic())
            write_answer(a.spool, key, tokens[i][0], f"answer {n}")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not all(k in streams[i].arrived for k, (i, _) in sent.items()):
            await asyncio.sleep(0.01)
        for key, (i, t0) in sent.items():
            if key in streams[i].arrived:
                answer_lat.append(streams[i].arrived[key] - t0)
            else:
                problems.append(f"answer {key} did not reach visitor {i}")
        # and no stream got another's answer
        for j, s in enumerate(streams):
            for key in s.arrived:
                if key in sent and sent[key][0] != j:
                    problems.append(f"visitor {j} got visitor {sent[key][0]}'s answer")

    still_open = sum(not s.ended for s in streams)
    if still_open != a.visitors and not a.term_after:
        problems.append(f"{a.visitors - still_open} event streams ended early")
    for s in streams:
        s.stop()
    await asyncio.gather(*stream_tasks, return_exceptions=True)

    # the spool: every accepted message once, and only those
    seen = {}
    newdir = os.path.join(a.spool, "new")
    for name in os.listdir(newdir):
        with open(os.path.join(newdir, name), "rb") as f:
            text = json.load(f).get("text", "")
        if text.startswith("load "):
            seen[text] = seen.get(text, 0) + 1
    lost = len(accepted - set(seen))
    duplicated = sum(n - 1 for n in seen.values() if n > 1)
    if refused and not a.term_after:
        problems.append(f"{len(refused)} messages refused, e.g. {refused[0]}")
    if lost:
        problems.append(f"{lost} accepted messages are not in new/")
    if duplicated:
        problems.append(f"{duplicated} messages are in new/ twice")

    ms = lambda v: None if v is None else round(v * 1000, 1)
    report = {
        "visitors": a.visitors, "messages": a.messages, "accepted": len(latencies),
        "refused": len(refused), "lost": lost, "duplicated": duplicated,
        "seconds": round(seconds, 2), "messages_per_s": round(len(latencies) / seconds, 1) if seconds else None,
        "send_to_spool_p50_ms": ms(percentile(latencies, 0.5)),
        "send_to_spool_p99_ms": ms(percentile(latencies, 0.99)),
        "answer_p50_ms": ms(percentile(answer_lat, 0.5)),
        "answer_max_ms": ms(max(answer_lat) if answer_lat else None),
        "rss_kb_streams_open": with_streams.get("VmRSS"),
        "rss_kb_after": after_send.get("VmRSS"),
        "peak_rss_kb": after_send.get("VmHWM"),
        "threads": with_streams.get("Threads"),
        "problems": problems,
    }
    print(json.dumps(report))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
