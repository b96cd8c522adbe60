#!/usr/bin/python3
"""A real SMTP server for the tests: aiosmtpd (Debian's python3-aiosmtpd).

Usage: smtp.py --port-file FILE --maildir DIR [--delay-file FILE] [--lifetime SECONDS]

Listens on 127.0.0.1 at an ephemeral port (written to FILE once listening)
and delivers every message to the Maildir DIR, with the envelope in front
as X-MailFrom and X-RcptTo headers.  A recipient whose local part starts
with "reject" is refused with 550, one starting with "later" with 451, so
tests can see permanent and temporary failures.  While the --delay-file
exists, a message is delivered and then answered only after the number of
seconds the file holds: the window in which a sender may die after the
server took a message.  Stops on SIGTERM or after --lifetime seconds
(default 600).
"""
import argparse
import asyncio
import mailbox
import os
import signal
import socket
import sys
import threading
import time

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, maildir, delay_file=None):
        self.box = mailbox.Maildir(maildir, create=True)
        self.delay_file = delay_file

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        if local.startswith("reject"):
            return "550 5.1.1 No such user here"
        if local.startswith("later"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        head = "X-MailFrom: %s\r\nX-RcptTo: %s\r\n" % (envelope.mail_from, ",".join(envelope.rcpt_tos))
        self.box.add(head.encode() + envelope.original_content)
        if self.delay_file and os.path.exists(self.delay_file):
            with open(self.delay_file) as f:
                await asyncio.sleep(float(f.read().strip() or 0))
        return "250 Message accepted for delivery"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--maildir", required=True)
    ap.add_argument("--delay-file")
    ap.add_argument("--lifetime", type=float, default=600)
    args = ap.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # decode_data=False keeps the bytes as sent (8-bit, CRLF)
    ctl = Controller(Handler(args.maildir, args.delay_file), hostname="127.0.0.1", port=port, decode_data=False)
    ctl.start()
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, args.port_file)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    done.wait(args.lifetime)
    ctl.stop()


if __name__ == "__main__":
    main()
