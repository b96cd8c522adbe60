#!/usr/bin/env python3
"""A local stand-in for the VK API (community bot), for dlg's shell tests.

Usage: vk.py --port-file FILE --state DIR [--token TOKEN] [--group-id N]
             [--lifetime SECONDS] [--random-id-scope peer|community]

Listens on 127.0.0.1 at an ephemeral port and writes the port number to FILE
(atomically) once listening.  Runs until SIGTERM, `POST /_ctl/quit`, or
--lifetime seconds (default 600), whichever comes first.  The community token
defaults to "vk1.a.TESTTOKEN", the community (group) id to 777.

VK API (shapes as in https://dev.vk.com/ru/reference):
  /method/<name>  GET query, or POST form-urlencoded or multipart (VK takes no
      JSON bodies: their parameters are not seen).  Parameters `access_token`
      (or header `Authorization: Bearer TOKEN`) and `v` (any 5.x).  The answer
      is always HTTP 200: {"response": ...} or {"error": {"error_code": N,
      "error_msg": "...", "request_params": [{"key", "value"}...]}}
      (request_params never holds the access_token).  Checked in this order:
      unknown method 3, no/wrong token 5, missing or bad v 8, then the
      method's own checks (100 for a missing or invalid parameter).
    groups.getLongPollServer(group_id) -> {"key", "server", "ts"} (strings);
        server is http://127.0.0.1:PORT/lp/<group_id>.  The key stays the same
        until a long-poll failure 2 or 3 retires it; ts is always the number of
        the next event, so events queued before it are not delivered through
        it (as on VK).  Another group_id: error 100.
    messages.send(peer_id | user_id, random_id, message?, attachment?,
        reply_to?, forward?) -> message id.  random_id is required and must fit
        in int32; a second send with a random_id already used for that peer in
        the last hour (--random-id-scope community: for any peer) sends nothing
        and answers the first message's id (random_id 0: no such check).
        Text ≤ 9000 characters (914 "Message is too long"); no text and no
        attachment: 100.  attachment is a comma list of doc<owner>_<id>[_<key>]
        or photo<owner>_<id>[_<key>] naming a document the community saved or
        a document or photo this peer sent (else 100); reply_to must be the id
        of a message in that conversation (else 100).
    docs.getMessagesUploadServer(type=doc, peer_id) -> {"upload_url":
        "http://127.0.0.1:PORT/upload/<token>"}.
    docs.save(file, title?) -> {"type": "doc", "doc": {"id", "owner_id" (-group
        id), "title", "size", "ext", "date", "type", "url"}}.  Each uploaded
        file can be saved once; an unknown or used one: error 105.
    users.get(user_ids, fields?) -> [{"id", "first_name", "last_name",
        "can_access_closed": true, "is_closed": false, "screen_name"? (when
        fields has it; "id<N>" for a user without one)}], in the order asked.
        Ids not registered through /_ctl/user come back as VK shows deleted
        accounts: first_name "DELETED", "deactivated": "deleted".
  POST /upload/<token>  multipart with the file in field `file` -> {"file":
      "<opaque string with | in it>"} with no envelope; a failure is
      {"error": "..."}, as VK's upload servers do.
  GET /lp/<group_id>?act=a_check&key=K&ts=T&wait=W  Bots Long Poll.  Answers
      {"ts": "<next>", "updates": [every event numbered T and up]}; events
      stay available, so polling again with an old ts gets them again.  With
      no event numbered T or up yet it waits up to `wait` seconds (capped at
      50; no wait parameter: 0) and wakes on a new event.  Wrong or retired
      key: {"failed": 2}.  A ts from before lost history, above the next
      event's number, or not a number: {"failed": 1, "ts": "<valid ts>"}.
  GET /files/<name>?hash=... (documents) or ?sign=... (photos)  the bytes of a
      document or photo, with no token, as at the url in its attachment.

Events are numbered from 1.  A message_new event:
  {"type": "message_new", "object": {"message": {"id", "date", "peer_id",
   "from_id", "text", "conversation_message_id", "attachments", "out": 0,
   "fwd_messages": [], "important": false, "is_hidden": false, "random_id": 0,
   "reply_message"?}, "client_info": {...}}, "group_id", "event_id", "v"}
Message ids count from 1 for the whole community; conversation_message_id
counts from 1 in each conversation; both are shared by the customer's and the
community's messages.  In group chats (peer_id >= 2000000000) incoming
messages have id 0, as on VK.  Text length is counted in characters (code
points).

Every request but the control API's is appended to DIR/requests.jsonl as
  {"method", "http", "params": {name: string}, "files": {name: {"filename",
   "size", "sha256", "content_type"}}, "status": HTTP status[, "failed": mode]
   [, "error": VK error code][, "duplicate": true]}
with method the API method's name, "lp" for long polls (params: the query),
"upload" for uploads and "download" for file downloads (params {"path"} plus
the query).  params are as sent, access_token included.

Control API (JSON bodies and answers, ts as numbers; never recorded):
  POST /_ctl/user     {"id", "first_name", "last_name", "screen_name"?, ...}
      Registers (or replaces) a user for users.get.  Answers {"ok": true}.
  POST /_ctl/message  {"from_id", "peer_id"? (default from_id), "text"?,
        "date"?, "doc"?: {"title", "ext"?, "content_base64"} (or a list of
        them), "photo"?: true, "reply_to"?: conversation_message_id}
      Queues a message_new event from the customer.  The document's ext
      defaults to the title's extension; a photo gets sizes s, x and z of
      made-up JPEG bytes, largest last.  Answers {"ts", "id",
      "conversation_message_id", "attachments": [attachment objects]}.
  POST /_ctl/event    {"type", "object"}  queues any other event.  {"ts"}
  POST /_ctl/lp_fail  {"failed": 1|2|3, "ts"? (for 1)}
      The next long poll (or the one waiting now) answers that failure and
      applies its effect: 1 loses the history before `ts` (default: the next
      event's number) and answers {"failed": 1, "ts"}; 2 retires the key
      until groups.getLongPollServer hands out a new one (ts stays valid);
      3 retires the key and loses the history before the next event, so only
      getLongPollServer's new key and ts go on.  Several queue up in order.
  POST /_ctl/fail     {"method", "mode", "count"?: 1, "hang_seconds"?: 30,
        "description"?}
      The next `count` calls of `method` (an API method's name, "lp",
      "upload", "download", or "*" for any) fail: mode "errorN" (HTTP 200 with
      VK error N: "error6" too many requests per second, "error9" flood
      control, "error5" authorization failed, ...; for lp and upload too),
      "500" (or another HTTP status: that status with an HTML body),
      "malformed" (HTTP 200 with a truncated JSON body) or "hang" (no answer
      for hang_seconds, then the connection closes).  Rules queue up in
      order.  A failed call changes no state: nothing is sent, no random_id is
      used up, no key or ts moves.  count <= 0 clears the rules for that
      method.  ("retry_after" is accepted and ignored: VK gives no such hint.)
  POST /_ctl/config   {"message_reply": true|false}  whether a sent message
      also queues a message_reply event (as a community with that event type
      enabled gets).  Off by default.
  GET  /_ctl/sent     [{"peer_id", "message_id", "conversation_message_id",
        "random_id", "date", "text", "attachment"?, "reply_to"?, "forward"?,
        "doc"?: {"id", "owner_id", "title", "ext", "size", "sha256"},
        "docs"? (when more than one)}] for every message sent, oldest first
        (duplicates by random_id not included).
  GET  /_ctl/state    {"ts" (next event's number), "key" (or null),
        "events" (how many were queued), "lost_before", "waiting" (long polls
        waiting now), "lp_fail" (queued failures)}
  POST /_ctl/quit     answers {"ok": true} and exits.
"""

import base64
import hashlib
import json
import mimetypes
import os
import re
import secrets
import sys
import threading
import time
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peerlib  # noqa: E402

MAX_POLL = 50
MAX_UPLOAD = 200 * 1024 * 1024
MAX_TEXT = 9000
DEDUPE_SECONDS = 3600
CHAT_PEER = 2000000000
EVENT_VERSION = "5.199"
ERROR_TEXT = {1: "Unknown error occurred", 3: "Unknown method passed",
              5: "User authorization failed: access_token has expired.",
              6: "Too many requests per second", 7: "Permission to perform this action is denied",
              8: "Invalid request", 9: "Flood control", 10: "Internal server error",
              14: "Captcha needed", 15: "Access denied",
              100: "One of the parameters specified was missing or invalid",
              105: "Couldn't save file", 113: "Invalid user id",
              901: "Can't send messages for users without permission",
              914: "Message is too long"}
HTTP_TEXT = {400: "Bad Request", 404: "Not Found", 405: "Not Allowed",
             413: "Request Entity Too Large", 500: "Internal Server Error",
             502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Time-out"}
CLIENT_INFO = {"button_actions": ["text", "vkpay", "open_app", "location", "open_link",
                                  "callback", "intent_subscribe", "intent_unsubscribe"],
               "keyboard": True, "inline_keyboard": True, "carousel": True, "lang_id": 0}
# VK's document types: 1 text, 2 archive, 3 gif, 4 image, 5 audio, 6 video, 7 e-book, 8 other
DOC_TYPES = {1: "txt doc docx pdf odt rtf xls xlsx csv ppt pptx", 2: "zip rar 7z tar gz",
             3: "gif", 4: "jpg jpeg png webp bmp heic", 5: "mp3 ogg wav m4a opus",
             6: "mp4 avi mkv mov webm", 7: "epub fb2 djvu mobi"}
# what a failure rule of mode "malformed" answers, by the kind of call
MALFORMED = {"api": b'{"response":{', "lp": b'{"ts":"1","updates":[{', "file": b'{"file":"',
             "download": b'\xff\xd8'}


class VkError(Exception):
    def __init__(self, code, detail=None):
        msg = ERROR_TEXT.get(code, "Error")
        if detail:
            msg = detail if code in (5, 8) else msg + ": " + detail
        super().__init__(msg)
        self.code, self.msg = code, msg


def bad(detail):
    return VkError(100, detail)


def as_int(v, name, bits=64):
    try:
        n = int(str(v).strip())
    except ValueError:
        raise bad("%s not integer" % name) from None
    if not -(1 << (bits - 1)) <= n < (1 << (bits - 1)):
        raise bad("%s is out of range (int%d)" % (name, bits))
    return n


def doc_type(ext):
    return next((t for t, exts in DOC_TYPES.items() if ext.lower() in exts.split()), 8)


class Vk(peerlib.State):
    """All the fake server's state, guarded by one lock."""

    def __init__(self, token, group_id, state_dir, scope):
        super().__init__(state_dir)
        self.token, self.group_id, self.scope = token, group_id, scope
        self.base = None                 # http://127.0.0.1:PORT, set in main()
        self.cond = threading.Condition()
        self.events = []                 # every event queued; number n is events[n - 1]
        self.lost_before = 1             # events numbered below this are gone
        self.key = None                  # the long-poll key; None once retired
        self.lp_fails = []               # queued forced long-poll failures
        self.waiting = 0
        self.next_message_id = 1
        self.next_cmid = {}              # peer id -> next conversation_message_id
        self.messages = {}               # (peer id, message id) -> message (id != 0)
        self.by_cmid = {}                # (peer id, conversation_message_id) -> message
        self.users = {}                  # id -> user record
        self.files = {}                  # /files/ name -> {"data", "secret", "ctype"}
        self.docs = {}                   # (owner id, id) -> doc object + "_data"
        self.photos = {}                 # (owner id, id) -> photo object
        self.peer_media = {}             # peer id -> set of attachment strings it may use
        self.next_doc_id = 1
        self.next_photo_id = 1
        self.upload_servers = {}         # token -> {"peer_id", "type"}
        self.uploads = {}                # opaque file string -> upload, or None once saved
        self.random_ids = {}             # (peer id or None, random_id) -> (message id, time)
        self.sent = []
        self.message_reply = False

    # --- stored objects (call with the lock held) ---

    def next_ts(self):
        return len(self.events) + 1

    def enqueue(self, etype, obj):
        event = {"type": etype, "object": obj, "group_id": self.group_id,
                 "event_id": secrets.token_hex(20), "v": EVENT_VERSION}
        self.events.append(event)
        self.cond.notify_all()
        return len(self.events)

    def add_file(self, name, data, ctype, query_key):
        secret = secrets.token_hex(9)
        self.files[name] = {"data": data, "secret": secret, "ctype": ctype}
        return "%s/files/%s?%s=%s" % (self.base, name, query_key, secret)

    def add_doc(self, owner_id, title, ext, data, date):
        did = self.next_doc_id
        self.next_doc_id += 1
        name = "doc%d_%d" % (owner_id, did)
        ctype = mimetypes.guess_type("x." + ext)[0] or "application/octet-stream"
        doc = {"id": did, "owner_id": owner_id, "title": title, "size": len(data), "ext": ext,
               "date": date, "type": doc_type(ext),
               "url": self.add_file(name, data, ctype, "hash") + "&dl=1"}
        self.docs[(owner_id, did)] = dict(doc, _data=data)
        return doc

    def add_photo(self, owner_id, seed, date):
        pid = self.next_photo_id
        self.next_photo_id += 1
        photo = {"album_id": -3, "date": date, "id": pid, "owner_id": owner_id,
                 "access_key": secrets.token_hex(9), "sizes": [], "text": "", "has_tags": False}
        for t, w, h, n in (("s", 75, 56, 200), ("x", 604, 453, 1500), ("z", 1080, 810, 6000)):
            data = b"\xff\xd8\xff\xe0" + (seed * (n // 32 + 1))[:n] + b"\xff\xd9"
            url = self.add_file("photo%d_%d_%s.jpg" % (owner_id, pid, t), data, "image/jpeg",
                                "sign")
            photo["sizes"].append({"type": t, "url": url + "&size=%dx%d" % (w, h),
                                   "width": w, "height": h})
        self.photos[(owner_id, pid)] = photo
        return photo

    def new_message(self, peer_id, from_id, date, text, out):
        cmid = self.next_cmid.get(peer_id, 1)
        self.next_cmid[peer_id] = cmid + 1
        if peer_id >= CHAT_PEER and not out:
            mid = 0
        else:
            mid = self.next_message_id
            self.next_message_id += 1
        msg = {"id": mid, "date": date, "peer_id": peer_id, "from_id": from_id, "text": text,
               "conversation_message_id": cmid, "attachments": [], "out": out,
               "fwd_messages": [], "important": False, "is_hidden": False, "random_id": 0}
        if mid:
            self.messages[(peer_id, mid)] = msg
        self.by_cmid[(peer_id, cmid)] = msg
        return msg

    def allow_media(self, peer_id, kind, obj):
        media = self.peer_media.setdefault(peer_id, set())
        ref = "%s%d_%d" % (kind, obj["owner_id"], obj["id"])
        media.add(ref)
        if obj.get("access_key"):
            media.add(ref + "_" + obj["access_key"])

    # --- control API ---

    def ctl_user(self, req):
        user = dict(req)
        user["id"] = int(user["id"])
        user.setdefault("first_name", "")
        user.setdefault("last_name", "")
        with self.cond:
            self.users[user["id"]] = user
        return {"ok": True}

    def ctl_message(self, req):
        from_id = int(req["from_id"])
        peer_id = int(req.get("peer_id", from_id))
        date = int(req.get("date") or time.time())
        docs = req.get("doc") or []
        docs = [docs] if isinstance(docs, dict) else docs
        with self.cond:
            msg = self.new_message(peer_id, from_id, date, str(req.get("text", "")), 0)
            reply = self.by_cmid.get((peer_id, req.get("reply_to")))
            if req.get("reply_to") is not None:
                if reply is None:
                    raise ValueError("no message %s in peer %d" % (req["reply_to"], peer_id))
                msg["reply_message"] = {k: v for k, v in reply.items()
                                        if k not in ("reply_message", "out", "important",
                                                     "is_hidden")}
            if req.get("photo"):
                seed = hashlib.sha256(b"%d/%d" % (peer_id, msg["conversation_message_id"]))
                photo = self.add_photo(from_id, seed.digest(), date)
                msg["attachments"].append({"type": "photo", "photo": photo})
                self.allow_media(peer_id, "photo", photo)
            for d in docs:
                title = str(d.get("title", "file"))
                ext = str(d.get("ext") or os.path.splitext(title)[1].lstrip(".") or "")
                data = base64.b64decode(d.get("content_base64", ""))
                doc = self.add_doc(from_id, title, ext, data, date)
                doc["access_key"] = secrets.token_hex(9)
                msg["attachments"].append({"type": "doc", "doc": doc})
                self.allow_media(peer_id, "doc", doc)
            ts = self.enqueue("message_new", {"message": msg, "client_info": CLIENT_INFO})
        return {"ts": ts, "id": msg["id"],
                "conversation_message_id": msg["conversation_message_id"],
                "attachments": msg["attachments"]}

    def ctl_event(self, req):
        with self.cond:
            return {"ts": self.enqueue(str(req["type"]), req.get("object", {}))}

    def ctl_lp_fail(self, req):
        failed = int(req.get("failed", 2))
        if failed not in (1, 2, 3):
            raise ValueError("failed must be 1, 2 or 3")
        with self.cond:
            self.lp_fails.append({"failed": failed, "ts": req.get("ts")})
            self.cond.notify_all()
        return {"ok": True}

    def ctl_fail(self, req):
        key = str(req.get("method", "*"))
        count = int(req.get("count", 1))
        if count <= 0:
            self.failures.clear(key)
        else:
            self.failures.add(key, peerlib.fail_rule(req, count,
                                                     description=req.get("description")))
        return {"ok": True}

    def ctl_config(self, req):
        with self.cond:
            if "message_reply" in req:
                self.message_reply = bool(req["message_reply"])
        return {"ok": True}

    def ctl_state(self):
        with self.cond:
            return {"ts": self.next_ts(), "key": self.key, "events": len(self.events),
                    "lost_before": self.lost_before, "waiting": self.waiting,
                    "lp_fail": [f["failed"] for f in self.lp_fails]}

    def ctl_sent(self):
        with self.cond:
            return list(self.sent)

    # --- Bots Long Poll ---

    def apply_lp_fail(self, fail):
        """The effect of a forced failure, and its answer."""
        if fail["failed"] == 1:
            ts = self.next_ts() if fail["ts"] is None else int(fail["ts"])
            self.lost_before = max(1, min(ts, self.next_ts()))
            return {"failed": 1, "ts": str(self.lost_before)}
        self.key = None
        if fail["failed"] == 3:
            self.lost_before = self.next_ts()
        return {"failed": fail["failed"]}

    def long_poll(self, p):
        try:
            wait = max(0, min(int(p.get("wait", "0") or 0), MAX_POLL))
        except ValueError:
            wait = 0
        deadline = time.monotonic() + wait
        with self.cond:
            self.waiting += 1
            try:
                while True:
                    if self.lp_fails:
                        return self.apply_lp_fail(self.lp_fails.pop(0))
                    if self.key is None or p.get("key") != self.key:
                        return {"failed": 2}
                    try:
                        ts = int(p.get("ts", ""))
                    except ValueError:
                        return {"failed": 1, "ts": str(self.next_ts())}
                    if ts < self.lost_before:
                        return {"failed": 1, "ts": str(self.lost_before)}
                    if ts > self.next_ts():
                        return {"failed": 1, "ts": str(self.next_ts())}
                    left = deadline - time.monotonic()
                    if ts < self.next_ts() or left <= 0:
                        return {"ts": str(self.next_ts()), "updates": self.events[ts - 1:]}
                    self.cond.wait(left)
            finally:
                self.waiting -= 1

    # --- uploads ---

    def upload(self, token, files):
        with self.cond:
            server = self.upload_servers.get(token)
            if server is None:
                return {"error": "invalid upload url"}
            if "file" not in files:
                return {"error": "no file: the multipart field \"file\" is missing"}
            name, ctype, data = files["file"]
            if not data:
                return {"error": "file is empty"}
            n = len(self.uploads) + 1
            opaque = "%d|%d|%s|%s|%s" % (self.group_id, n, server["peer_id"],
                                         hashlib.sha256(data).hexdigest()[:16],
                                         base64.b64encode(name.encode()).decode())
            self.uploads[opaque] = {"filename": name, "data": data, "peer_id": server["peer_id"]}
            return {"file": opaque}

    # --- VK API methods (params: {name: str}) ---

    def m_groups_getLongPollServer(self, p):
        if p.get("group_id", "") == "":
            raise bad("group_id is undefined")
        if as_int(p["group_id"], "group_id") != self.group_id:
            raise bad("group_id is invalid")
        with self.cond:
            if self.key is None:
                self.key = secrets.token_hex(20)
            return {"key": self.key, "server": "%s/lp/%d" % (self.base, self.group_id),
                    "ts": str(self.next_ts())}

    def _peer(self, p):
        for name in ("peer_id", "user_id"):
            if p.get(name, "") != "":
                return as_int(p[name], name)
        raise bad("you should specify peer_id, user_id, domain, chat_id or user_ids param")

    def m_messages_send(self, p):
        peer_id = self._peer(p)
        if p.get("random_id", "") == "":
            raise bad("random_id is a required parameter")
        random_id = as_int(p["random_id"], "random_id", 32)
        text = p.get("message", "")
        refs = [a.strip() for a in p.get("attachment", "").split(",") if a.strip()]
        if not text.strip() and not refs:
            raise bad("message is empty")
        if len(text) > MAX_TEXT:
            raise VkError(914)
        forward = None
        if p.get("forward", "") != "":
            try:
                forward = json.loads(p["forward"])
            except ValueError:
                raise bad("forward is invalid") from None
        with self.cond:
            docs = []
            for ref in refs:
                m = re.fullmatch(r"(doc|photo)(-?\d+)_(\d+)(?:_\w+)?", ref)
                if not m or ref not in self.peer_media.get(peer_id, ()) and not (
                        m[1] == "doc" and int(m[2]) == -self.group_id):
                    raise bad("attachment %s is invalid" % ref)
                if m[1] == "doc":
                    doc = self.docs.get((int(m[2]), int(m[3])))
                    if doc is None:
                        raise bad("attachment %s is invalid" % ref)
                    docs.append(doc)
            reply_to = None
            if p.get("reply_to", "") != "":
                reply_to = as_int(p["reply_to"], "reply_to")
                if (peer_id, reply_to) not in self.messages:
                    raise bad("reply_to is invalid: no such message in this conversation")
            key = (peer_id if self.scope == "peer" else None, random_id)
            now = time.monotonic()
            if random_id != 0 and key in self.random_ids and \
                    now - self.random_ids[key][1] < DEDUPE_SECONDS:
                return self.random_ids[key][0], True
            msg = self.new_message(peer_id, -self.group_id, int(time.time()), text, 1)
            msg["random_id"] = random_id
            msg["attachments"] = [{"type": "doc", "doc": {k: v for k, v in d.items()
                                                           if k != "_data"}} for d in docs]
            if random_id != 0:
                self.random_ids[key] = (msg["id"], now)
            sent = {"peer_id": peer_id, "message_id": msg["id"],
                    "conversation_message_id": msg["conversation_message_id"],
                    "random_id": random_id, "date": msg["date"], "text": text}
            if refs:
                sent["attachment"] = p["attachment"]
            if reply_to is not None:
                sent["reply_to"] = reply_to
            if forward is not None:
                sent["forward"] = forward
            infos = [{"id": d["id"], "owner_id": d["owner_id"], "title": d["title"],
                      "ext": d["ext"], "size": d["size"],
                      "sha256": hashlib.sha256(d["_data"]).hexdigest()} for d in docs]
            if infos:
                sent["doc"] = infos[0]
            if len(infos) > 1:
                sent["docs"] = infos
            self.sent.append(sent)
            if self.message_reply:
                self.enqueue("message_reply", msg)
            return msg["id"], False

    def m_docs_getMessagesUploadServer(self, p):
        kind = p.get("type", "") or "doc"
        if kind != "doc":
            raise bad("type is invalid: only doc is supported here")
        if p.get("peer_id", "") == "":
            raise bad("peer_id is undefined")
        peer_id = as_int(p["peer_id"], "peer_id")
        token = secrets.token_urlsafe(12)
        with self.cond:
            self.upload_servers[token] = {"peer_id": peer_id, "type": kind}
        return {"upload_url": "%s/upload/%s" % (self.base, token)}

    def m_docs_save(self, p):
        if p.get("file", "") == "":
            raise bad("file is undefined")
        with self.cond:
            up = self.uploads.get(p["file"])
            if up is None:
                raise VkError(105, "file is invalid or already saved")
            self.uploads[p["file"]] = None
            name = up["filename"]
            ext = os.path.splitext(name)[1].lstrip(".")
            title = p.get("title", "") or name
            doc = self.add_doc(-self.group_id, title, ext, up["data"], int(time.time()))
            self.allow_media(up["peer_id"], "doc", doc)
        return {"type": "doc", "doc": doc}

    def m_users_get(self, p):
        ids = [s.strip() for s in p.get("user_ids", "").split(",") if s.strip()]
        if not ids:
            raise bad("user_ids is undefined")
        fields = {f.strip() for f in p.get("fields", "").split(",")}
        out, seen = [], set()
        with self.cond:
            for s in ids:
                if re.fullmatch(r"(id)?-?\d+", s):
                    uid = int(s.removeprefix("id"))
                    if uid <= 0:
                        raise VkError(113)
                    user = self.users.get(uid) or {"id": uid, "first_name": "DELETED",
                                                   "last_name": "", "deactivated": "deleted"}
                else:
                    user = next((u for u in self.users.values()
                                 if u.get("screen_name") == s), None)
                    if user is None:
                        raise VkError(113)
                if user["id"] in seen:
                    continue
                seen.add(user["id"])
                u = {"id": user["id"], "first_name": user["first_name"],
                     "last_name": user["last_name"]}
                if "deactivated" in user:
                    u["deactivated"] = user["deactivated"]
                u.update(can_access_closed=True, is_closed=False)
                for f in fields:
                    if f in ("screen_name", "domain"):
                        u[f] = user.get("screen_name") or "id%d" % user["id"]
                    elif f and f in user and f not in u:
                        u[f] = user[f]
                out.append(u)
        return out


METHODS = {"groups.getlongpollserver": "groups.getLongPollServer",
           "messages.send": "messages.send",
           "docs.getmessagesuploadserver": "docs.getMessagesUploadServer",
           "docs.save": "docs.save", "users.get": "users.get"}


class Handler(peerlib.Handler):
    json_type = "application/json; charset=utf-8"
    max_request = MAX_UPLOAD
    controls = {"user": "POST", "message": "POST", "event": "POST", "lp_fail": "POST",
                "fail": "POST", "config": "POST", "sent": "GET", "state": "GET"}

    def html(self, status):
        text = "%d %s" % (status, HTTP_TEXT.get(status, "Error"))
        self.reply(status, ("<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n"
                            "<center><h1>%s</h1></center>\r\n<hr><center>nginx</center>\r\n"
                            "</body>\r\n</html>\r\n" % (text, text)).encode(),
                   "text/html; charset=utf-8")

    def too_large(self):
        self.html(413)

    def call(self, http, url, body):
        params, files = peerlib.parse_params(url.query, body, self.headers, strict=True)
        parts = url.path.strip("/").split("/")
        entry = {"method": None, "http": http, "params": params,
                 "files": peerlib.files_meta(files)}
        if len(parts) == 2 and parts[0] == "method":
            self.api(entry, parts[1])
        elif len(parts) == 2 and parts[0] == "lp" and http == "GET":
            self.lp(entry, parts[1])
        elif len(parts) == 2 and parts[0] == "upload" and http == "POST":
            entry["method"] = "upload"
            self.fail_maybe(entry, "file")
            self.answer(entry, self.state.upload(parts[1], files))
        elif len(parts) == 2 and parts[0] == "files" and http == "GET":
            self.download(entry, parts[1], url.path)
        else:
            entry["method"] = url.path
            entry["status"] = 404
            self.state.record(entry)
            self.html(404)

    def answer(self, entry, obj):
        entry["status"] = 200
        self.state.record(entry)
        self.reply(200, obj)

    def api(self, entry, name):
        method = METHODS.get(name.lower())
        entry["method"] = method or name
        p = entry["params"]
        try:
            if method is None:
                raise VkError(3)
            token = p.get("access_token")
            if token is None:
                auth = self.headers.get("Authorization", "")
                token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
            if not token:
                raise VkError(5, "User authorization failed: no access_token passed.")
            if token != self.state.token:
                raise VkError(5, "User authorization failed: invalid access_token (4).")
            v = p.get("v", "")
            if v == "":
                raise VkError(8, "Invalid request: v is required")
            if not re.fullmatch(r"5\.\d+", v):
                raise VkError(8, "Invalid request: versions below 5.0 are no longer supported")
            self.fail_maybe(entry, "api")
            result = getattr(self.state, "m_" + method.replace(".", "_"))(p)
            if method == "messages.send":
                result, duplicate = result
                if duplicate:
                    entry["duplicate"] = True
            self.answer(entry, {"response": result})
        except VkError as e:
            self.api_error(entry, e)

    def api_error(self, entry, e):
        entry["status"], entry["error"] = 200, e.code
        self.state.record(entry)
        shown = [{"key": "method", "value": entry["method"]}, {"key": "oauth", "value": "1"}]
        shown += [{"key": k, "value": v} for k, v in entry["params"].items()
                  if k not in ("access_token", "method", "oauth")]
        self.reply(200, {"error": {"error_code": e.code, "error_msg": e.msg,
                                   "request_params": shown}})

    def lp(self, entry, group):
        entry["method"] = "lp"
        self.fail_maybe(entry, "lp")
        if group != str(self.state.group_id):
            entry["status"] = 404
            self.state.record(entry)
            return self.html(404)
        if entry["params"].get("act") != "a_check":
            entry["status"] = 400
            self.state.record(entry)
            return self.html(400)
        self.answer(entry, self.state.long_poll(entry["params"]))

    def download(self, entry, name, path):
        entry["method"], entry["params"] = "download", dict(entry["params"], path=path)
        self.fail_maybe(entry, "download")
        with self.state.cond:
            f = self.state.files.get(urllib.parse.unquote(name))
        q = entry["params"]
        if f is None or f["secret"] not in (q.get("hash"), q.get("sign")):
            entry["status"] = 404
            self.state.record(entry)
            return self.html(404)
        entry["status"] = 200
        self.state.record(entry)
        self.reply(200, f["data"], f["ctype"])

    def fail_maybe(self, entry, kind):
        """Applies the next failure rule for this call, if any; kind is
        "api", "lp", "file" (upload) or "download"."""
        rule = self.failure(entry["method"], entry, MALFORMED[kind])
        if rule is None:
            return
        mode = rule["mode"]
        m = re.fullmatch(r"error(\d+)", mode)
        if m:
            code = int(m[1])
            err = VkError(code)
            if rule["description"]:
                err.msg = rule["description"]
            elif code == 5:
                err.msg = ERROR_TEXT[5]
            if kind == "api":
                self.api_error(entry, err)
                raise peerlib.Silent()
            entry["status"], entry["error"] = 200, code
            self.state.record(entry)
            self.reply(200, {"error": {"error_code": code, "error_msg": err.msg}})
            raise peerlib.Silent()
        status = int(mode) if mode.isdigit() else 500
        entry["status"] = status
        self.state.record(entry)
        self.html(status)
        raise peerlib.Silent()


def main():
    ap = peerlib.arg_parser("Fake VK API (community bot) for tests", "vk1.a.TESTTOKEN",
                            (("--group-id",), {"type": int, "default": 777}))
    ap.add_argument("--random-id-scope", choices=("peer", "community"), default="peer")
    args = ap.parse_args()
    vk = Vk(args.token, args.group_id, args.state, args.random_id_scope)
    server = peerlib.server(Handler, vk)
    vk.base = "http://127.0.0.1:%d" % server.server_address[1]
    peerlib.serve(server, args, "vk")


if __name__ == "__main__":
    main()
