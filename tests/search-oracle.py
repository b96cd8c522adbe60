#!/usr/bin/env python3
"""The brute-force side of tests/t0170-search.sh: reads every dialog of the
store through `dlg show --json`, `dlg user show --json` and the message files
themselves (addresses), decides with regular expressions which dialogs each
query must find, and compares that with `dlg search -q`.  It shares no code
with dlg's index or query parser.

usage: search-oracle.py STORE NOW_UNIX   (exit 1 and a report on a mismatch)
"""
import email
import email.policy
import glob
import json
import re
import subprocess
import sys
from datetime import datetime, timezone

store, now = sys.argv[1], int(sys.argv[2])


def dlg(*args):
    return subprocess.run(["dlg", "-C", store, *args], check=True, capture_output=True,
                          text=True).stdout


def fold(s):
    return s.lower().replace("ё", "е")


def addresses(path):
    with open(path, "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.default)
    out = {"from": [], "to": []}
    for field, key in (("From", "from"), ("To", "to"), ("Cc", "to")):
        for a in getattr(m.get(field), "addresses", ()) or ():
            out[key] += [a.display_name, a.addr_spec]
    return out


def dialogs():
    ids = subprocess.run(["dlg", "-C", store, "list", "-q", "--status", "all"], check=True,
                         capture_output=True, text=True,
                         env={**__import__("os").environ, "DLG_NO_INDEX": "1"}).stdout.split()
    users = {}
    for i in ids:
        d = json.loads(dlg("show", "--json", i))
        f = {"subject": [d["subject"]], "from": [], "to": [], "body": [], "note": [], "file": [],
             "user": []}
        for m in d["messages"]:
            f["subject"].append(m["subject"])
            f["body"].append(m["text"])
            f["file"] += [a["name"] for a in m["attachments"]]
        for path in glob.glob(f"{store}/dialogs/*/*/{i}/cur/*"):
            for k, v in addresses(path).items():
                f[k] += v
        f["note"] = [n["text"] for n in d["notes"]]
        uid = d["user"]["id"]
        if uid not in users:
            u = json.loads(dlg("user", "show", "--json", uid))
            users[uid] = [u["name"] or ""] + [v for vs in u["identities"].values() for v in vs] + \
                [f"{k} {v}" for k, v in u["properties"].items()] + [n["text"] for n in u["notes"]]
        f["user"] = users[uid]
        d["fields"] = {k: fold("\n".join(x for x in v if x)) for k, v in f.items()}
        d["last"] = int(datetime.strptime(d["last_message_at"], "%Y-%m-%dT%H:%M:%SZ")
                        .replace(tzinfo=timezone.utc).timestamp())
        yield d


def has(d, regex, *fields):
    return any(re.search(regex, d["fields"][k]) for k in (fields or d["fields"]))


W = r"(?<!\w)"     # a word starts
E = r"(?!\w)"      # a word ends
ZAKAZ = W + r"заказ(а|ом|у|ы|ов|е)?" + E
ORDER = W + r"orders?" + E
ELKA = W + r"елк[аиуое]" + E
N10482 = r"(?<![0-9])10482(?![0-9])"
PO2291 = r"(?<![\w./_-])po-2291(?![\w]|[-./_]\w)"
LATE_DELIVERY = W + r"late\W+deliver(y|ies)" + E
REFUND = W + r"refund(s|ed)?" + E
DAY24 = int(datetime(2026, 11, 24, tzinfo=timezone.utc).timestamp())

queries = {
    "заказ": lambda d: has(d, ZAKAZ),
    "заказа": lambda d: has(d, ZAKAZ),
    "заказом": lambda d: has(d, ZAKAZ),
    "order": lambda d: has(d, ORDER),
    "orders": lambda d: has(d, ORDER),
    "ЁЛКА": lambda d: has(d, ELKA),
    "елка": lambda d: has(d, ELKA),
    "#10482": lambda d: has(d, N10482),
    "10482": lambda d: has(d, N10482),
    "PO-2291": lambda d: has(d, PO2291),
    '"late delivery"': lambda d: has(d, LATE_DELIVERY),
    "ivan OR mary": lambda d: has(d, W + "ivan" + E) or has(d, W + "mary" + E),
    "order -refund": lambda d: has(d, ORDER) and not has(d, REFUND),
    "NOT заказ": lambda d: not has(d, ZAKAZ),
    "(заказ OR order) tag:vip": lambda d: (has(d, ZAKAZ) or has(d, ORDER)) and "vip" in d["tags"],
    "from:ivan": lambda d: has(d, W + "ivan" + E, "from"),
    "to:boss": lambda d: has(d, W + "boss" + E, "to"),
    "subject:заказ": lambda d: has(d, ZAKAZ, "subject"),
    "body:hunter2": lambda d: has(d, W + "hunter2" + E, "body"),
    "note:refund": lambda d: has(d, REFUND, "note"),
    "user:gold": lambda d: has(d, W + "gold" + E, "user"),
    "file:zendesk": lambda d: has(d, W + "zendesk", "file"),
    "tag:vip": lambda d: "vip" in d["tags"],
    "status:closed": lambda d: d["status"] == "closed",
    "assignee:bob": lambda d: d["assignee"] == "bob",
    "channel:chat": lambda d: d["channel"] == "chat",
    "after:2026-11-24": lambda d: d["last"] >= DAY24,
    "before:2026-11-24": lambda d: d["last"] < DAY24,
    "order after:2d": lambda d: has(d, ORDER) and d["last"] >= now - 2 * 86400,
}

all_dialogs = list(dialogs())
bad = 0
for q, want in queries.items():
    expect = sorted(d["id"] for d in all_dialogs if want(d))
    got = sorted(dlg("search", "-q", *q.split(" ")).split())
    if got != expect:
        bad += 1
        print(f"search {q!r}: dlg found {got}, a scan finds {expect}")
if not any(queries[q](d) for q in ("заказ", "order", "PO-2291") for d in all_dialogs):
    print("the store holds none of the test words: the comparison proves nothing")
    bad += 1
sys.exit(1 if bad else 0)
