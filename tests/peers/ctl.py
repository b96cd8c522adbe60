#!/usr/bin/env python3
"""ctl.py URL [JSON]: GET URL, or POST the JSON body to it; prints the answer.

The shell tests drive the peers' control API with it (no curl needed)."""
import sys
import urllib.request

url = sys.argv[1]
data = sys.argv[2].encode() if len(sys.argv) > 2 else None
req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
with urllib.request.urlopen(req, timeout=10) as r:
    sys.stdout.write(r.read().decode())
    sys.stdout.write("\n")
