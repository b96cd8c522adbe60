#!/usr/bin/env python3
"""Writes a tree that is BASE with one more entry, byte for byte as asked.

    graft-tree.py GIT_DIR BASE_TREE MODE OBJECT NAME...

The entry is NAME/NAME/.../NAME (one argument per path component, so a
name may hold any byte but NUL, '/' included) with the octal MODE and the
object id OBJECT; the trees on the way are made or extended.  Prints the
new root tree's id.  `git mktree` refuses names such as '..' and '.git',
so the trees are written with `git hash-object --literally`: this is how
the tests build the hostile commits a peer could send.
"""
import os
import subprocess
import sys


def git(git_dir, *args, data=None):
    return subprocess.run(["git", "--git-dir", git_dir, *args], input=data,
                          stdout=subprocess.PIPE, check=True).stdout


def entries(git_dir, tree):
    raw = git(git_dir, "cat-file", "tree", tree) if tree else b""
    out, i = [], 0
    while i < len(raw):
        space = raw.index(b" ", i)
        nul = raw.index(b"\0", space)
        out.append((raw[i:space], raw[space + 1:nul], raw[nul + 1:nul + 21]))
        i = nul + 21
    return out


def write(git_dir, ents):
    # git's order: a tree sorts as if its name ended in '/'
    ents.sort(key=lambda e: e[1] + (b"/" if e[0] == b"40000" else b""))
    data = b"".join(mode + b" " + name + b"\0" + oid for mode, name, oid in ents)
    return git(git_dir, "hash-object", "-w", "-t", "tree", "--literally", "--stdin",
               data=data).strip().decode()


def graft(git_dir, tree, path, mode, oid):
    ents = entries(git_dir, tree)
    old = next((e for e in ents if e[1] == path[0]), None)
    if len(path) == 1:
        new = (mode, path[0], bytes.fromhex(oid))
    else:
        sub = old[2].hex() if old and old[0] == b"40000" else None
        new = (b"40000", path[0], bytes.fromhex(graft(git_dir, sub, path[1:], mode, oid)))
    return write(git_dir, [e for e in ents if e[1] != path[0]] + [new])


def main():
    git_dir, base, mode, oid = sys.argv[1:5]
    names = [os.fsencode(n) for n in sys.argv[5:]]
    print(graft(git_dir, base, names, mode.encode(), oid))


main()
