#!/usr/bin/env python3
"""A local stand-in for the Telegram Bot API, for dlg's shell tests.

Usage: telegram.py --port-file FILE --state DIR [--token TOKEN] [--lifetime SECONDS]

Listens on 127.0.0.1 at an ephemeral port and writes the port number to FILE
(atomically) once listening.  Runs until SIGTERM, `POST /_ctl/quit`, or
--lifetime seconds (default 600), whichever comes first.  Token defaults to
"123:TESTTOKEN"; the bot's user id is the token's numeric prefix.

Bot API (shapes as in https://core.telegram.org/bots/api):
  /bot<TOKEN>/<method>  GET query, or POST form-urlencoded, JSON or multipart.
      Methods (case-insensitive): getMe, getUpdates, getFile, sendMessage,
      sendDocument.  Wrong token: 401; unknown method: 404; bad parameters:
      400 "Bad Request: ...".  Answers {"ok":true,"result":...} or
      {"ok":false,"error_code":N,"description":"..."} with HTTP status N.
      getUpdates long-polls up to `timeout` (at most 50 s); an offset confirms
      and drops every update below it; a newer getUpdates ends a waiting one
      with 409 Conflict, as the real server does.
  /file/bot<TOKEN>/<file_path>  raw bytes of a file named by getFile.

Every API call and file download is appended to DIR/requests.jsonl as
  {"method", "http", "params": {name: string}, "files": {name: {"filename",
   "size", "sha256", "content_type"}}, "status": HTTP status[, "failed": mode]}
(downloads use method "download" and params {"file_path"}).

Control API (JSON bodies and answers; never recorded):
  POST /_ctl/message  {"chat_id", "from": {"id", "first_name", "last_name"?,
        "username"?, "language_code"?}, "text"?, "caption"?, "photo"?: true,
        "document"?: {"file_name", "mime_type", "content_base64"}, "date"?,
        "reply_to_message_id"?, "media_group_id"?, "chat_type"?, "title"?,
        "edit_message_id"?}
      Queues an Update with a Message from the customer (is_bot false; chat is
      private unless chat_type says otherwise).  A photo gets three sizes of
      made-up JPEG bytes, largest last.  With edit_message_id the update is an
      edited_message of that message instead.  Answers {"update_id",
      "message_id", "file_ids": {"document": id, "photo": [ids]}}.
  POST /_ctl/update   any Update object; the peer sets its update_id.
      Answers {"update_id"}.
  POST /_ctl/fail     {"method", "mode", "count"?: 1, "retry_after"?: 1,
        "hang_seconds"?: 30, "description"?}
      The next `count` calls of `method` ("*" for any; "download" for file
      downloads) fail: mode "500", "429" (with parameters.retry_after and a
      Retry-After header), "403" (bot blocked), "malformed" (HTTP 200 with a
      truncated JSON body) or "hang" (no answer for hang_seconds, then the
      connection closes) or "slow" (the call is carried out, then answered
      only after hang_seconds: a sender may die after the message went).
      Rules queue up in order.  A failed call changes no
      state: nothing is sent, no offset is confirmed.  count <= 0 clears the
      rules for that method.
  GET  /_ctl/sent     [{"chat_id", "message_id", "date", "text" | "caption",
        "reply_to_message_id"?, "document"?: {"filename", "size", "sha256",
        "mime_type", "file_id"? (re-sent by file_id)} or {"url"} (sent by URL)}]
      for every successful sendMessage/sendDocument, oldest first.
  GET  /_ctl/state    {"offset_confirmed", "pending", "last_update_id"}
  POST /_ctl/quit     answers {"ok":true} and exits.

Update ids start at 1; message ids count from 1 in each chat, shared by the
customer's and the bot's messages.  Text length is counted in characters
(code points).  sendMessage to any integer chat_id is accepted.
"""

import base64
import hashlib
import json
import mimetypes
import os
import sys
import threading
import time
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peerlib  # noqa: E402

MAX_POLL = 50
MAX_DOWNLOAD = 20 * 1024 * 1024
MAX_UPLOAD = 50 * 1024 * 1024
HTTP_TEXT = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
             409: "Conflict", 413: "Request Entity Too Large", 429: "Too Many Requests",
             500: "Internal Server Error", 502: "Bad Gateway"}


class ApiError(Exception):
    def __init__(self, code, description=None, headers=None, **extra):
        super().__init__(description)
        self.code, self.extra, self.headers = code, extra, headers or {}
        self.description = description or HTTP_TEXT.get(code, "Error")


def bad(what):
    return ApiError(400, "Bad Request: " + what)


def as_int(v, what):
    try:
        return int(str(v).strip())
    except ValueError:
        raise bad(what) from None


class Bot(peerlib.State):
    """All the fake server's state, guarded by one lock."""

    def __init__(self, token, state_dir):
        super().__init__(state_dir)
        self.token = token
        prefix = token.split(":")[0]
        self.me = {"id": int(prefix) if prefix.isdigit() else 123, "is_bot": True,
                   "first_name": "Test Bot", "username": "test_bot"}
        self.cond = threading.Condition()
        self.updates = []            # held (unconfirmed) updates, oldest first
        self.next_update_id = 1
        self.offset_confirmed = 0
        self.allowed_updates = []
        self.poll_generation = 0
        self.next_message_id = {}    # chat id -> next message id
        self.chats = {}              # chat id -> Chat object
        self.messages = {}           # (chat id, message id) -> Message
        self.files = {}              # file_id -> {"meta": File object, "data": bytes}
        self.paths = {}              # file_path -> file_id
        self.sent = []

    # --- stored objects (call with the lock held) ---

    def add_file(self, data, kind, ext, name=None, mime=None):
        n = len(self.files)
        digest = hashlib.sha256(b"%d:" % n + data).digest()
        file_id = ("BQACAgIAAxkB" if kind == "documents" else "AgACAgIAAxkB") + \
            base64.urlsafe_b64encode(digest).decode().rstrip("=")
        unique_id = "AgAD" + base64.urlsafe_b64encode(digest[:9]).decode()
        path = "%s/file_%d%s" % (kind, n, ext)
        meta = {"file_id": file_id, "file_unique_id": unique_id, "file_size": len(data)}
        doc = dict(meta)
        if name is not None:
            doc["file_name"] = name
        if mime is not None:
            doc["mime_type"] = mime
        self.files[file_id] = {"meta": meta, "doc": doc, "data": data, "path": path}
        self.paths[path] = file_id
        return doc

    def add_document(self, data, name, mime):
        ext = os.path.splitext(name or "")[1]
        mime = mime if mime and mime != "application/octet-stream" else \
            (mimetypes.guess_type(name or "")[0] or "application/octet-stream")
        doc = self.add_file(data, "documents", ext, name, mime)
        return {k: doc[k] for k in ("file_id", "file_unique_id", "file_name", "mime_type",
                                    "file_size") if k in doc}

    def new_message(self, chat_id, sender, date):
        mid = self.next_message_id.get(chat_id, 1)
        self.next_message_id[chat_id] = mid + 1
        chat = self.chats.setdefault(chat_id, {"id": chat_id, "type": "private"})
        msg = {"message_id": mid, "from": sender, "chat": chat, "date": date}
        self.messages[(chat_id, mid)] = msg
        return msg

    def enqueue(self, update):
        kind = next((k for k in update if k != "update_id"), None)
        update = dict({"update_id": self.next_update_id}, **update)
        self.next_update_id += 1
        if not self.allowed_updates or kind in self.allowed_updates:
            self.updates.append(update)
            self.cond.notify_all()
        return update["update_id"]

    # --- control API ---

    def ctl_message(self, req):
        chat_id = as_int(req.get("chat_id", (req.get("from") or {}).get("id")), "chat_id")
        sender = {"id": chat_id, "first_name": "Customer"}
        sender.update(req.get("from") or {})
        sender["id"] = as_int(sender["id"], "from.id")
        sender["is_bot"] = False
        date = int(req.get("date") or time.time())
        with self.cond:
            chat = {"id": chat_id, "type": req.get("chat_type", "private")}
            if chat["type"] == "private":
                chat.update({k: sender[k] for k in ("first_name", "last_name", "username")
                             if k in sender})
            else:
                chat["title"] = req.get("title", "Test Group")
            self.chats[chat_id] = chat
            edit = req.get("edit_message_id")
            if edit is not None:
                msg = {"message_id": int(edit), "from": sender, "chat": chat, "date": date,
                       "edit_date": int(time.time())}
            else:
                msg = self.new_message(chat_id, sender, date)
            file_ids = {}
            for key in ("text", "caption", "media_group_id"):
                if req.get(key) is not None:
                    msg[key] = req[key]
            reply = self.messages.get((chat_id, req.get("reply_to_message_id")))
            if reply:
                msg["reply_to_message"] = reply
            if req.get("photo"):
                seed = hashlib.sha256(b"%d/%d" % (chat_id, msg["message_id"])).digest()
                msg["photo"] = []
                for w, h, n in ((90, 67, 200), (320, 240, 1500), (800, 600, 6000)):
                    data = b"\xff\xd8\xff\xe0" + (seed * (n // 32 + 1))[:n] + b"\xff\xd9"
                    msg["photo"].append(dict(self.add_file(data, "photos", ".jpg"),
                                             width=w, height=h))
                file_ids["photo"] = [p["file_id"] for p in msg["photo"]]
            if req.get("document"):
                d = req["document"]
                data = base64.b64decode(d.get("content_base64", ""))
                msg["document"] = self.add_document(data, d.get("file_name"), d.get("mime_type"))
                file_ids["document"] = msg["document"]["file_id"]
            uid = self.enqueue({"edited_message" if edit is not None else "message": msg})
        return {"update_id": uid, "message_id": msg["message_id"], "file_ids": file_ids}

    def ctl_update(self, req):
        with self.cond:
            return {"update_id": self.enqueue({k: v for k, v in req.items() if k != "update_id"})}

    def ctl_fail(self, req):
        method = str(req.get("method", "*"))
        key = method if method in ("*", "download") else method.lower()
        count = int(req.get("count", 1))
        if count <= 0:
            self.failures.clear(key)
        else:
            self.failures.add(key, peerlib.fail_rule(
                req, count, retry_after=int(req.get("retry_after", 1)),
                description=req.get("description")))
        return {"ok": True}

    def ctl_sent(self):
        with self.cond:
            return list(self.sent)

    def ctl_state(self):
        with self.cond:
            return {"offset_confirmed": self.offset_confirmed, "pending": len(self.updates),
                    "last_update_id": self.next_update_id - 1}

    # --- Bot API methods ---

    def getMe(self, p, f):
        return self.me

    def getUpdates(self, p, f):
        limit = as_int(p.get("limit", 100), "limit") if p.get("limit", "") != "" else 100
        limit = min(max(limit, 1), 100)
        timeout = as_int(p.get("timeout", 0) or 0, "timeout")
        deadline = time.monotonic() + min(max(timeout, 0), MAX_POLL)
        with self.cond:
            self.poll_generation += 1
            generation = self.poll_generation
            self.cond.notify_all()
            if p.get("allowed_updates") not in (None, ""):
                try:
                    allowed = json.loads(p["allowed_updates"])
                except ValueError:
                    raise bad("can't parse allowed updates") from None
                self.allowed_updates = [allowed] if isinstance(allowed, str) else list(allowed)
            if p.get("offset", "") != "":
                offset = as_int(p["offset"], "offset")
                if offset < 0:
                    kept = self.updates[offset:] if -offset < len(self.updates) else self.updates
                    offset = kept[0]["update_id"] if kept else self.next_update_id
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
                self.offset_confirmed = max(self.offset_confirmed,
                                            min(offset, self.next_update_id) - 1)
            while True:
                if generation != self.poll_generation:
                    raise ApiError(409, "Conflict: terminated by other getUpdates request; "
                                        "make sure that only one bot instance is running")
                left = deadline - time.monotonic()
                if self.updates or left <= 0:
                    return self.updates[:limit]
                self.cond.wait(left)

    def getFile(self, p, f):
        with self.cond:
            entry = self.files.get(p.get("file_id", ""))
            if entry is None:
                raise bad("invalid file_id")
            if entry["meta"]["file_size"] > MAX_DOWNLOAD:
                raise bad("file is too big")
            return dict(entry["meta"], file_path=entry["path"])

    def _chat(self, p):
        if p.get("chat_id", "") == "":
            raise bad("chat_id is empty")
        return as_int(p["chat_id"], "chat not found")

    def _send(self, p, chat_id, fill, sent):
        """Creates the bot's message; `fill` adds the content to it."""
        reply_id = p.get("reply_to_message_id")
        if p.get("reply_parameters"):
            try:
                rp = json.loads(p["reply_parameters"])
                reply_id, allow = rp.get("message_id"), rp.get("allow_sending_without_reply")
            except (ValueError, AttributeError):
                raise bad("can't parse reply parameters JSON object") from None
        else:
            allow = p.get("allow_sending_without_reply") == "true"
        with self.cond:
            reply = None
            if reply_id not in (None, ""):
                reply_id = as_int(reply_id, "message to be replied not found")
                reply = self.messages.get((chat_id, reply_id))
                if reply is None and not allow:
                    raise bad("message to be replied not found")
            msg = self.new_message(chat_id, self.me, int(time.time()))
            if reply:
                msg["reply_to_message"] = reply
                sent["reply_to_message_id"] = reply_id
            fill(msg)
            self.sent.append(dict({"chat_id": chat_id, "message_id": msg["message_id"],
                                   "date": msg["date"]}, **sent))
            return msg

    def sendMessage(self, p, f):
        chat_id, text = self._chat(p), p.get("text", "")
        if not text.strip():
            raise bad("message text is empty")
        if len(text) > 4096:
            raise bad("message is too long")
        return self._send(p, chat_id, lambda m: m.update(text=text), {"text": text})

    def sendDocument(self, p, f):
        chat_id, caption = self._chat(p), p.get("caption") or None
        if caption is not None and len(caption) > 1024:
            raise bad("message caption is too long")
        ref = p.get("document", "")
        if ref.startswith("attach://"):
            part, ref = f.get(ref[len("attach://"):]), ""
        else:
            part = f.get("document")
        with self.cond:
            if part is not None:
                name, ctype, data = part
                doc = self.add_document(data, name, ctype)
                info = {}
            elif ref in self.files:
                doc, data = dict(self.files[ref]["doc"]), self.files[ref]["data"]
                info = {"file_id": ref}
            elif ref.startswith(("http://", "https://")):
                name = os.path.basename(urllib.parse.urlsplit(ref).path) or "file"
                doc = self.add_document(b"", name, None)
                info = {"url": ref}
            elif ref:
                raise bad("wrong file identifier/HTTP URL specified")
            else:
                raise bad("there is no document in the request")
            if "url" not in info:
                info.update(filename=doc.get("file_name"), size=len(data),
                            sha256=hashlib.sha256(data).hexdigest(), mime_type=doc.get("mime_type"))
        sent = {"document": info}
        if caption is not None:
            sent["caption"] = caption

        def fill(m):
            m["document"] = doc
            if caption is not None:
                m["caption"] = caption
        return self._send(p, chat_id, fill, sent)


METHODS = {m.lower(): m for m in ("getMe", "getUpdates", "getFile", "sendMessage",
                                  "sendDocument")}


class Handler(peerlib.Handler):
    max_request = MAX_UPLOAD
    controls = {"message": "POST", "update": "POST", "fail": "POST", "sent": "GET",
                "state": "GET"}
    ctl_errors = (ApiError,)

    def too_large(self):
        self.reply(413, {"ok": False, "error_code": 413, "description": HTTP_TEXT[413]})

    def call(self, http, url, body):
        params, files = peerlib.parse_params(url.query, body, self.headers)
        parts = url.path.lstrip("/").split("/")
        entry = {"method": None, "http": http, "params": params,
                 "files": peerlib.files_meta(files)}
        try:
            if len(parts) >= 3 and parts[0] == "file":
                entry["method"], entry["params"] = "download", {"file_path": "/".join(parts[2:])}
                if parts[1] != "bot" + self.state.token:
                    raise ApiError(401)
                self.fail_maybe(entry)
                with self.state.cond:
                    fid = self.state.paths.get(entry["params"]["file_path"])
                    data = self.state.files[fid]["data"] if fid else None
                if data is None:
                    raise ApiError(404)
                entry["status"] = 200
                self.state.record(entry)
                return self.reply(200, data, "application/octet-stream")
            entry["method"] = METHODS.get(parts[-1].lower(), parts[-1]) if len(parts) == 2 \
                else url.path
            if len(parts) != 2 or parts[0] != "bot" + self.state.token:
                raise ApiError(401 if parts[0].startswith("bot") and len(parts) == 2 else 404)
            if parts[1].lower() not in METHODS:
                raise ApiError(404)
            slow = self.fail_maybe(entry)
            result = getattr(self.state, entry["method"])(params, files)
            entry["status"] = 200
            self.state.record(entry)
            if slow:
                time.sleep(slow["hang_seconds"])
            self.reply(200, {"ok": True, "result": result})
        except ApiError as e:
            entry.setdefault("status", e.code)
            self.state.record(entry)
            answer = {"ok": False, "error_code": e.code, "description": e.description}
            if e.extra:
                answer["parameters"] = e.extra
            self.reply(e.code, answer, headers=e.headers)

    def fail_maybe(self, entry):
        method = entry["method"]
        rule = self.failure(method if method == "download" else method.lower(), entry,
                            b'{"ok":true,"result":[{')
        if rule is None or rule["mode"] == "slow":
            return rule
        mode = rule["mode"]
        code = int(mode) if mode.isdigit() else 500
        if code == 429:
            n = rule["retry_after"]
            raise ApiError(429, rule["description"] or "Too Many Requests: retry after %d" % n,
                           {"Retry-After": str(n)}, retry_after=n)
        if code == 403:
            raise ApiError(403, rule["description"] or "Forbidden: bot was blocked by the user")
        raise ApiError(code, rule["description"])


def main():
    args = peerlib.arg_parser("Fake Telegram Bot API for tests", "123:TESTTOKEN").parse_args()
    server = peerlib.server(Handler, Bot(args.token, args.state))
    peerlib.serve(server, args, "telegram")


if __name__ == "__main__":
    main()
