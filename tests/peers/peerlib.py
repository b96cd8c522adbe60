"""Shared plumbing of the local HTTP peers in tests/peers (telegram.py, vk.py,
facebook.py): command line, server start-up and lifetime, request bodies and
parameters, the request log (requests.jsonl), JSON answers and the control
API's frame (/_ctl/<what>, /_ctl/quit, the /_ctl/fail rule queue with its
"hang" and "malformed" modes).  Each peer keeps its provider's API to itself.

Standard library only."""

import argparse
import email.parser
import hashlib
import json
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Silent(Exception):
    """The answer (or deliberate lack of one) has been dealt with."""


def file_meta(data, filename, content_type):
    return {"filename": filename, "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(), "content_type": content_type}


def files_meta(files):
    """The "files" of a request-log entry for parse_params' files."""
    return {k: file_meta(d, n, c) for k, (n, c, d) in files.items()}


def as_string(v):
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)


def parse_multipart(body, boundary, file_fields=()):
    """Returns ({name: str}, {name: (filename, content_type, bytes)}); a part is
    a file if it has a filename or its name is in file_fields."""
    params, files = {}, {}
    delim = b"\r\n--" + boundary.encode("latin-1")
    for piece in (b"\r\n" + body).split(delim)[1:]:
        if piece.startswith(b"--"):
            break
        head, sep, data = piece.partition(b"\r\n\r\n")
        if not sep:
            continue
        headers = email.parser.HeaderParser().parsestr(
            head.lstrip(b" \t").removeprefix(b"\r\n").decode("utf-8", "replace"))
        name = headers.get_param("name", header="content-disposition")
        if name is None:
            continue
        filename = headers.get_filename()
        if filename is not None or name in file_fields:
            files[name] = (filename, headers.get_content_type(), data)
        else:
            params[name] = data.decode(headers.get_content_charset() or "utf-8", "replace")
    return params, files


def parse_params(query, body, headers, strict=False, file_fields=()):
    """An API call's parameters: the query's, then the body's.  The body is read
    as multipart/form-data, a JSON object (values that are not strings become
    JSON text) or, for any other content type, a urlencoded form; strict: only
    multipart and application/x-www-form-urlencoded bodies count.  A body that
    does not parse adds nothing.  Returns (params, files) as parse_multipart."""
    params = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
    files = {}
    ctype = headers.get_content_type()
    try:
        if body and ctype == "application/json" and not strict:
            obj = json.loads(body)
            params.update({k: as_string(v) for k, v in obj.items()} if isinstance(obj, dict)
                          else {})
        elif body and ctype == "multipart/form-data":
            p, files = parse_multipart(body, headers.get_param("boundary") or "", file_fields)
            params.update(p)
        elif body and (not strict or ctype == "application/x-www-form-urlencoded"):
            params.update(urllib.parse.parse_qsl(body.decode("utf-8", "replace"),
                                                 keep_blank_values=True))
    except ValueError:
        pass  # the call then sees missing parameters, as on the real servers
    return params, files


class FailRules:
    """The /_ctl/fail rules (dicts with at least "mode" and "count"), in order.
    take(name) uses up the first rule whose key matches name (match(key, name),
    by default key == name), or else the first "*" rule."""

    def __init__(self, match=None):
        self.match = match or (lambda key, name: key == name)
        self.lock = threading.Lock()
        self.rules = []              # [(key, rule), ...]

    def add(self, key, rule):
        with self.lock:
            self.rules.append((key, rule))

    def clear(self, key):
        with self.lock:
            self.rules = [(k, r) for k, r in self.rules if k != key]

    def take(self, name):
        with self.lock:
            for wildcard in (False, True):
                for i, (key, rule) in enumerate(self.rules):
                    if (key == "*") == wildcard and (wildcard or self.match(key, name)):
                        rule["count"] -= 1
                        if rule["count"] <= 0:
                            del self.rules[i]
                        return rule
        return None


def fail_rule(req, count, **extra):
    """A /_ctl/fail rule from its request: mode, count, hang_seconds, + extra."""
    return dict({"mode": str(req.get("mode", "500")), "count": count,
                 "hang_seconds": float(req.get("hang_seconds", 30))}, **extra)


class State:
    """Base of a peer's state: the request log DIR/requests.jsonl (DIR made if
    missing) and the /_ctl/fail rules (`failures`)."""

    def __init__(self, state_dir, match=None):
        os.makedirs(state_dir, exist_ok=True)
        self.failures = FailRules(match)
        self.log_lock = threading.Lock()
        self.log = open(os.path.join(state_dir, "requests.jsonl"), "a", encoding="utf-8")

    def record(self, entry):
        with self.log_lock:
            self.log.write(json.dumps(entry, ensure_ascii=False) + "\n")
            self.log.flush()


class Handler(BaseHTTPRequestHandler):
    """A peer's request handler.  A subclass sets max_request and controls
    and defines too_large() and call(http, url, body); it may raise Silent."""
    protocol_version = "HTTP/1.1"     # keep-alive, and answers Expect: 100-continue
    state = None                      # the peer's State, set by serve()
    json_type = "application/json"
    reasons = {}                      # status -> reason phrase, where not Python's
    max_request = None                # bytes of Content-Length at the most
    controls = {}                     # control request -> "GET" or "POST": state.ctl_<name>
    ctl_errors = ()                   # more exceptions that make a control request bad

    def log_message(self, fmt, *args):
        pass

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def reply(self, status, body, ctype=None, headers=None):
        if not isinstance(body, bytes):
            body = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status, self.reasons.get(status))
        self.send_header("Content-Type", self.json_type if ctype is None else ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def dispatch(self, http):
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length > self.max_request:
            self.close_connection = True
            return self.too_large()
        body = self.read_body()
        if url.path.startswith("/_ctl/"):
            return self.control(http, url.path[len("/_ctl/"):], body)
        try:
            self.call(http, url, body)
        except Silent:
            pass

    def failure(self, key, entry, malformed):
        """Takes the next /_ctl/fail rule for key, if any, and marks entry
        "failed".  Modes "hang" and "malformed" (HTTP 200 with the body
        `malformed`) are answered here (raises Silent); any other mode's rule
        is returned for the peer to answer."""
        rule = self.state.failures.take(key)
        if rule is None:
            return None
        mode = entry["failed"] = rule["mode"]
        if mode == "hang":
            entry["status"] = None
            self.state.record(entry)
            time.sleep(rule["hang_seconds"])
            self.close_connection = True
            raise Silent()
        if mode == "malformed":
            entry["status"] = 200
            self.state.record(entry)
            self.reply(200, malformed)
            raise Silent()
        return rule

    def control(self, http, what, body):
        try:
            req = json.loads(body) if body.strip() else {}
            if http == "POST" and what == "quit":
                self.close_connection = True
                self.reply(200, {"ok": True})
                threading.Thread(target=self.server.shutdown, daemon=True).start()
                return
            if self.controls.get(what) != http:
                return self.reply(404, {"error": "unknown control request " + what})
            action = getattr(self.state, "ctl_" + what)
            self.reply(200, action(req) if http == "POST" else action())
        except (ValueError, TypeError, KeyError, AttributeError) + self.ctl_errors as e:
            self.reply(400, {"error": "bad control request: %s" % e})


def arg_parser(description, token, *options):
    """The peer's command line: --port-file, --state, --token (default `token`),
    the peer's `options` ((flags, add_argument keywords) pairs), --lifetime.
    Options added to it afterwards come last."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--state", required=True)
    ap.add_argument("--token", default=token)
    for flags, kwargs in options:
        ap.add_argument(*flags, **kwargs)
    ap.add_argument("--lifetime", type=float, default=600.0)
    return ap


def server(handler, state):
    """The peer's server on 127.0.0.1 at an ephemeral port, not yet serving."""
    handler.state = state
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads, srv.block_on_close = True, False
    return srv


def serve(srv, args, name):
    """Writes the port to --port-file (atomically) and serves until /_ctl/quit
    or SIGINT (SIGTERM just ends the process); after --lifetime seconds the
    process exits with status 1."""
    def expire():
        sys.stderr.write("%s peer: lifetime of %gs is over, exiting\n" % (name, args.lifetime))
        os._exit(1)
    timer = threading.Timer(args.lifetime, expire)
    timer.daemon = True
    timer.start()

    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as fp:
        fp.write("%d\n" % srv.server_address[1])
    os.replace(tmp, args.port_file)
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    srv.server_close()
