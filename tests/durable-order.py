#!/usr/bin/env python3
"""Checks, from an strace log, that a dlg command made its writes durable in order.

    strace -f -y -s 4096 -o LOG -e trace=openat,mkdir,mkdirat,fsync,fdatasync,syncfs,rename,renameat,renameat2,link,linkat CMD
    durable-order.py [--cursor REGEX] [--cwd DIR] LOG GITDIR

Each move of refs/heads/main (the rename, or link, of main.lock onto main) must come
after every object file written before it (objects/xx/..., packs and their
.idx) is on disk, its directory entry too (new objects/xx/ directories as
well), and after the lock file's content is; the move itself must be on disk
(refs/heads fsynced, or the file system synced) before the command exits and
before anything matching --cursor (a channel cursor, a spool file moved to
cur/) is renamed.  A repository made under another name (a clone) must be
on disk as a whole before it is renamed to GITDIR, and the rename too.  The view record (.git/dlg/view) must not reach the disk
before the view files it vouches for: their data, and its own, are on disk
before it is renamed into place.

A file is on disk after an fsync(2)/fdatasync(2) of it, a name after an
fsync of its directory, and everything after a syncfs(2).  Prints what is
out of order and exits 1; exits 0 when all is in order.
"""
import argparse
import os
import re
import sys

LINE = re.compile(r'^(\d+)\s+(?:<\.\.\. (\w+) resumed>|(\w+)\()(.*)$')
RET = re.compile(r'\)\s+=\s+(-?\d+)(?:<([^>]*)>)?(?:\s.*)?$')
STR = re.compile(r'"((?:[^"\\]|\\.)*)"')
FD = re.compile(r'(?:\d+|AT_FDCWD)<([^>]*)>')


def unescape(s):
    return s.encode('latin-1', 'backslashreplace').decode('unicode_escape')


def parse(path):
    """Yields (syscall, args text, return value, returned fd path), completed calls in order."""
    pending = {}
    with open(path, errors='replace') as f:
        for raw in f:
            raw = raw.rstrip('\n')
            m = LINE.match(raw)
            if not m:
                continue
            pid, resumed, name, rest = m.groups()
            if resumed:
                if pid not in pending:
                    continue
                name, head = pending.pop(pid)
                rest = head + rest
            elif rest.endswith('<unfinished ...>'):
                pending[pid] = (name, rest[:-len('<unfinished ...>')])
                continue
            r = RET.search(rest)
            if not r:
                continue
            yield name, rest[:r.start()], int(r.group(1)), r.group(2)


class Checker:
    def __init__(self, gitdir, cwd, cursor):
        self.gitdir = os.path.realpath(gitdir)
        self.root = os.path.dirname(self.gitdir)
        self.objects = os.path.join(self.gitdir, 'objects')
        self.lock = os.path.join(self.gitdir, 'refs/heads/main.lock')
        self.ref = os.path.join(self.gitdir, 'refs/heads/main')
        self.record = os.path.join(self.gitdir, 'dlg/view')
        self.cwd = os.path.realpath(cwd)
        self.cursor = re.compile(cursor) if cursor else None
        self.events = []
        self.problems = []

    def resolve(self, p, base=None):
        return os.path.normpath(os.path.join(base or self.cwd, p))

    def load(self, log):
        for name, args, ret, retpath in parse(log):
            if ret < 0:
                continue
            strs = [unescape(s) for s in STR.findall(args)]
            fds = FD.findall(args)
            if name == 'openat' and 'O_CREAT' in args and strs:
                base = fds[0] if fds else None
                self.events.append(('create', self.resolve(strs[0], base)))
            elif name in ('mkdir', 'mkdirat') and strs:
                base = fds[0] if name == 'mkdirat' and fds else None
                self.events.append(('mkdir', self.resolve(strs[0], base)))
            elif name in ('rename', 'link') and len(strs) == 2:
                self.events.append(('rename', self.resolve(strs[0]), self.resolve(strs[1])))
            elif name in ('renameat', 'renameat2', 'linkat') and len(strs) == 2:
                b1 = fds[0] if len(fds) > 0 else None
                b2 = fds[1] if len(fds) > 1 else None
                self.events.append(('rename', self.resolve(strs[0], b1), self.resolve(strs[1], b2)))
            elif name in ('fsync', 'fdatasync') and fds:
                self.events.append(('fsync', os.path.normpath(fds[0])))
            elif name == 'syncfs':
                self.events.append(('syncfs',))

    def fsynced(self, start, end, paths):
        """An fsync of one of paths strictly between events start and end."""
        return any(e[0] == 'fsync' and e[1] in paths for e in self.events[start + 1:end])

    def synced(self, start, end):
        """A syncfs strictly between events start and end."""
        return any(e[0] == 'syncfs' for e in self.events[start + 1:end])

    def durable(self, start, end, paths):
        return self.fsynced(start, end, paths) or self.synced(start, end)

    def problem(self, text):
        self.problems.append(text)

    def under(self, path, top):
        return path == top or path.startswith(top + '/')

    def check(self):
        created = {}     # path -> index of its creation
        renamed = {}     # final path -> (tmp path, index of the rename)
        mkdirs = []      # (path, index)
        lock_at = None
        ref_moves = []
        view_files = []  # (tmp, final, index) since the last record
        for i, e in enumerate(self.events):
            if e[0] == 'create':
                created[e[1]] = i
                if e[1] == self.lock:
                    lock_at = i
            elif e[0] == 'mkdir' and self.under(e[1], self.objects):
                mkdirs.append((e[1], i))
            elif e[0] == 'rename':
                old, new = e[1], e[2]
                if new == self.gitdir:
                    self.check_store_appears(i, old)
                    ref_moves.append(i)
                elif old == self.lock and new == self.ref:
                    self.check_ref_move(i, created, renamed, mkdirs, lock_at)
                    ref_moves.append(i)
                elif self.under(new, self.objects):
                    renamed[new] = (old, i)
                elif new == self.record:
                    self.check_record(i, old, created, view_files)
                    view_files = []
                elif self.under(new, self.root) and not self.under(new, self.gitdir):
                    view_files.append((old, new, i))
                if self.cursor and (self.cursor.search(old) or self.cursor.search(new)):
                    self.check_cursor(i, old, new, ref_moves)
        if not ref_moves:
            self.problem('the branch never moved (no rename of %s)' % self.lock)
        for r in ref_moves:
            moved = self.events[r][2]
            if not self.durable(r, len(self.events), (os.path.dirname(moved),)):
                self.problem('the move of the branch (event %d) is never made durable' % r)

    def check_ref_move(self, r, created, renamed, mkdirs, lock_at):
        for final, (tmp, k) in renamed.items():
            if k > r:
                continue
            if not (self.fsynced(created.get(tmp, k), r, (tmp, final)) or self.synced(k, r)):
                self.problem('object %s: data not on disk before the branch moved' % final)
            elif not self.durable(k, r, (os.path.dirname(final),)):
                self.problem('object %s: directory entry not on disk before the branch moved' % final)
        for path, k in mkdirs:
            if k < r and not self.durable(k, r, (os.path.dirname(path),)):
                self.problem('new directory %s: not on disk before the branch moved' % path)
        if lock_at is None or lock_at > r:
            self.problem('the branch moved without %s being created' % self.lock)
        elif not self.durable(lock_at, r, (self.lock, self.ref)):
            self.problem('%s: content not on disk before its rename' % self.lock)

    def check_store_appears(self, r, old):
        """A repository made elsewhere and renamed into place: all of it on disk first."""
        last = max((i for i, e in enumerate(self.events[:r])
                    if e[0] in ('create', 'mkdir', 'rename') and self.under(e[-1], old)), default=0)
        if not self.synced(last, r):
            self.problem('%s: renamed into place before its contents were on disk' % old)

    def check_record(self, v, tmp, created, view_files):
        for old, new, k in view_files:
            if not (self.fsynced(created.get(old, k), v, (old, new)) or self.synced(k, v)):
                self.problem('view file %s: not on disk before the view record names it' % new)
        opened = created.get(tmp)
        if opened is None or not self.durable(opened, v, (tmp, self.record)):
            self.problem('the view record: content not on disk before its rename')

    def check_cursor(self, c, old, new, ref_moves):
        before = [r for r in ref_moves if r < c]
        if not before:
            self.problem('%s -> %s: moved before any commit' % (old, new))
        elif not self.durable(before[-1], c, (os.path.dirname(self.events[before[-1]][2]),)):
            self.problem('%s -> %s: moved before the branch move was on disk' % (old, new))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--cursor', help='renames that must wait for a durable branch move')
    ap.add_argument('--cwd', default='.', help='directory the command ran in')
    ap.add_argument('log')
    ap.add_argument('gitdir')
    a = ap.parse_args()
    c = Checker(a.gitdir, a.cwd, a.cursor)
    c.load(a.log)
    c.check()
    for p in c.problems:
        print(p)
    sys.exit(1 if c.problems else 0)


if __name__ == '__main__':
    main()
