#!/usr/bin/python3
"""Runs every example in the README against the demo city, as a reader would paste them.

  Tests/README/readme_examples.py --binary .build/debug/onemap --store DEMO.sqlite

Every fenced `sh` block after the first (which installs and runs the tests) is run line by line
in one scratch directory: `onemap …` lines with this binary and the demo store, `curl …` lines
against a server started on a free port (the README's http://127.0.0.1:8080 rewritten), a token
printed by `onemap token create` put in place of `om_…`. Each command must succeed (curl with
--fail) and each answer must hold something: not empty, not an empty feature list, case list or
candidate list. A copy of the store is used, so the examples' writes (a new user) change nothing.
Exits non-zero on the first example that fails.
"""
import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

EMPTY = [re.compile(p) for p in (r'"numberReturned":\s*0\b', r'"features":\s*\[\]', r'"cases":\s*\[\]', r'"candidates":\s*\[\]', r'"results":\s*\[\]')]


def fail(message):
    print(f'FAIL: {message}', file=sys.stderr)
    raise SystemExit(1)


def examples(readme):
    text = open(readme, encoding='utf-8').read()
    blocks = re.findall(r'```sh\n(.*?)```', text, re.S)[1:]
    for block in blocks:
        lines = []
        for line in block.replace('\\\n', ' ').splitlines():
            line = line.split('  #')[0].strip()
            if line and not line.startswith('#'):
                lines.append(line)
        yield lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--binary', required=True)
    ap.add_argument('--store', required=True)
    a = ap.parse_args()
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
    binary = os.path.abspath(a.binary)
    work = tempfile.mkdtemp(prefix='onemap-readme-')
    store = os.path.join(work, 'demo.sqlite')
    shutil.copy(a.store, store)
    server = subprocess.Popen([binary, 'serve', '--port', '0', '--store', store, '--cache', 'none'], cwd=root,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = server.stdout.readline()
        if not line.startswith('listening on '):
            fail(f'server did not start: {line!r}')
        url = line.split()[-1].rstrip('/')
        token = None
        count = 0
        for lines in examples(os.path.join(root, 'README.md')):
            for command in lines:
                words = shlex.split(command)
                if words[0] == 'onemap':
                    argv = [binary] + words[1:] + ['--store', store]
                elif words[0] == 'curl':
                    if 'om_…' in command:
                        if not token:
                            fail(f'{command}: no token printed by an earlier `onemap token create`')
                        words = [w.replace('om_…', token) for w in words]
                    argv = ['curl', '-sS', '--fail-with-body'] + [w.replace('http://127.0.0.1:8080', url) for w in words[1:]]
                else:
                    fail(f'README example with an unknown command: {command}')
                r = subprocess.run(argv, cwd=work, capture_output=True, text=True, timeout=120)
                if r.returncode != 0:
                    fail(f'{command}\n  exit {r.returncode}: {(r.stderr or r.stdout)[:400]}')
                out = r.stdout
                if '-o' in words:
                    with open(os.path.join(work, words[words.index('-o') + 1]), 'rb') as f:
                        out = f.read().decode('utf-8', errors='replace')
                found = re.search(r'\bom_[A-Za-z0-9]+', out)
                if words[:3] == ['onemap', 'token', 'create'] and found:
                    token = found.group(0)
                if words[0] == 'curl' and (not out.strip() or any(p.search(out) for p in EMPTY)):
                    fail(f'{command}\n  answered nothing: {out[:300]}')
                count += 1
                print(f'ok: {command[:110]}')
        if count < 8:
            fail(f'only {count} README commands found')
        print(f'all {count} README example commands ran and answered something')
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
