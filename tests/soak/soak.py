#!/usr/bin/env python3
"""A team's soak test (standard library only).

Usage: soak.py --dir DIR --hub PATH --url URL --smtp-maildir DIR
               [--seconds N] [--seed N]

Three operators (alice, bob, carol), each in a clone made with dlg clone
from URL (a git server in front of the hub at PATH), and an importer at
the hub work at the same time for N seconds: random replies, notes, tags,
assignments, closes and reopens, and dlg sync at random moments; the
hub's post-receive and a sender loop deliver the answers to a real SMTP
server.  Then everyone syncs until nothing moves and the hub sends what is
left, and the run is checked against what the workers did, not against
what dlg says:

- every clone and the hub end on the same commit;
- nothing is lost: every log line an operation committed in its clone,
  every note, every answer and every imported message is at the hub, an
  answer and an imported message exactly once;
- an independent replay of each dialog's final log by the documented
  rules (store-format.md, "Dialog state") gives the status, assignee and
  tags that every store's files and dlg list say;
- every answer reached the SMTP server exactly once, and is "sent".

Prints "ok" lines and the run's numbers; exits 1 on the first check that
fails (saying what), 2 when it could not run.
"""
import argparse
import collections
import json
import os
import random
import re
import subprocess
import sys
import threading
import time

# The test library fixes the clock; a team's operations each take their time.
os.environ.pop("DLG_NOW", None)

OPERATORS = ("alice", "bob", "carol")
TAGS = ("vip", "billing", "urgent")
DLG = os.environ.get("DLG", "dlg")


class Failed(Exception):
    pass


def run(argv, env=None, check=True, cwd=None):
    p = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cwd,
                       stdin=subprocess.DEVNULL)
    if check and p.returncode != 0:
        raise Failed("%s: exit %d: %s" % (" ".join(argv), p.returncode, p.stderr.strip()))
    return p


def git(store, *argv):
    return run(["git", "-C", store] + list(argv)).stdout


def tip(store):
    return git(store, "rev-parse", "main").strip()


def dialog_path(d):
    return "dialogs/%s/%s/%s" % (d[0:2], d[2:4], d)


class Numbers:
    def __init__(self):
        self.lock = threading.Lock()
        self.c = collections.Counter()

    def add(self, what, n=1):
        with self.lock:
            self.c[what] += n


class Expected:
    """What the workers did, as they saw it committed."""

    def __init__(self):
        self.lock = threading.Lock()
        self.log_lines = collections.defaultdict(set)  # dialog -> lines committed somewhere
        self.notes = collections.defaultdict(set)      # dialog -> note tokens
        self.answers = collections.defaultdict(set)    # dialog -> answer tokens
        self.imported = set()                          # Message-IDs imported at the hub

    def committed(self, store, before, after, d, what=None, token=None):
        if before == after:
            return
        diff = git(store, "diff", before, after, "--", dialog_path(d) + "/log")
        lines = {l[1:] for l in diff.splitlines() if l.startswith("+") and not l.startswith("+++")}
        with self.lock:
            self.log_lines[d] |= lines
            if what:
                getattr(self, what)[d].add(token)


def operator(name, store, args, deadline, exp, num, errors):
    rnd = random.Random("%d-%s" % (args.seed, name))
    env = dict(os.environ, DLG_OPERATOR=name)
    n = 0
    try:
        while time.monotonic() < deadline:
            ids = run([DLG, "-C", store, "list", "-q", "--status", "all"], env).stdout.split()
            if not ids:
                time.sleep(0.1)
                continue
            d = rnd.choice(ids)
            n += 1
            token = "soak-%s-%d" % (name, n)
            kind = rnd.choices(("reply", "note", "tag", "assign", "close", "reopen"),
                               (30, 15, 20, 15, 10, 10))[0]
            argv, what = {
                "reply": (["reply", "-q", "-m", "Answer %s" % token], "answers"),
                "note": (["note", "-q", "-m", "Note %s" % token], "notes"),
                "tag": (["tag", "-q", rnd.choice("+-") + rnd.choice(TAGS)], None),
                "assign": (["assign", "-q", rnd.choice(OPERATORS)], None),
                "close": (["close", "-q"], None),
                "reopen": (["reopen", "-q"], None),
            }[kind]
            before = tip(store)
            run([DLG, "-C", store] + argv + [d], env)
            exp.committed(store, before, tip(store), d, what, token)
            num.add("operations")
            num.add("op " + kind)
            if rnd.random() < 0.35:
                sync(store, env, num)
            time.sleep(rnd.uniform(0, 0.05))
    except Failed as e:
        errors.append("%s: %s" % (name, e))


def sync(store, env, num):
    p = run([DLG, "-C", store, "sync", "--json"], env, check=False)
    num.add("syncs")
    if p.returncode != 0:
        # sixteen refusals in a row: others kept pushing; the next sync goes on
        num.add("syncs given up")
        num.add("rejected pushes", 16)
        return
    for line in p.stdout.splitlines():
        r = json.loads(line)
        if r["pushed"]:
            num.add("pushes")
        num.add("rejected pushes", r["attempts"] - 1 if r["pushed"] else r["attempts"])
        if r["attempts"] > 1:
            num.add("syncs that retried")
        with num.lock:
            num.c["most attempts in a sync"] = max(num.c["most attempts in a sync"], r["attempts"])


def mail(path, n, rnd, threads):
    msgid = "soak-in-%d@customers.example" % n
    extra = ""
    if threads and rnd.random() < 0.4:
        parent = rnd.choice(threads)
        extra = "In-Reply-To: <%s>\nReferences: <%s>\n" % (parent, parent)
    who = "c%d@customers.example" % rnd.randrange(12)
    with open(path, "w") as f:
        f.write("From: Customer <%s>\nTo: support@shop.example\nSubject: Order %d\n"
                "Date: %s\nMessage-ID: <%s>\n%s\nWhere is my order %d?\n"
                % (who, n, time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime()),
                   msgid, extra, n))
    return msgid


def importer(hub, args, deadline, exp, num, errors):
    rnd = random.Random("%d-importer" % args.seed)
    env = dict(os.environ, DLG_OPERATOR="hub")
    threads, n = [], 0
    try:
        while time.monotonic() < deadline:
            n += 1
            path = os.path.join(args.dir, "in-%d.eml" % n)
            msgid = mail(path, n, rnd, threads)
            run([DLG, "-C", hub, "import", path], env)
            threads.append(msgid)
            with exp.lock:
                exp.imported.add(msgid)
            num.add("imported")
            time.sleep(rnd.uniform(0.5, 1.5))
    except Failed as e:
        errors.append("importer: %s" % e)


def sender(hub, deadline, num, errors):
    env = dict(os.environ, DLG_OPERATOR="hub")
    while time.monotonic() < deadline:
        p = run([DLG, "-C", hub, "send", "-q"], env, check=False)
        num.add("hub send runs")
        if p.returncode not in (0, 1):
            errors.append("hub send: exit %d: %s" % (p.returncode, p.stderr.strip()))
            return
        time.sleep(0.5)


# ---- the checks ----

def check(ok, what):
    if not ok:
        raise Failed(what)


def read_tree_file(store, path):
    p = run(["git", "-C", store, "show", "main:" + path], check=False)
    return p.stdout if p.returncode == 0 else None


def replay(log_text, incoming):
    """The dialog's state from its log, by store-format.md's rules."""
    ops = []
    for line in log_text.splitlines():
        f = line.split(" ")
        if len(f) >= 4 and f[0].isdigit():
            ops.append((int(f[0]), f[1], f[2], line, f[3], f[4:]))
    assignee, tags, closed_seeing = None, set(), None
    for _, _, _, _, verb, a in sorted(ops):
        if verb == "assign" and a:
            assignee = a[0]
        elif verb == "unassign":
            assignee = None
        elif verb == "tag" and a and len(a[0]) > 1:
            (tags.add if a[0][0] == "+" else tags.discard)(a[0][1:])
        elif verb == "close":
            closed_seeing = int(a[0]) if a and a[0].isdigit() else float("inf")
        elif verb == "reopen":
            closed_seeing = None
    closed = closed_seeing is not None and incoming <= closed_seeing
    return ("closed" if closed else "open", assignee, sorted(tags))


def files_of(store, d):
    out = git(store, "ls-tree", "-r", "--name-only", "main", dialog_path(d) + "/")
    return [l[len(dialog_path(d)) + 1:] for l in out.splitlines()]


def verify(hub, clones, args, exp, num):
    stores = [hub] + clones
    heads = {s: tip(s) for s in stores}
    check(len(set(heads.values())) == 1, "stores end on different commits: %s" % heads)
    print("ok - every clone and the hub end on commit %s" % heads[hub][:7])

    listed = {}
    for s in stores:
        p = run([DLG, "-C", s, "list", "--status", "all", "--json"])
        listed[s] = {j["id"]: j for j in map(json.loads, p.stdout.splitlines())}
    dialogs = sorted(listed[hub])
    smtp = {}
    for f in os.listdir(os.path.join(args.smtp_maildir, "new")):
        with open(os.path.join(args.smtp_maildir, "new", f), errors="replace") as fp:
            smtp[f] = fp.read()
    seen_ids = collections.Counter()
    for text in smtp.values():
        m = re.search(r"^Message-ID:\s*<([^>]*)>", text, re.M | re.I)
        seen_ids[m.group(1) if m else None] += 1
    check(all(n == 1 for n in seen_ids.values()),
          "the SMTP server got a Message-ID more than once: %s"
          % [k for k, n in seen_ids.items() if n > 1])

    in_store = collections.Counter()
    answers_total = 0
    for d in dialogs:
        names = files_of(hub, d)
        log = read_tree_file(hub, dialog_path(d) + "/log") or ""
        lines = set(log.splitlines())
        lost = exp.log_lines.get(d, set()) - lines
        check(not lost, "dialog %s lost log lines %s" % (d, sorted(lost)))
        cur = [n for n in names if n.startswith("cur/")]
        incoming = sum(1 for n in cur if "S" not in n.rsplit(":2,", 1)[-1])
        texts = {n: read_tree_file(hub, dialog_path(d) + "/" + n) for n in cur}
        for n, t in texts.items():
            m = re.search(r"^Message-ID:\s*<([^>]*)>", t, re.M | re.I)
            if m and m.group(1).startswith("soak-in-"):
                in_store[m.group(1)] += 1
        for token in exp.answers.get(d, ()):
            holding = [n for n, t in texts.items() if re.search(r"\b%s\b" % re.escape(token), t)]
            check(len(holding) == 1, "answer %s is in %d messages of %s" % (token, len(holding), d))
            check("X-Dlg-Delivery: sent" in texts[holding[0]], "answer %s is not sent" % token)
            got = [f for f, t in smtp.items() if re.search(r"\b%s\b" % re.escape(token), t)]
            check(len(got) == 1, "answer %s reached the SMTP server %d times" % (token, len(got)))
            answers_total += 1
        notes = "".join(read_tree_file(hub, dialog_path(d) + "/" + n) or ""
                        for n in names if n.startswith("notes/"))
        for token in exp.notes.get(d, ()):
            check(re.search(r"\b%s\b" % re.escape(token), notes), "note %s of %s is lost" % (token, d))
        want = replay(log, incoming)
        status = (read_tree_file(hub, dialog_path(d) + "/status") or "").strip()
        assignee = (read_tree_file(hub, dialog_path(d) + "/assignee") or "").strip() or None
        tags = sorted((read_tree_file(hub, dialog_path(d) + "/tags") or "").split())
        check((status, assignee, tags) == want,
              "dialog %s: the replay says %s, its files %s" % (d, want, (status, assignee, tags)))
        for s in stores:
            j = listed[s].get(d)
            check(j is not None, "%s does not list %s" % (s, d))
            got = (j.get("status"), j.get("assignee") or None, sorted(j.get("tags") or []))
            check(got == want, "%s lists %s as %s, the replay says %s" % (s, d, got, want))
    check(set(in_store) == exp.imported and all(n == 1 for n in in_store.values()),
          "imported messages: %d expected, %d found, repeated: %s"
          % (len(exp.imported), len(in_store), [k for k, n in in_store.items() if n > 1]))
    check(set(listed[hub]) == set().union(*(set(listed[s]) for s in stores)),
          "a store lists a dialog the hub does not")
    print("ok - nothing lost: %d log lines, %d notes, %d answers, %d imported messages"
          % (sum(map(len, exp.log_lines.values())), sum(map(len, exp.notes.values())),
             answers_total, len(exp.imported)))
    print("ok - the replay of every dialog's log agrees with every store (%d dialogs, %d stores)"
          % (len(dialogs), len(stores)))
    print("ok - every answer reached the SMTP server exactly once (%d messages there, all ids distinct)"
          % len(smtp))
    num.add("answers delivered", answers_total)


def quiesce(hub, clones, num):
    for _ in range(3):
        for name, s in zip(OPERATORS, clones):
            p = run([DLG, "-C", s, "sync", "--json"], dict(os.environ, DLG_OPERATOR=name))
            num.add("final syncs")
            del p
        # the hub delivers what the last pushes brought (post-receive, then us)
        run([DLG, "-C", hub, "send", "-q"], dict(os.environ, DLG_OPERATOR="hub"), check=False)
        run(["flock", os.path.join(hub, ".git/dlg/send.lock"), "true"])
    for name, s in zip(OPERATORS, clones):
        run([DLG, "-C", s, "sync", "-q"], dict(os.environ, DLG_OPERATOR=name))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--hub", required=True)
    ap.add_argument("--url", required=True)
    ap.add_argument("--smtp-maildir", required=True)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    exp, num, errors = Expected(), Numbers(), []
    clones = []
    try:
        for name in OPERATORS:
            s = os.path.join(args.dir, name)
            run([DLG, "clone", "-q", args.url, s], dict(os.environ, DLG_OPERATOR=name))
            clones.append(s)
        started = time.monotonic()
        deadline = started + args.seconds
        workers = [threading.Thread(target=operator, args=(n, s, args, deadline, exp, num, errors))
                   for n, s in zip(OPERATORS, clones)]
        workers.append(threading.Thread(target=importer, args=(args.hub, args, deadline, exp, num, errors)))
        workers.append(threading.Thread(target=sender, args=(args.hub, deadline, num, errors)))
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        if errors:
            raise Failed("; ".join(errors))
        quiesce(args.hub, clones, num)
        verify(args.hub, clones, args, exp, num)
    except Failed as e:
        print("not ok - %s" % e)
        print("# numbers so far: %s" % dict(num.c))
        return 1
    print("# %.0f s, seed %d: %s" % (args.seconds, args.seed,
                                     ", ".join("%s %d" % kv for kv in sorted(num.c.items()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
