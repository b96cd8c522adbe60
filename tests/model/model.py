#!/usr/bin/env python3
"""Model-based convergence test for dlg (standard library only).

Usage: model.py --dir DIR --smtp URL --smtp-maildir DIR --report DIR
                [--seed N] [--ops N]

Sets up a bare central repository, a first store with a few customer
mails and an email channel, three operator clones (alice, bob, carol) and
a hub that imports and sends; performs N random operations (seeded), each
with its own time (DLG_NOW), and random syncs through the centre; then
syncs everyone to quiescence, has the hub send what is queued, and compares
every store with an oracle.

The oracle never asks dlg what to expect.  It keeps, for each store, the
facts that store holds (operation logs, messages, notes, outbox entries)
as grow-only sets, so a sync is a set union, and derives state from them
by the store's rules (store-format.md): logs replayed in (lamport, time,
actor, line) order, an operation appended only when it changes the
record's state, a close reopened by incoming messages it never saw, a
merged user's dialogs belonging to the user kept, an outbox entry removed
once never coming back.

Writes REPORT/<check> (empty when the check passed), REPORT/trace (every
operation) and REPORT/summary; exits non-zero only when it could not run.
"""
import argparse
import collections
import datetime
import email
import email.policy
import hashlib
import json
import os
import random
import subprocess
import sys
import time

OPERATORS = ("alice", "bob", "carol")
PRIMARY = ("p1@example.com", "p2@example.com", "p3@example.com")  # never merged away
SECONDARY = tuple("s%d@example.org" % i for i in range(1, 7))     # each merged at most once
TAGS = ("vip", "billing", "spam", "urgent")
PROPS = {"plan": ("free", "pro", ""), "city": ("Oslo", "Riga", ""), "name": ("Ann", "Bo")}
CHECKS = ("commands", "status", "assignee", "tags", "notes", "messages", "dialog-user",
          "user-dialogs", "user-cards", "smtp", "outbox", "trees")
START = datetime.datetime(2026, 11, 25, 9, 0, 0, tzinfo=datetime.timezone.utc)


def key(*parts):
    """dlg's ids: the git blob hash of the NUL-separated strings, 16 digits."""
    data = "\0".join(parts).encode()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()[:16]


def msg_key(message_id):
    return key("msg", "email", message_id)


def user_id(address):
    return key("user", "email", address.lower())


def dialog_id(first_key):
    return key("dialog", "email", first_key)


Op = collections.namedtuple("Op", "lamport time actor verb args")


def ordered(ops):
    return sorted(ops, key=lambda o: (o.lamport, o.time, o.actor, o.verb, o.args))


class Replica:
    """What one store holds, as grow-only sets: merging two is their union."""

    def __init__(self):
        self.logs = collections.defaultdict(set)   # "d:ID" or "u:ID" -> {Op}
        self.msgs = collections.defaultdict(dict)  # dialog -> {key: "in" | "out"}
        self.notes = collections.defaultdict(set)  # dialog -> {(author, text)}
        self.opener = {}                           # dialog -> user id written at creation
        self.queued = {}                           # outbox key -> dialog
        self.sent = set()                          # outbox keys delivered (entry removed)

    def copy(self):
        r = Replica()
        r.merge(self)
        return r

    def merge(self, other):
        for rec, ops in other.logs.items():
            self.logs[rec] |= ops
        for d, msgs in other.msgs.items():
            self.msgs[d].update(msgs)
        for d, notes in other.notes.items():
            self.notes[d] |= notes
        self.opener.update(other.opener)
        self.queued.update(other.queued)
        self.sent |= other.sent

    def signature(self):
        return (sorted((k, sorted(v)) for k, v in self.logs.items() if v),
                sorted((k, sorted(v.items())) for k, v in self.msgs.items()),
                sorted((k, sorted(v)) for k, v in self.notes.items() if v),
                sorted(self.opener.items()), sorted(self.queued.items()), sorted(self.sent))

    def knows_user(self, uid):
        return bool(self.logs.get("u:" + uid))


# ---- the oracle's rules ----

DialogState = collections.namedtuple("DialogState", "closed assignee tags")
UserState = collections.namedtuple("UserState", "name idents merged props dialogs")


def dialog_state(r, d):
    assignee, tags, closed_seeing = None, set(), None
    for op in ordered(r.logs["d:" + d]):
        if op.verb == "assign":
            assignee = op.args[0]
        elif op.verb == "unassign":
            assignee = None
        elif op.verb == "tag":
            (tags.add if op.args[0][0] == "+" else tags.discard)(op.args[0][1:])
        elif op.verb == "close":
            closed_seeing = op.args[0]
        elif op.verb == "reopen":
            closed_seeing = None
    incoming = sum(1 for way in r.msgs[d].values() if way == "in")
    # a customer message the closer never saw reopens the dialog
    closed = closed_seeing is not None and incoming <= closed_seeing
    return DialogState(closed, assignee, frozenset(tags))


def user_state(r, u):
    name, idents, merged, props, dialogs = None, [], None, {}, []
    for op in ordered(r.logs["u:" + u]):
        if op.verb == "name":
            name = op.args[0]
        elif op.verb == "ident" and op.args not in idents:
            idents.append(op.args)
        elif op.verb == "set":
            props[op.args[0]] = op.args[1]
        elif op.verb == "unset":
            props.pop(op.args[0], None)
        elif op.verb == "merged":
            merged = op.args[0]
        elif op.verb == "dialog" and op.args[0] not in dialogs:
            dialogs.append(op.args[0])
    return UserState(name, idents, merged, props, dialogs)


def record_state(r, rec):
    if rec.startswith("d:"):
        return dialog_state(r, rec[2:])
    s = user_state(r, rec[2:])
    return (s.name, frozenset(s.idents), s.merged, frozenset(s.props.items()), frozenset(s.dialogs))


def record_op(r, rec, t, actor, verb, *args):
    """Appends an operation when it changes the record's state (or starts it)."""
    log = r.logs[rec]
    op = Op(1 + max((o.lamport for o in log), default=0), t, actor, verb, args)
    started = not log
    before = record_state(r, rec)
    log.add(op)
    if not started and record_state(r, rec) == before:
        log.discard(op)
        return False
    return True


def resolve(r, uid):
    for _ in range(8):
        merged = user_state(r, uid).merged
        if not merged or merged == uid:
            break
        uid = merged
    return uid


def merge_users(r, t, actor, keep, other):
    """What `dlg user merge` writes (lib/store/users.c), against the acting store."""
    k, o = user_state(r, keep), user_state(r, other)
    if not k.name and o.name:
        record_op(r, "u:" + keep, t, actor, "name", o.name)
    for name, value in sorted(o.props.items(), key=lambda kv: kv[0] + "\t" + kv[1]):
        if name not in k.props:
            record_op(r, "u:" + keep, t, actor, "set", name, value)
    record_op(r, "u:" + other, t, actor, "merged", keep)
    complete_merge(r, other)


def complete_merge(r, other):
    """The user kept gets the identities and dialogs of the one merged into it,
    with the time and actor of the merge (store-format.md, merging rule 7)."""
    merged = [op for op in ordered(r.logs["u:" + other]) if op.verb == "merged"][-1]
    o, keep = user_state(r, other), resolve(r, other)
    for kind, value in o.idents:
        record_op(r, "u:" + keep, merged.time, merged.actor, "ident", kind, value)
    for d in o.dialogs:
        record_op(r, "u:" + keep, merged.time, merged.actor, "dialog", d)


def sync(r, theirs):
    """`dlg sync`: the union of both sides, then every merge completed."""
    r.merge(theirs)
    for rec in sorted(rec for rec in r.logs if rec.startswith("u:")):
        if user_state(r, rec[2:]).merged:
            complete_merge(r, rec[2:])


def import_message(r, t, actor, sender, k, thread=None):
    """An incoming message (lib/store/import.c): to the thread it answers, else a new dialog."""
    uid = resolve(r, user_id(sender))
    record_op(r, "u:" + uid, t, actor, "ident", "email", sender)
    d = thread
    if d is None:
        d = dialog_id(k)
        r.opener[d] = uid
        record_op(r, "d:" + d, t, actor, "create", "email")
        record_op(r, "u:" + uid, t, actor, "dialog", d)
    elif dialog_state(r, d).closed:
        record_op(r, "d:" + d, t, actor, "reopen")
    r.msgs[d][k] = "in"
    return d


def expected_dialog(r, d):
    """A dialog as `dlg list --json` and `dlg show --json` should give it."""
    st = dialog_state(r, d)
    return {"status": "closed" if st.closed else "open", "assignee": st.assignee,
            "tags": sorted(st.tags), "user": resolve(r, r.opener[d]),
            "messages": sorted(r.msgs[d].items()), "notes": sorted(r.notes[d])}


# ---- the stores and the random run ----

class Store:
    def __init__(self, name, operator):
        self.name, self.operator = name, operator
        self.rep = Replica()
        self.fetched = None  # the centre as this store's last fetch saw it


Event = collections.namedtuple("Event", "time store text touches is_sync")


class Run:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.dir = os.path.abspath(args.dir)
        self.centre_path = os.path.join(self.dir, "centre.git")
        self.centre = Replica()
        self.stores = {}
        self.clock = 0
        self.trace = []          # Events
        self.failures = {c: {} for c in CHECKS}  # check -> {text: [stores]}
        self.involved = collections.defaultdict(dict)  # check -> dialogs, users, keys (in order)
        self.came_back = set()   # (store, outbox key) reported already
        self.diverged = set()    # (store, dialog, check) reported already
        self.mail = {}           # incoming key -> (Message-ID, sender)
        self.subject = {}        # dialog -> subject
        self.replies = {}        # outgoing key -> dialog
        self.merged = {}         # other -> keep, wherever it was merged
        self.counts = collections.Counter()
        self.serial = 0

    def fail(self, check, store, text, about=()):
        self.failures[check].setdefault(text, []).append(store)
        self.involved[check].update(dict.fromkeys(about))

    # -- running commands --

    def now(self):
        self.clock += 1
        return (START + datetime.timedelta(minutes=self.clock)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def run(self, store, argv, t, text, touches=(), is_sync=False, check=True):
        env = dict(os.environ, DLG_NOW=t, DLG_OPERATOR=store.operator)
        p = subprocess.run(argv, cwd=self.dir, env=env, capture_output=True, text=True)
        self.counts["commands"] += 1
        self.trace.append(Event(t, store.name, text + ("" if p.returncode == 0 else " (exit %d)" % p.returncode),
                                set(touches), is_sync))
        if check and p.returncode != 0:
            self.fail("commands", store.name, "%s: %s: exit %d: %s" % (
                t, " ".join(argv), p.returncode, p.stderr.strip()), touches)
        return p

    def read(self, store, *argv):
        """A command that changes nothing: left out of the trace."""
        p = subprocess.run(["dlg", "-C", store.name] + list(argv), cwd=self.dir, capture_output=True, text=True,
                           env=dict(os.environ, DLG_NOW=self.trace[-1].time, DLG_OPERATOR=store.operator))
        self.counts["commands"] += 1
        if p.returncode != 0:
            self.fail("commands", store.name, "dlg %s: exit %d: %s" % (" ".join(argv), p.returncode, p.stderr.strip()))
        return p

    def read_json(self, store, *argv):
        return [json.loads(line) for line in self.read(store, *argv).stdout.splitlines() if line.strip()]

    def dlg(self, store, t, *argv, touches=(), text=None, check=True):
        return self.run(store, ["dlg", "-C", store.name] + list(argv), t, text or " ".join(argv), touches,
                        check=check)

    def git(self, store, *argv, text, check=True):
        return self.run(store, ["git", "-C", store.name] + list(argv), self.now(), text, is_sync=True,
                        check=check)

    def annotate(self, text):
        """What the oracle made of the last command, for the trace."""
        e = self.trace[-1]
        self.trace[-1] = e._replace(text="%s [%s]" % (e.text, text))

    def op(self, r, rec, t, actor, verb, *args):
        if not record_op(r, rec, t, actor, verb, *args):
            self.annotate("no change")

    def write_mail(self, t, sender, subject, message_id, in_reply_to=None):
        path = os.path.join(self.dir, "mail", message_id)
        when = datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ")
        with open(path, "w") as f:
            f.write("From: %s\nTo: support@shop.example\nSubject: %s\n" % (sender, subject))
            f.write("Date: %s\nMessage-ID: <%s>\n" % (when.strftime("%a, %d %b %Y %H:%M:%S +0000"), message_id))
            if in_reply_to:
                f.write("In-Reply-To: <%s>\nReferences: <%s>\n" % (in_reply_to, in_reply_to))
            f.write("Content-Type: text/plain; charset=utf-8\n\nBody of %s\n" % message_id)
        return path

    def import_mail(self, store, sender, subject, thread=None, in_reply_to=None):
        t = self.now()
        self.serial += 1
        mid = "m%d@example.net" % self.serial
        k = msg_key(mid)
        path = self.write_mail(t, sender, subject, mid, in_reply_to)
        closed = thread and dialog_state(store.rep, thread).closed
        expect = import_message(store.rep, t, store.operator, sender, k, thread)
        self.mail[k] = (mid, sender)
        self.subject.setdefault(expect, subject)
        text = "import %s from %s%s" % (mid, sender, ", In-Reply-To " + in_reply_to if in_reply_to else "")
        p = self.dlg(store, t, "import", path, touches=(expect, user_id(sender), k), text=text)
        self.annotate("%s dialog %s%s" % ("joins" if thread else "new", expect, ", closed here: reopen" if closed else ""))
        if p.returncode == 0 and p.stdout.split() != [expect]:
            self.fail("commands", store.name, "%s: import of %s went to %s, oracle %s" % (
                t, mid, " ".join(p.stdout.split()), expect), (expect,))
        return expect

    # -- syncs through the centre --

    def fetch(self, s):
        self.counts["fetches"] += 1
        self.git(s, "fetch", "-q", "centre", "main:refs/remotes/origin/main", text="fetch")
        s.fetched = self.centre.copy()

    def sync(self, s):
        if s.fetched is None:
            return
        self.counts["syncs"] += 1
        p = self.run(s, ["dlg", "-C", s.name, "sync", "origin/main"], self.now(), "sync", is_sync=True)
        self.counts["sync: " + (p.stdout.strip() or "failed")] += 1
        self.annotate(p.stdout.strip())
        sync(s.rep, s.fetched)
        self.check_outbox(s)
        self.check_listing(s)

    def push(self, s):
        for _ in range(10):
            self.counts["pushes"] += 1
            if self.git(s, "push", "-q", "centre", "main", text="push", check=False).returncode == 0:
                self.centre = s.rep.copy()
                return
            self.counts["rejected pushes"] += 1
            self.fetch(s)
            self.sync(s)
        self.fail("commands", s.name, "push still rejected after 10 attempts")

    def check_outbox(self, s):
        """An entry removed once (sent) never comes back; none is lost."""
        path = os.path.join(self.dir, s.name, "outbox")
        have = set(os.listdir(path)) if os.path.isdir(path) else set()
        want = set(k for k in s.rep.queued if k not in s.rep.sent)
        for k in sorted((have ^ want) - {k for name, k in self.came_back if name == s.name}):
            self.came_back.add((s.name, k))
            self.fail("outbox", s.name, "%s: after a sync outbox/%s (dialog %s) is %s" % (
                self.trace[-1].time, k, s.rep.queued.get(k, "?"),
                "back, sent before" if k in have else "gone, never sent"), (k,))

    def check_listing(self, s):
        """Right after a sync, not only at the end, the store lists what the oracle says."""
        listed = {o["id"]: o for o in self.read_json(s, "list", "--json", "--status", "all")}
        for d in sorted(s.rep.opener):
            want, o = expected_dialog(s.rep, d), listed.get(d)
            got = {"status": o["status"], "assignee": o["assignee"], "tags": o["tags"],
                   "dialog-user": o["user"]["id"], "messages": o["messages"]} if o else {}
            want["dialog-user"], want["messages"] = want["user"], len(want["messages"])
            for check in ("status", "assignee", "tags", "dialog-user", "messages"):
                if got.get(check) != want[check] and (s.name, d, check) not in self.diverged:
                    self.diverged.add((s.name, d, check))
                    self.fail(check, s.name, "%s: first after a sync: list: %s %s: %r, oracle %r" % (
                        self.trace[-1].time, d, check.replace("dialog-", ""), got.get(check), want[check]), [d])

    # -- the operations --

    def setup(self):
        os.makedirs(os.path.join(self.dir, "mail"), exist_ok=True)
        first = self.stores["first"] = Store("first", "admin")
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", self.centre_path], check=True)
        self.run(first, ["dlg", "init", "-q", "first"], self.now(), "init")
        self.dlg(first, self.now(), "channel", "add", "mail", "--type", "email", "--smtp", self.args.smtp,
                 "--address", "support@shop.example", "--timeout", "5")
        for i, sender in enumerate(PRIMARY + SECONDARY[:2]):
            self.import_mail(first, sender, "Order %d" % (i + 1))
        self.git(first, "remote", "add", "centre", self.centre_path, text="remote add")
        self.push(first)
        for name in OPERATORS + ("hub",):
            s = self.stores[name] = Store(name, name)
            self.run(s, ["dlg", "clone", "-q", self.centre_path, name], self.now(), "clone", is_sync=True)
            self.git(s, "remote", "add", "centre", self.centre_path, text="remote add")
            s.rep = self.centre.copy()

    def op_dialog(self, s):
        d, t, r = self.rng.choice(sorted(s.rep.opener)), self.now(), s.rep
        what = self.rng.choice(("tag", "tag", "tag", "assign", "assign", "unassign", "close",
                                "close", "reopen", "note", "reply", "reply"))
        if what == "tag":
            tag = self.rng.choice("+-") + self.rng.choice(TAGS)
            self.dlg(s, t, "tag", tag, d, touches=(d,))
            self.op(r, "d:" + d, t, s.operator, "tag", tag)
        elif what == "assign":
            who = self.rng.choice(OPERATORS)
            self.dlg(s, t, "assign", who, d, touches=(d,))
            self.op(r, "d:" + d, t, s.operator, "assign", who)
        elif what == "unassign":
            self.dlg(s, t, "assign", "--none", d, touches=(d,))
            self.op(r, "d:" + d, t, s.operator, "unassign")
        elif what == "close":
            self.dlg(s, t, "close", d, touches=(d,))
            seen = sum(1 for way in r.msgs[d].values() if way == "in")
            self.annotate("saw %d customer messages" % seen)
            self.op(r, "d:" + d, t, s.operator, "close", seen)
        elif what == "reopen":
            self.dlg(s, t, "reopen", d, touches=(d,))
            self.op(r, "d:" + d, t, s.operator, "reopen")
        elif what == "note":
            text = "note %d by %s" % (self.clock, s.operator)
            self.dlg(s, t, "note", "-m", text, d, touches=(d,))
            r.notes[d].add((s.operator, text + "\n"))
        else:
            self.reply(s, d, t)

    def reply(self, s, d, t):
        outbox = os.path.join(self.dir, s.name, "outbox")
        before = set(os.listdir(outbox)) if os.path.isdir(outbox) else set()
        text = "answer %d by %s" % (self.clock, s.operator)
        if self.dlg(s, t, "reply", "-m", text, d, touches=(d,)).returncode:
            return
        new = (set(os.listdir(outbox)) if os.path.isdir(outbox) else set()) - before
        if len(new) != 1:
            self.fail("commands", s.name, "%s: reply to %s left outbox entries %s" % (t, d, sorted(new)), (d,))
            return
        k = new.pop()
        self.replies[k] = d
        self.trace[-1].touches.add(k)
        self.annotate("message %s" % k)
        s.rep.msgs[d][k] = "out"
        s.rep.queued[k] = d
        if dialog_state(s.rep, d).assignee is None:  # the first answer takes the dialog
            self.annotate("takes the dialog")
            record_op(s.rep, "d:" + d, t, s.operator, "assign", s.operator)

    def op_user_set(self, s):
        addr = self.rng.choice([a for a in PRIMARY + SECONDARY if s.rep.knows_user(user_id(a))])
        prop = self.rng.choice(sorted(PROPS))
        value = self.rng.choice(PROPS[prop])
        t, uid = self.now(), resolve(s.rep, user_id(addr))
        self.dlg(s, t, "user", "set", addr, "%s=%s" % (prop, value), touches=(uid, user_id(addr)))
        if prop == "name":
            self.op(s.rep, "u:" + uid, t, s.operator, "name", value)
        elif value:
            self.op(s.rep, "u:" + uid, t, s.operator, "set", prop, value)
        else:
            self.op(s.rep, "u:" + uid, t, s.operator, "unset", prop)

    def op_user_merge(self, s):
        others = [a for a in SECONDARY if a not in self.merged and s.rep.knows_user(user_id(a))]
        if not others:
            return self.op_user_set(s)
        other, keep = self.rng.choice(others), self.rng.choice(PRIMARY)
        t = self.now()
        self.merged[other] = keep
        self.counts["user merges"] += 1
        dialogs = user_state(s.rep, user_id(other)).dialogs
        self.dlg(s, t, "user", "merge", keep, other, touches=[user_id(keep), user_id(other)] + dialogs)
        self.annotate("moves %s" % " ".join(dialogs))
        merge_users(s.rep, t, s.operator, user_id(keep), user_id(other))

    def op_followup(self, hub):
        r = hub.rep
        closed_somewhere = [d for d in sorted(r.opener) if any(
            d in s.rep.opener and dialog_state(s.rep, d).closed for s in self.stores.values())]
        if closed_somewhere and self.rng.random() < 0.5:
            d = self.rng.choice(closed_somewhere)
        else:
            d = self.rng.choice(sorted(r.opener))
        answered = self.rng.choice(sorted(k for k, way in r.msgs[d].items() if way == "in"))
        mid, sender = self.mail[answered]  # a participant: the thread takes it
        self.counts["follow-ups"] += 1
        self.import_mail(hub, sender, "Re: " + self.subject[d], thread=d, in_reply_to=mid)

    def op_new_dialog(self, hub):
        # users another clone merged away while the hub does not know it yet
        racing = [a for a in self.merged if resolve(hub.rep, user_id(a)) == user_id(a)]
        if racing and self.rng.random() < 0.5:
            sender = self.rng.choice(sorted(racing))
        else:
            sender = self.rng.choice(PRIMARY + SECONDARY + SECONDARY)
        self.counts["new dialogs"] += 1
        self.import_mail(hub, sender, "Case %d" % (self.serial + 1))

    def op_send(self, hub):
        t = self.now()
        due = sorted(k for k in hub.rep.queued if k not in hub.rep.sent)
        self.counts["sends"] += 1
        self.dlg(hub, t, "send", touches=due + [hub.rep.queued[k] for k in due])
        self.annotate("sends %s" % (" ".join(due) or "nothing"))
        hub.rep.sent |= set(due)

    def step(self):
        operators = [self.stores[n] for n in OPERATORS]
        active = operators + [self.stores["hub"]]
        hub = self.stores["hub"]
        roll = self.rng.random()
        if roll < 0.42:
            self.op_dialog(self.rng.choice(operators))
        elif roll < 0.46:
            self.op_user_set(self.rng.choice(operators))
        elif roll < 0.48:
            self.op_user_merge(self.rng.choice(operators))
        elif roll < 0.56:
            self.op_followup(hub)
        elif roll < 0.62:
            self.op_new_dialog(hub)
        elif roll < 0.65:
            self.op_send(hub)
        elif roll < 0.72:
            self.fetch(self.rng.choice(active))
        elif roll < 0.80:
            self.sync(self.rng.choice(active))
        elif roll < 0.88:
            s = self.rng.choice(active)
            self.fetch(s)
            self.sync(s)
        else:
            self.push(self.rng.choice(active))

    def quiesce(self):
        for _ in range(2):
            for s in self.stores.values():
                self.fetch(s)
                self.sync(s)
                self.push(s)

    def finish(self):
        self.quiesce()
        self.op_send(self.stores["hub"])
        self.quiesce()
        for s in self.stores.values():
            if s.rep.signature() != self.centre.signature():
                self.fail("commands", s.name, "the oracle did not converge (a bug in the model)")


# ---- comparing the stores with the oracle ----

class Compare:
    def __init__(self, run):
        self.run, self.r = run, run.centre

    def user_dialogs(self, uid):
        return sorted(d for d, u in self.r.opener.items() if resolve(self.r, u) == uid)

    def same(self, check, store, about, what, got, want):
        if got != want:
            self.run.fail(check, store.name, "%s: %r, oracle %r" % (what, got, want), about)

    def dialogs(self, s):
        dialogs = sorted(self.r.opener)
        want = {d: expected_dialog(self.r, d) for d in dialogs}
        listed = {o["id"]: o for o in self.run.read_json(s, "list", "--json", "--status", "all")}
        self.same("messages", s, [], "dialogs listed", sorted(listed), dialogs)
        for d in (d for d in dialogs if d in listed):
            o, w = listed[d], want[d]
            for check in ("status", "assignee", "tags"):
                self.same(check, s, [d], "list: %s %s" % (d, check), o[check], w[check])
            self.same("dialog-user", s, [d], "list: %s user" % d, o["user"]["id"], w["user"])
            self.same("messages", s, [d], "list: %s messages" % d, o["messages"], len(w["messages"]))
        shown = {o["id"]: o for o in self.run.read_json(s, "show", "--json", *dialogs)}
        for d in dialogs:
            o, w = shown.get(d), want[d]
            if not o:
                self.run.fail("messages", s.name, "show %s: no such dialog" % d, [d])
                continue
            msgs = sorted((m["id"].split(".")[1].split(":")[0], m["direction"]) for m in o["messages"])
            self.same("messages", s, [d], "show: %s messages" % d, msgs, w["messages"])
            self.same("notes", s, [d], "show: %s notes" % d,
                      sorted((n["author"], n["text"]) for n in o["notes"]), w["notes"])
            self.same("dialog-user", s, [d], "show: %s user" % d, o["user"]["id"], w["user"])
            self.same("status", s, [d], "show: %s status" % d, o["status"], w["status"])
            unsent = [m["id"] for m in o["messages"] if m["direction"] == "out" and m.get("delivery") != "sent"]
            self.same("outbox", s, [d], "show: %s answers not sent" % d, unsent, [])

    def users(self, s):
        for addr in (a for a in PRIMARY + SECONDARY if self.r.knows_user(user_id(a))):
            uid = resolve(self.r, user_id(addr))
            us, theirs = user_state(self.r, uid), self.user_dialogs(uid)
            about = [uid, user_id(addr)]
            cards = self.run.read_json(s, "user", "show", "--json", addr)
            if len(cards) != 1:
                self.run.fail("user-cards", s.name, "user show %s: no card" % addr, about)
                continue
            card = cards[0]
            self.same("user-cards", s, about, "user show %s: id" % addr, card["id"], uid)
            self.same("user-cards", s, about, "user show %s: name" % addr, card["name"], us.name)
            self.same("user-cards", s, about, "user show %s: identities" % addr,
                      sorted(card["identities"].get("email", [])), sorted(v for _, v in us.idents))
            self.same("user-cards", s, about, "user show %s: properties" % addr, card["properties"], us.props)
            missing = sorted(set(theirs) - {o["id"] for o in card["dialogs"]})
            self.same("user-dialogs", s, missing[:1] + about + missing, "user show %s: dialogs" % addr,
                      sorted(o["id"] for o in card["dialogs"]), theirs)
            p = self.run.read(s, "list", "-q", "--status", "all", "--user", addr)
            missing = sorted(set(theirs) - set(p.stdout.split()))
            self.same("user-dialogs", s, missing[:1] + about + missing, "list --user %s" % addr, sorted(p.stdout.split()), theirs)

    def smtp(self):
        got = collections.Counter()
        new = os.path.join(self.run.args.smtp_maildir, "new")
        for name in sorted(os.listdir(new)) if os.path.isdir(new) else []:
            with open(os.path.join(new, name), "rb") as f:
                m = email.message_from_binary_file(f, policy=email.policy.compat32)
            got[msg_key(m["Message-ID"].strip().strip("<>"))] += 1
        for k in sorted(set(got) | set(self.run.replies)):
            if got[k] != 1:
                d = self.run.replies.get(k, "?")
                self.run.fail("smtp", "smtp", "message %s (dialog %s) received %d times, oracle 1" % (
                    k, d, got[k]), [k, d])

    def trees(self):
        trees = collections.defaultdict(list)
        for s in self.run.stores.values():
            tree = subprocess.run(["git", "-C", s.name, "rev-parse", "main^{tree}"], cwd=self.run.dir,
                                  capture_output=True, text=True).stdout.strip()
            trees[tree].append(s.name)
            fsck = self.run.read(s, "fsck").stdout.strip()
            if fsck:
                self.run.fail("trees", s.name, "dlg fsck: " + fsck.replace("\n", "; "))
        if len(trees) != 1:
            self.run.fail("trees", "all", "stores differ: %s" % "; ".join(
                "%s in %s" % (t[:12], " ".join(n)) for t, n in sorted(trees.items())))


def object_trace(events, what):
    """The events that touched WHAT, with the syncs between them on one line each."""
    lines, syncs = [], []
    for e in events:
        if what in e.touches:
            if syncs:
                lines.append("    ~ " + ", ".join(syncs))
                syncs = []
            lines.append("  %s %s: %s" % (e.time, e.store, e.text))
        elif e.is_sync and lines:
            if syncs and syncs[-1].startswith(e.store + " "):
                syncs[-1] += " " + e.text
            else:
                syncs.append("%s %s" % (e.store, e.text))
    return lines


def write_report(run, report, started):
    os.makedirs(report, exist_ok=True)
    replay = "DLG_MODEL_SEED=%d DLG_MODEL_OPS=%d bash tests/t0150-model.sh" % (run.args.seed, run.args.ops)
    with open(os.path.join(report, "trace"), "w") as f:
        f.write("".join("%s %s: %s\n" % (e.time, e.store, e.text) for e in run.trace))
    for check in CHECKS:
        lines = ["%s: %s" % (" ".join(stores), text) for text, stores in run.failures[check].items()]
        with open(os.path.join(report, check), "w") as f:
            if not lines:
                continue
            f.write("seed %d; replay: %s\n" % (run.args.seed, replay))
            f.write("".join(line + "\n" for line in lines[:20]))
            if len(lines) > 20:
                f.write("... and %d more\n" % (len(lines) - 20))
            for what in list(run.involved[check])[:3]:
                f.write("trace of %s:\n%s\n" % (what, "\n".join(object_trace(run.trace, what))))
            f.write("full trace: %s\n" % os.path.join(report, "trace"))
    with open(os.path.join(report, "summary"), "w") as f:
        f.write("seed %d, %d operations, %d dialogs; %s; %.1f s\n" % (
            run.args.seed, run.args.ops, len(run.centre.opener),
            ", ".join("%d %s" % (n, what) for what, n in sorted(run.counts.items())),
            time.monotonic() - started))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--smtp", required=True)
    ap.add_argument("--smtp-maildir", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ops", type=int, default=250)
    args = ap.parse_args()
    started = time.monotonic()
    run = Run(args)
    run.setup()
    for _ in range(args.ops):
        run.step()
    run.finish()
    compare = Compare(run)
    for s in run.stores.values():
        compare.dialogs(s)
        compare.users(s)
    compare.smtp()
    compare.trees()
    write_report(run, args.report, started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
