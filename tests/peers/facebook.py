#!/usr/bin/env python3
"""A local stand-in for the Facebook Graph API (a Page's Messenger inbox), for
dlg's shell tests.

Usage: facebook.py --port-file FILE --state DIR [--token TOKEN] [--page-id ID]
                   [--page-name NAME] [--lifetime SECONDS]

Listens on 127.0.0.1 at an ephemeral port and writes the port number to FILE
(atomically) once listening.  Runs until SIGTERM, `POST /_ctl/quit`, or
--lifetime seconds (default 600), whichever comes first.  The Page access token
defaults to "EAAB-TESTTOKEN", the page id to "777", its name to "Page".

Graph API (shapes as in developers.facebook.com/docs/messenger-platform):
  Every path is under a version prefix, /vNN.N/ (any version; answers carry a
  facebook-api-version header).  The token goes as `access_token` (query, form,
  JSON or multipart field) or `Authorization: Bearer TOKEN` (or `OAuth TOKEN`);
  wrong or missing: HTTP 400, code 190.  Errors are
  {"error": {"message", "type", "code", "error_subcode"?, "is_transient"?,
  "fbtrace_id"}}, HTTP 400 unless said otherwise.  "me" is the page.
  GET  /{page-id} or /me              {"id", "name"}
  GET  /{page-id}/conversations  ?platform=messenger (default; instagram gives
        no data) &fields=... &limit=N (default 25, at most 100) &after=C |
        &before=C &user_id=PSID
      Conversations, most recently updated first.  Fields: participants,
      updated_time (the default), messages (nested, see below), message_count,
      unread_count, snippet, can_reply, link; "id" always.
  GET  /{conversation-id}?fields=messages{id,message,from,to,created_time,
        attachments}     -> {"id", "messages": {"data": [...], "paging"}}
      The nested edge takes Graph modifiers: messages.limit(N).after(C){...}
      (a top-level limit/after does not page a nested edge, as on Graph).
  GET  /{conversation-id}/messages?fields=...&limit=N&after=C|before=C
      -> {"data": [...], "paging"}; messages newest first.  Message fields:
      message ("" when none), from, to, created_time, attachments (whose items
      have id, mime_type, name, size and image_data {url, width, height,
      preview_url} for image/*, else file_url).  Without fields: created_time.
  GET  /{message-id}?fields=...       one message.
  POST /{page-id}/messages (or /me/messages), form, JSON or multipart:
      recipient={"id": PSID}, messaging_type=RESPONSE|UPDATE|MESSAGE_TAG
      (+ tag), and message={"text"} (at most 2000 characters) or
      message={"attachment": {"type": image|video|audio|file, "payload":
      {"is_reusable"?, "attachment_id"? | "url"?}}} with the file as multipart
      part `filedata` (at most 25 MiB).  Or sender_action=typing_on|... alone.
      Answers {"recipient_id", "message_id"[, "attachment_id" if reusable]}.
      The sent message joins the conversation, from the page.  Errors: unknown
      PSID 100/2018001 "No matching user found"; RESPONSE or UPDATE more than
      24 h (tag HUMAN_AGENT: 7 days) after the customer's last message:
      10/2018278 "(#10) This message is sent outside of allowed window.";
      other tags are allowed at any time.
  POST /{page-id}/message_attachments  message={"attachment": ...} + filedata
      -> {"attachment_id"} for later sends by payload.attachment_id.
  GET  /cdn/<attachment-id>/<name>?oh=SIG&oe=...  (no version, no token, as
      the URLs in attachments give them) the attachment's bytes.

Every Graph call and download is appended to DIR/requests.jsonl as
  {"method": "GET /777/conversations" (HTTP method and path without the
   version), "http", "version"?: "v19.0", "params": {name: string} (query and
   body; JSON values re-encoded as JSON strings), "files": {name: {"filename",
   "size", "sha256", "content_type"}}, "status": HTTP status[, "failed": mode]}

Control API (JSON bodies and answers; never recorded):
  POST /_ctl/message  {"psid", "name"?, "email"?, "text"?, "attachment"?:
        {"name", "mime_type", "content_base64"}, "attachments"?: [...],
        "created_time"? (unix; default the peer's now), "from_page"?: true}
      Adds a message from the customer PSID (or, with from_page, from the page
      to the customer, as if an agent answered in Meta's own inbox: it does not
      open the 24-hour window).  Creates conversation t_<n> for a new PSID; the
      conversation's updated_time becomes the newest message's created_time.
      Answers {"conversation_id", "message_id", "attachment_ids",
      "created_time"}.
  POST /_ctl/clock    {"now": unix} freezes the peer's clock there; {"advance":
        seconds} moves it on (from the real time if not frozen); {"now": null}
        goes back to real time.  Answers {"now"}.
  POST /_ctl/fail     {"path", "mode", "count"?: 1, "hang_seconds"?: 30,
        "message"?}
      The next `count` calls whose "METHOD /path" contains `path` (e.g.
      "POST /777/messages", "GET /777/conversations", "GET /cdn"; "*" for any)
      fail.  Modes: "500" (HTTP 500, code 1, is_transient), "rate" (code 613),
      "malformed" (HTTP 200 with truncated JSON), "hang" (no answer for
      hang_seconds, then the connection closes), or a Graph code: "190" (token
      invalidated, subcode 460), "4", "17", "32", "613", "10", "200", "230",
      "551", "100".  Rules queue up in order, specific paths before "*".  A
      failed call changes no state: nothing is sent.  count <= 0 clears the
      rules for that path.  ("method" is accepted for "path".)
  GET  /_ctl/sent     [{"psid", "conversation_id", "message_id",
        "messaging_type", "tag"?, "created_time", "text"?, "attachment"?:
        {"type", "filename", "size", "sha256", "content_type",
        "attachment_id"? (sent by attachment_id)} or {"type", "url"}}]
      for every successful send, oldest first.
  GET  /_ctl/state    {"conversations", "messages", "now"}
  POST /_ctl/quit     answers {"ok":true} and exits.

Text length is counted in characters (code points).  Cursors are opaque but
stable: they name an item, so an item that moves to the top of the list (a new
message) is not seen again by paging on with "after", as on Graph.
"""

import base64
import hashlib
import json
import mimetypes
import os
import re
import struct
import sys
import threading
import time
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peerlib  # noqa: E402

MAX_ATTACHMENT = 25 * 1024 * 1024
MAX_REQUEST = MAX_ATTACHMENT + 1024 * 1024
MAX_TEXT = 2000
DEFAULT_LIMIT, MAX_LIMIT = 25, 100
WINDOW, HUMAN_AGENT_WINDOW = 24 * 3600, 7 * 24 * 3600
MESSAGING_TYPES = ("RESPONSE", "UPDATE", "MESSAGE_TAG")
MESSAGE_TAGS = ("ACCOUNT_UPDATE", "CONFIRMED_EVENT_UPDATE", "CUSTOMER_FEEDBACK",
                "HUMAN_AGENT", "POST_PURCHASE_UPDATE")
ATTACHMENT_TYPES = ("image", "video", "audio", "file")
SENDER_ACTIONS = ("typing_on", "typing_off", "mark_seen")
FILE_FIELDS = ("filedata",)          # multipart parts taken as files even without a filename
VERSIONED = re.compile(r"^/(v\d+\.\d+)(/.*)$")
HTTP_TEXT = {400: "Bad Request", 403: "Forbidden", 404: "Not Found",
             413: "Request Entity Too Large", 500: "Internal Server Error"}


class GraphError(Exception):
    def __init__(self, code, message, status=400, subcode=None, kind="OAuthException",
                 transient=None, headers=None):
        super().__init__(message)
        self.code, self.message, self.status, self.subcode = code, message, status, subcode
        self.kind, self.transient, self.headers = kind, transient, headers or {}

    def body(self, trace):
        err = {"message": self.message, "type": self.kind, "code": self.code}
        if self.subcode is not None:
            err["error_subcode"] = self.subcode
        if self.transient is not None:
            err["is_transient"] = self.transient
        err["fbtrace_id"] = trace
        return {"error": err}


def param_error(what, subcode=None):
    return GraphError(100, "(#100) " + what, subcode=subcode)


def unsupported(http, node):
    return GraphError(100, "Unsupported %s request. Object with ID '%s' does not exist, cannot be "
                      "loaded due to missing permissions, or does not support this operation. "
                      "Please read the Graph API documentation at "
                      "https://developers.facebook.com/docs/graph-api" % (http.lower(), node),
                      subcode=33, kind="GraphMethodException")


def bad_token():
    msg = "Invalid OAuth access token - Cannot parse access token"
    return GraphError(190, msg, headers={
        "WWW-Authenticate": 'OAuth "Facebook Platform" "invalid_token" "%s"' % msg})


def window_error():
    return GraphError(10, "(#10) This message is sent outside of allowed window.", subcode=2018278)


def failure_error(mode):
    """The error a /_ctl/fail rule's mode stands for (None: not an error mode)."""
    if mode == "500":
        return GraphError(1, "An unknown error has occurred.", status=500, transient=True)
    if mode == "190":
        return GraphError(190, "Error validating access token: The session has been invalidated "
                          "because the user changed their password or Facebook has changed the "
                          "session for security reasons.", subcode=460)
    if mode == "10":
        return window_error()
    simple = {"rate": (613, "(#613) Calls to this api have exceeded the rate limit.", None),
              "613": (613, "(#613) Calls to this api have exceeded the rate limit.", None),
              "4": (4, "(#4) Application request limit reached", True),
              "17": (17, "(#17) User request limit reached", True),
              "32": (32, "(#32) Page request limit reached", True),
              "200": (200, "(#200) Requires pages_messaging permission to manage the object", None),
              "230": (230, "(#230) Requires pages_messaging_subscriptions permission to manage "
                           "the object", None),
              "100": (100, "(#100) Invalid parameter", None)}
    if mode == "551":
        return GraphError(551, "(#551) This person isn't available right now.", subcode=1545041)
    if mode in simple:
        code, msg, transient = simple[mode]
        return GraphError(code, msg, transient=transient)
    return None


def fmt_time(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(t))


def opaque(kind, n, length=24):
    """A made-up id or token that looks like Graph's: stable for (kind, n)."""
    digest = hashlib.sha256(("%s:%s" % (kind, n)).encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()[:length]


def image_size(data):
    """(width, height) of PNG, GIF or JPEG bytes; (100, 100) when unknown."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 <= len(data) and data[i] == 0xFF:
            marker, seglen = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                h, w = struct.unpack(">HH", data[i + 5:i + 9])
                return w, h
            i += 2 + seglen
    return 100, 100


def parse_fields(spec):
    """'a,b.limit(5){c,d}' -> {"a": ({}, None), "b": ({"limit": "5"}, "c,d")}.

    Just enough of Graph's field expansion for the forms dlg uses: names,
    .modifier(value) suffixes and one {...} of subfields per name."""
    items, depth, start = [], 0, 0
    for i, ch in enumerate(spec + ","):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            items.append(spec[start:i].strip())
            start = i + 1
    if depth != 0:
        raise GraphError(2500, "Syntax error \"Expected end of string instead of \"{\".\" "
                         "in fields %s" % spec)
    out = {}
    for item in filter(None, items):
        sub = None
        if "{" in item:
            open_, close = item.index("{"), item.rindex("}")
            item, sub = item[:open_] + item[close + 1:], item[open_ + 1:close]
        m = re.fullmatch(r"([a-z_]+)((?:\.[a-z_]+\([^()]*\))*)", item.strip())
        if not m:
            raise GraphError(2500, "Syntax error in field %r" % item)
        out[m.group(1)] = (dict(re.findall(r"\.([a-z_]+)\(([^()]*)\)", m.group(2))), sub)
    return out


def encode_cursor(key):
    return base64.urlsafe_b64encode(("QVFI:%d:%d" % key).encode()).decode().rstrip("=")


def decode_cursor(cursor):
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        tag, t, seq = raw.split(":")
        if tag == "QVFI":
            return int(t), int(seq)
    except (ValueError, UnicodeDecodeError):
        pass
    raise param_error("Invalid cursor: %s" % cursor)


class Ctx:
    """Where the request came from, to build absolute URLs (paging, files)."""

    def __init__(self, host, version, query):
        self.host, self.version, self.query = host, version, query

    def graph_url(self, path, params):
        return "http://%s/%s%s?%s" % (self.host, self.version, path,
                                      urllib.parse.urlencode(params))


class Page(peerlib.State):
    """All the fake server's state, guarded by one lock."""

    def __init__(self, page_id, name, token, state_dir):
        super().__init__(state_dir, match=lambda path, method: path in method)
        self.page_id, self.name, self.token = page_id, name, token
        self.me = {"name": name, "email": page_id + "@facebook.com", "id": page_id}
        self.lock = threading.RLock()
        self.conversations = {}      # id -> conversation
        self.by_psid = {}            # psid -> conversation id
        self.messages = {}           # id -> message
        self.attachments = {}        # id -> attachment (with its bytes)
        self.reusable = {}           # attachment_id -> attachment, for sends by attachment_id
        self.seq = 0                 # orders everything created
        self.clock = None            # frozen unix time, or None for real time
        self.sent = []
        self.traces = 0

    def now(self):
        with self.lock:
            return int(self.clock if self.clock is not None else time.time())

    def next_seq(self):
        with self.lock:
            self.seq += 1
            return self.seq

    def trace_id(self):
        with self.lock:
            self.traces += 1
            return "A" + opaque("trace", self.traces, 22)

    # --- stored objects (call with the lock held) ---

    def add_attachment(self, data, name, mime):
        n = self.next_seq()
        if not mime or mime == "application/octet-stream":
            mime = mimetypes.guess_type(name or "")[0] or "application/octet-stream"
        att = {"id": str(4400000000000000 + n), "name": name or "file", "mime": mime,
               "data": data, "sig": opaque("sig", n, 32)}
        if mime.startswith("image/"):
            att["width"], att["height"] = image_size(data)
        self.attachments[att["id"]] = att
        return att

    def conversation_for(self, psid, name=None, email=None):
        conv = self.conversations.get(self.by_psid.get(psid))
        if conv is None:
            cid = "t_%d" % (len(self.conversations) + 1)
            conv = {"id": cid, "psid": psid, "messages": [], "updated": 0, "key": (0, 0),
                    "last_customer": None,
                    "customer": {"name": "Customer", "email": psid + "@facebook.com", "id": psid}}
            self.conversations[cid], self.by_psid[psid] = conv, cid
        if name:
            conv["customer"]["name"] = name
        if email:
            conv["customer"]["email"] = email
        return conv

    def add_message(self, conv, from_page, text, attachments, created):
        seq = self.next_seq()
        sender, other = (self.me, conv["customer"]) if from_page else (conv["customer"], self.me)
        msg = {"id": "m_" + opaque("message", seq, 40), "conv": conv["id"], "seq": seq,
               "created": created, "text": text or "", "from": sender, "to": other,
               "attachments": attachments}
        conv["messages"].append(msg)
        self.messages[msg["id"]] = msg
        if (created, seq) > conv["key"]:
            conv["updated"], conv["key"] = created, (created, seq)
        if not from_page and (conv["last_customer"] is None or created > conv["last_customer"]):
            conv["last_customer"] = created
        return msg

    # --- rendering ---

    def page_of(self, items, key, limit, after, before, render, next_url):
        """One page of `items` (sorted newest first) in Graph's edge shape."""
        if after:
            k = decode_cursor(after)
            items = [i for i in items if key(i) < k]
            page, more_before = items[:limit], True
        elif before:
            k = decode_cursor(before)
            newer = [i for i in items if key(i) > k]
            page, more_before = newer[-limit:], len(newer) > limit
            items = page + [i for i in items if key(i) <= k]
        else:
            page, more_before = items[:limit], False
        if not page:
            return {"data": []}
        first, last = encode_cursor(key(page[0])), encode_cursor(key(page[-1]))
        paging = {"cursors": {"before": first, "after": last}}
        if more_before:
            paging["previous"] = next_url({"limit": limit, "before": first})
        if len(items) > len(page):
            paging["next"] = next_url({"limit": limit, "after": last})
        return {"data": [render(i) for i in page], "paging": paging}

    def edge_url(self, ctx, path, fields, keep=("access_token",)):
        """A function making the URL of the next/previous page of edge `path`
        (the request's access_token, if it came in the query, goes along)."""
        base = {k: v for k, v in ctx.query.items() if k in keep}
        if fields is not None:
            base["fields"] = fields
        return lambda extra: ctx.graph_url(path, dict(base, **extra))

    def render_attachment(self, att, sub, ctx):
        url = "http://%s/cdn/%s/%s?oh=%s&oe=6A1B2C3D" % (
            ctx.host, att["id"], urllib.parse.quote(att["name"]), att["sig"])
        out = {"id": att["id"], "mime_type": att["mime"], "name": att["name"],
               "size": len(att["data"])}
        if att["mime"].startswith("image/"):
            out["image_data"] = {"url": url, "width": att["width"], "height": att["height"],
                                 "preview_url": url}
        else:
            out["file_url"] = url
        if sub:
            wanted = set(parse_fields(sub)) | {"id"}
            out = {k: v for k, v in out.items() if k in wanted}
        return out

    def render_message(self, msg, fields, ctx):
        fields = parse_fields(fields) if fields else {"created_time": ({}, None)}
        out = {"id": msg["id"]}
        for name, (_, sub) in fields.items():
            if name == "message":
                out["message"] = msg["text"]
            elif name == "from":
                out["from"] = dict(msg["from"])
            elif name == "to":
                out["to"] = {"data": [dict(msg["to"])]}
            elif name == "created_time":
                out["created_time"] = fmt_time(msg["created"])
            elif name == "attachments" and msg["attachments"]:
                out["attachments"] = {"data": [self.render_attachment(a, sub, ctx)
                                               for a in msg["attachments"]]}
        return out

    def messages_page(self, conv, fields, limit, after, before, ctx):
        items = sorted(conv["messages"], key=lambda m: (m["created"], m["seq"]), reverse=True)
        return self.page_of(items, lambda m: (m["created"], m["seq"]), limit, after, before,
                            lambda m: self.render_message(m, fields, ctx),
                            self.edge_url(ctx, "/%s/messages" % conv["id"], fields))

    def render_conversation(self, conv, fields, ctx):
        out = {"id": conv["id"]}
        last = max(conv["messages"], key=lambda m: (m["created"], m["seq"]), default=None)
        for name, (mods, sub) in fields.items():
            if name in ("participants", "senders"):
                out[name] = {"data": [dict(conv["customer"]), dict(self.me)]}
            elif name == "updated_time":
                out["updated_time"] = fmt_time(conv["updated"])
            elif name == "messages":
                out["messages"] = self.messages_page(
                    conv, sub, limit_of(mods.get("limit")), mods.get("after"),
                    mods.get("before"), ctx)
            elif name == "message_count":
                out["message_count"] = len(conv["messages"])
            elif name == "unread_count":
                out["unread_count"] = 0
            elif name == "snippet":
                out["snippet"] = (last["text"] if last else "")[:100]
            elif name == "can_reply":
                out["can_reply"] = conv["last_customer"] is not None and \
                    self.now() - conv["last_customer"] <= WINDOW
            elif name == "link":
                out["link"] = "/%s/inbox/%s" % (self.page_id, conv["id"])
        return out

    # --- Graph API ---

    def route(self, http, path, p, files, ctx):
        parts = path.strip("/").split("/")
        node, edge = parts[0], (parts[1] if len(parts) > 1 else None)
        if not node or len(parts) > 2:
            raise GraphError(2500, "Unknown path components: %s" % path)
        with self.lock:
            if node in (self.page_id, "me"):
                kind, handlers = "Page", {
                    ("GET", None): lambda: self.get_page(p),
                    ("GET", "conversations"): lambda: self.list_conversations(p, ctx),
                    ("POST", "messages"): lambda: self.send(p, files),
                    ("POST", "message_attachments"): lambda: self.upload(p, files)}
            elif node in self.conversations:
                conv = self.conversations[node]
                kind, handlers = "UnifiedThread", {
                    ("GET", None): lambda: self.render_conversation(
                        conv, parse_fields(p.get("fields") or ""), ctx),
                    ("GET", "messages"): lambda: self.messages_page(
                        conv, p.get("fields") or None, limit_of(p.get("limit")),
                        p.get("after"), p.get("before"), ctx)}
            elif node in self.messages:
                msg = self.messages[node]
                kind, handlers = "Message", {
                    ("GET", None): lambda: self.render_message(msg, p.get("fields"), ctx)}
            else:
                raise unsupported(http, node)
            handler = handlers.get((http, edge))
            if handler is not None:
                return handler()
            if edge is not None and http == "GET" and not any(e == edge for _, e in handlers):
                raise param_error("Tried accessing nonexisting field (%s) on node type (%s)"
                                  % (edge, kind))
            raise unsupported(http, node)

    def get_page(self, p):
        fields = parse_fields(p.get("fields") or "name")
        out = {"id": self.page_id}
        if "name" in fields:
            out["name"] = self.name
        return out

    def list_conversations(self, p, ctx):
        platform = (p.get("platform") or "messenger").lower()
        if platform not in ("messenger", "instagram"):
            raise param_error("param platform must be one of {INSTAGRAM, MESSENGER}")
        items = [] if platform == "instagram" else list(self.conversations.values())
        if p.get("user_id"):
            items = [c for c in items if c["psid"] == p["user_id"]]
        items.sort(key=lambda c: c["key"], reverse=True)
        fields = parse_fields(p.get("fields") or "updated_time")
        url = self.edge_url(ctx, "/%s/conversations" % self.page_id, p.get("fields"),
                            ("access_token", "platform", "user_id"))
        return self.page_of(items, lambda c: c["key"], limit_of(p.get("limit")), p.get("after"),
                            p.get("before"), lambda c: self.render_conversation(c, fields, ctx),
                            url)

    def attachment_from(self, attachment, files):
        """(stored attachment, sent-record info) for a message.attachment object."""
        if not isinstance(attachment, dict) or attachment.get("type") not in ATTACHMENT_TYPES:
            raise param_error("Param message[attachment][type] must be one of "
                              "{image, audio, video, file, template}")
        payload = attachment.get("payload") or {}
        if not isinstance(payload, dict):
            raise param_error("Param message[attachment][payload] must be a JSON object")
        info = {"type": attachment["type"]}
        if "filedata" in files:
            name, ctype, data = files["filedata"]
            if len(data) > MAX_ATTACHMENT:
                raise param_error("Attachment size exceeds allowable limit", subcode=2018294)
            att = self.add_attachment(data, name, ctype)
            info.update(peerlib.file_meta(data, name, ctype))
        elif payload.get("attachment_id"):
            att = self.reusable.get(str(payload["attachment_id"]))
            if att is None:
                raise param_error("Attachment with id %s does not exist"
                                  % payload["attachment_id"], subcode=2018047)
            info.update(peerlib.file_meta(att["data"], att["name"], att["mime"]),
                        attachment_id=str(payload["attachment_id"]))
        elif payload.get("url"):
            name = os.path.basename(urllib.parse.urlsplit(payload["url"]).path) or "file"
            att = self.add_attachment(b"", name, None)
            info["url"] = payload["url"]
        else:
            raise param_error("Upload attachment failure.", subcode=2018047)
        reusable = payload.get("is_reusable") in (True, "true", 1)
        return att, info, reusable

    def make_reusable(self, att):
        aid = str(1800000000000000 + self.next_seq())
        self.reusable[aid] = att
        return aid

    def send(self, p, files):
        recipient = json_param(p, "recipient")
        if not recipient:
            raise param_error("The parameter recipient is required")
        psid = str(recipient.get("id", ""))
        if not psid:
            raise param_error("param recipient[id] must be non-empty.")
        action = p.get("sender_action")
        if action:
            if action not in SENDER_ACTIONS:
                raise param_error("param sender_action must be one of {%s}"
                                  % ", ".join(a.upper() for a in SENDER_ACTIONS))
            if psid not in self.by_psid:
                raise param_error("No matching user found", subcode=2018001)
            return {"recipient_id": psid}
        mtype, tag = p.get("messaging_type"), p.get("tag")
        if not mtype:
            raise param_error("The parameter messaging_type is required")
        if mtype not in MESSAGING_TYPES:
            raise param_error("Param messaging_type must be one of {%s}" % ", ".join(MESSAGING_TYPES))
        if mtype == "MESSAGE_TAG" and tag not in MESSAGE_TAGS:
            raise param_error("Param tag must be one of {%s}" % ", ".join(MESSAGE_TAGS))
        message = json_param(p, "message")
        if not message:
            raise param_error("Must send either message or sender_action")
        text, attachment = message.get("text"), message.get("attachment")
        if text is not None and attachment is not None:
            raise param_error("Only one of text or attachment can be specified in message")
        if attachment is None:
            if not isinstance(text, str) or not text.strip():
                raise param_error("Param message[text] must be a non-empty UTF-8 encoded string")
            if len(text) > MAX_TEXT:
                raise param_error("Length of param message[text] must be less than or equal "
                                  "to %d" % MAX_TEXT)
        conv = self.conversations.get(self.by_psid.get(psid))
        if conv is None:
            raise param_error("No matching user found", subcode=2018001)
        window = HUMAN_AGENT_WINDOW if tag == "HUMAN_AGENT" else WINDOW
        now = self.now()
        if (mtype != "MESSAGE_TAG" or tag == "HUMAN_AGENT") and \
                (conv["last_customer"] is None or now - conv["last_customer"] > window):
            raise window_error()
        answer, sent = {"recipient_id": psid}, {"psid": psid, "conversation_id": conv["id"],
                                                "messaging_type": mtype}
        if tag is not None and mtype == "MESSAGE_TAG":
            sent["tag"] = tag
        atts = []
        if attachment is not None:
            att, info, reusable = self.attachment_from(attachment, files)
            atts.append(att)
            sent["attachment"] = info
            if reusable:
                answer["attachment_id"] = info.get("attachment_id") or self.make_reusable(att)
        else:
            sent["text"] = text
        msg = self.add_message(conv, True, text, atts, now)
        answer["message_id"] = msg["id"]
        sent.update(message_id=msg["id"], created_time=now)
        self.sent.append(sent)
        return answer

    def upload(self, p, files):
        message = json_param(p, "message") or {}
        if message.get("attachment") is None:
            raise param_error("The parameter message[attachment] is required")
        att, info, _ = self.attachment_from(message["attachment"], files)
        return {"attachment_id": info.get("attachment_id") or self.make_reusable(att)}

    # --- control API ---

    def ctl_message(self, req):
        psid = str(req["psid"])
        specs = list(req.get("attachments") or []) + ([req["attachment"]] if req.get("attachment")
                                                      else [])
        if req.get("text") is None and not specs:
            raise ValueError("a message needs text or an attachment")
        with self.lock:
            created = int(req["created_time"]) if req.get("created_time") is not None \
                else self.now()
            conv = self.conversation_for(psid, req.get("name"), req.get("email"))
            atts = [self.add_attachment(base64.b64decode(a.get("content_base64", "")),
                                        a.get("name"), a.get("mime_type")) for a in specs]
            msg = self.add_message(conv, bool(req.get("from_page")), req.get("text"), atts,
                                   created)
        return {"conversation_id": conv["id"], "message_id": msg["id"],
                "attachment_ids": [a["id"] for a in atts], "created_time": created}

    def ctl_clock(self, req):
        with self.lock:
            if "advance" in req:
                self.clock = self.now() + float(req["advance"])
            elif req.get("now") is None:
                self.clock = None
            else:
                self.clock = float(req["now"])
        return {"now": self.now()}

    def ctl_fail(self, req):
        path = str(req.get("path", req.get("method", "*")))
        count = int(req.get("count", 1))
        mode = str(req.get("mode", "500"))
        if mode not in ("hang", "malformed") and failure_error(mode) is None:
            raise ValueError("unknown mode %r" % mode)
        if count <= 0:
            self.failures.clear(path)
        else:
            self.failures.add(path, peerlib.fail_rule(req, count, message=req.get("message")))
        return {"ok": True}

    def ctl_sent(self):
        with self.lock:
            return [dict(s) for s in self.sent]

    def ctl_state(self):
        with self.lock:
            return {"conversations": len(self.conversations), "messages": len(self.messages),
                    "now": self.now()}


def limit_of(v):
    if v in (None, ""):
        return DEFAULT_LIMIT
    try:
        return min(max(int(v), 1), MAX_LIMIT)
    except ValueError:
        raise param_error("Param limit must be a number") from None


def json_param(p, name):
    """A parameter holding a JSON object (Graph also takes {'single':'quotes'})."""
    v = p.get(name)
    if v in (None, ""):
        return None
    for text in (v, v.replace("'", '"')):
        try:
            obj = json.loads(text)
        except ValueError:
            continue
        if isinstance(obj, dict):
            return obj
    raise param_error("param %s must be a JSON object" % name)


class Handler(peerlib.Handler):
    json_type = "application/json; charset=UTF-8"
    reasons = HTTP_TEXT
    max_request = MAX_REQUEST
    controls = {"message": "POST", "clock": "POST", "fail": "POST", "sent": "GET",
                "state": "GET"}
    ctl_errors = (GraphError,)

    def header_token(self):
        scheme, _, token = self.headers.get("Authorization", "").strip().partition(" ")
        return token.strip() if scheme.lower() in ("bearer", "oauth") else None

    def too_large(self):
        err = GraphError(100, "(#100) Upload attachment failure: the request is too large",
                         status=413)
        self.reply(413, err.body(self.state.trace_id()))

    def call(self, http, url, body):
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        params, files = peerlib.parse_params(url.query, body, self.headers,
                                             file_fields=FILE_FIELDS)
        m = VERSIONED.match(url.path)
        path = m.group(2) if m else url.path
        entry = {"method": "%s %s" % (http, path), "http": http}
        if m:
            entry["version"] = m.group(1)
        entry.update(params=params, files=peerlib.files_meta(files))
        headers = {"facebook-api-version": m.group(1)} if m else {}
        try:
            if not m and path.startswith("/cdn/") and http == "GET":
                return self.download(entry, path, query)
            if not m:
                raise GraphError(2500, "Unknown path components: %s (this peer serves "
                                 "/vNN.N/...)" % url.path, status=404)
            if (params.get("access_token") or self.header_token()) != self.state.token:
                raise bad_token()
            self.fail_maybe(entry)
            host = self.headers.get("Host") or "127.0.0.1:%d" % self.server.server_address[1]
            result = self.state.route(http, path, params, files, Ctx(host, m.group(1), query))
            entry["status"] = 200
            self.state.record(entry)
            self.reply(200, result, headers=headers)
        except GraphError as e:
            entry.setdefault("status", e.status)
            self.state.record(entry)
            self.reply(e.status, e.body(self.state.trace_id()), headers=dict(headers, **e.headers))

    def download(self, entry, path, query):
        self.fail_maybe(entry)
        parts = path.split("/")
        with self.state.lock:
            att = self.state.attachments.get(parts[2]) if len(parts) == 4 else None
        if att is None:
            status, body, ctype = 404, b"Not Found\n", "text/plain"
        elif query.get("oh") != att["sig"]:
            status, body, ctype = 403, b"URL signature mismatch\n", "text/plain"
        else:
            status, body, ctype = 200, att["data"], att["mime"]
        entry["status"] = status
        self.state.record(entry)
        self.reply(status, body, ctype)

    def fail_maybe(self, entry):
        rule = self.failure(entry["method"], entry, b'{"data":[{"id":"t_')
        if rule is None:
            return
        err = failure_error(rule["mode"])
        if rule["message"]:
            err.message = rule["message"]
        raise err


def main():
    args = peerlib.arg_parser("Fake Facebook Graph API (Messenger) for tests", "EAAB-TESTTOKEN",
                              (("--page-id",), {"default": "777"}),
                              (("--page-name",), {"default": "Page"})).parse_args()
    page = Page(args.page_id, args.page_name, args.token, args.state)
    peerlib.serve(peerlib.server(Handler, page), args, "facebook")


if __name__ == "__main__":
    main()
