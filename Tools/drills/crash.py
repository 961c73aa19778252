#!/usr/bin/env python3
"""Crash drills: `kill -9` at random moments during an import, a burst of feature edits, a tile
seed, and a burst of 数字城管 case reports and acceptances, each repeated. After every kill the
store must open, `onemap check` must pass (SQLite integrity, spatial indexes, catalog against
tables, pyramids), every acknowledged write must be there whole, and nothing half-written may be.

    Tools/drills/crash.py [--rounds 20] [--only import,edits,seed,cases]

Runs the release binary (built when missing). Appends a dated section to RELIABILITY.md."""
import argparse
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
BINARY = os.path.join(ROOT, '.build', 'release', 'onemap')


def onemap(*args, check=True, **kw):
    p = subprocess.run([BINARY, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, **kw)
    if check and p.returncode != 0:
        raise SystemExit(f'onemap {" ".join(args)} failed ({p.returncode}): {p.stderr.strip()}')
    return p


def store_check(store):
    """`onemap check` on the store: (ok, output)."""
    p = onemap('check', '--store', store, check=False)
    return p.returncode == 0, (p.stdout + p.stderr).strip()


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def kill_at_random(cmd, low, high, env=None):
    """Starts `cmd`, kills it with SIGKILL after a random time in [low, high); whether it had ended."""
    p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    delay = random.uniform(low, high)
    try:
        p.wait(timeout=delay)
        return True
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGKILL)
        p.wait()
        return False


class Server:
    """`onemap serve` on a free port, killed with SIGKILL by `kill()`."""

    def __init__(self, store, extra=()):
        self.port = free_port()
        self.process = subprocess.Popen([BINARY, 'serve', '--store', store, '--port', str(self.port), '--cache', 'none', *extra],
                                        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline()
        if 'listening' not in line:
            raise SystemExit(f'the server did not start: {line}')

    def url(self, path):
        return f'http://127.0.0.1:{self.port}{path}'

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


def request(url, token, body=None, method=None):
    data = None if body is None else json.dumps(body).encode()
    r = urllib.request.Request(url, data=data, method=method or ('POST' if body is not None else 'GET'),
                               headers={'Authorization': f'Bearer {token}', 'Content-Type': 'application/json'})
    with urllib.request.urlopen(r, timeout=30) as response:
        return response.status, response.headers, response.read()


def drill_import(rounds, work):
    """Kill an import at random; afterwards the layer is absent or whole, and the store checks."""
    source = os.path.join(ROOT, 'Layers', 'data', 'Helsinki.osm.pbf')
    base = os.path.join(work, 'import-base.sqlite')
    onemap('import', os.path.join(ROOT, 'Tests', 'Fixtures', 'import', 'points.geojson'), '--layer', 'pois', '--store', base)
    # One import to the end: how many features a whole import holds, and how long it takes.
    whole = os.path.join(work, 'import-whole.sqlite')
    shutil.copy(base, whole)
    started = time.time()
    onemap('import', source, '--layer', 'drill_lines', '--source-layer', 'lines', '--store', whole)
    seconds = time.time() - started
    expected = sqlite3.connect(whole).execute('SELECT count(*) FROM drill_lines').fetchone()[0]
    killed = 0
    for n in range(rounds):
        store = os.path.join(work, 'import.sqlite')
        for suffix in ('', '-wal', '-shm'):
            if os.path.exists(store + suffix):
                os.remove(store + suffix)
        shutil.copy(base, store)
        ended = kill_at_random([BINARY, 'import', source, '--layer', 'drill_lines', '--source-layer', 'lines', '--store', store], 0.05, seconds)
        killed += not ended
        ok, text = store_check(store)
        if not ok:
            raise SystemExit(f'import round {n}: the store fails its check after the kill: {text}')
        layers = json.loads(onemap('layers', '--json', '--store', store).stdout)['layers']
        roads = [l for l in layers if l['id'] == 'drill_lines']
        if roads and roads[0]['featureCount'] != expected:
            raise SystemExit(f'import round {n}: a half-imported layer: {roads[0]["featureCount"]} of {expected} features')
        if not any(l['id'] == 'pois' for l in layers):
            raise SystemExit(f'import round {n}: the layer that was there before is gone')
    return f'{rounds} imports of {expected} features ({seconds:.1f} s each) killed at random moments ({killed} before they ended): ' \
           f'every store passed `onemap check`; the layer was absent or whole every time'


def drill_edits(rounds, work):
    """Kill the server during a burst of feature creations; every acknowledged one is there, whole."""
    store = os.path.join(work, 'edits.sqlite')
    onemap('import', os.path.join(ROOT, 'Tests', 'Fixtures', 'import', 'points.geojson'), '--layer', 'pois', '--store', store)
    onemap('user', 'add', 'drill.editor', '--role', 'editor', '--store', store)
    token = onemap('token', 'create', 'drill.editor', '--store', store).stdout.strip().split()[-1]
    acknowledged_total = 0
    for n in range(rounds):
        server = Server(store)
        acknowledged, stop = [], threading.Event()

        def burst():
            k = 0
            while not stop.is_set():
                k += 1
                feature = {'type': 'Feature', 'properties': {'name': f'drill {n}-{k}'},
                           'geometry': {'type': 'Point', 'coordinates': [116.8 + random.random() * 0.1, 38.3 + random.random() * 0.1]}}
                try:
                    status, headers, _ = request(server.url('/ogc/collections/pois/items'), token, feature)
                    if status == 201:
                        acknowledged.append((headers['Location'].rsplit('/', 1)[-1], f'drill {n}-{k}'))
                except (urllib.error.URLError, ConnectionError, OSError):
                    return

        workers = [threading.Thread(target=burst) for _ in range(4)]
        for w in workers:
            w.start()
        time.sleep(random.uniform(0.3, 2.0))
        server.kill()
        stop.set()
        for w in workers:
            w.join()
        acknowledged_total += len(acknowledged)
        ok, text = store_check(store)
        if not ok:
            raise SystemExit(f'edits round {n}: the store fails its check after the kill: {text}')
        db = sqlite3.connect(store)
        rows = dict(db.execute('SELECT fid, name FROM pois WHERE geom IS NOT NULL'))
        for fid, name in acknowledged:
            if rows.get(int(fid)) != name:
                raise SystemExit(f'edits round {n}: acknowledged feature {fid} ({name}) is missing or changed')
        half = db.execute("SELECT count(*) FROM pois WHERE geom IS NULL OR name IS NULL").fetchone()[0]
        if half:
            raise SystemExit(f'edits round {n}: {half} half-written features')
        db.close()
    return f'{rounds} servers killed during bursts of feature creations (4 clients): all {acknowledged_total} acknowledged ' \
           f'features were there whole afterwards; every store passed `onemap check`'


def cache_files(directory):
    for dirpath, _, names in os.walk(directory):
        for name in names:
            yield os.path.join(dirpath, name)


def drill_seed(rounds, work, demo):
    """Kill a seed run; the store checks, no cached tile is cut short, and the seed resumes."""
    cache = os.path.join(work, 'seed-cache')
    shutil.rmtree(cache, ignore_errors=True)
    partial = 0
    for n in range(rounds):
        ended = kill_at_random([BINARY, 'seed', 'basemap', '--zoom', '10-15', '--store', demo, '--cache', cache], 0.3, 4.0)
        ok, text = store_check(demo)
        if not ok:
            raise SystemExit(f'seed round {n}: the store fails its check after the kill: {text}')
        for path in cache_files(cache):
            data = open(path, 'rb').read()
            if path.endswith('.png') and not (data.startswith(b'\x89PNG') and data.endswith(b'IEND\xaeB`\x82')):
                partial += 1
                raise SystemExit(f'seed round {n}: a cached tile cut short: {path}')
    files = sum(1 for _ in cache_files(cache))
    onemap('seed', 'basemap', '--zoom', '10-15', '--store', demo, '--cache', cache)
    return f'{rounds} seed runs (basemap z10–15) killed at random: the store passed `onemap check` every time, ' \
           f'none of the {files} cached files was cut short, and the seed then ran to its end from where it stood'


def drill_cases(rounds, work, demo):
    """Kill the server during case reports and acceptances; each acknowledged step is in the history."""
    tokens = {user: onemap('token', 'create', user, '--store', demo).stdout.strip().split()[-1] for user in ('sup.wang', 'lead.ma')}
    acknowledged_total = 0
    for n in range(rounds):
        server = Server(demo)
        steps, stop = [], threading.Event()

        def burst():
            while not stop.is_set():
                report = {'source': '监督员', 'kind': 'event', 'classCode': '0102', 'description': f'演练 {n}',
                          'location': [116.85 + random.uniform(-0.01, 0.01), 38.30 + random.uniform(-0.01, 0.01)]}
                try:
                    status, _, body = request(server.url('/cases'), tokens['sup.wang'], report)
                    case = json.loads(body)
                    steps.append((case['id'], 'report'))
                    status, _, body = request(server.url(f'/cases/{case["id"]}/actions'), tokens['lead.ma'],
                                              {'action': 'accept', 'version': case['version']})
                    if status == 200:
                        steps.append((case['id'], 'accept'))
                except (urllib.error.URLError, ConnectionError, OSError, KeyError, ValueError):
                    return

        workers = [threading.Thread(target=burst) for _ in range(3)]
        for w in workers:
            w.start()
        time.sleep(random.uniform(0.5, 2.5))
        server.kill()
        stop.set()
        for w in workers:
            w.join()
        acknowledged_total += len(steps)
        ok, text = store_check(demo)
        if not ok:
            raise SystemExit(f'cases round {n}: the store fails its check after the kill: {text}')
        server = Server(demo)
        try:
            for case_id in sorted({c for c, _ in steps}):
                _, _, body = request(server.url(f'/cases/{case_id}'), tokens['lead.ma'])
                history = [h['action'] for h in json.loads(body)['history']]
                wanted = [a for c, a in steps if c == case_id]
                if history[:len(wanted)] != wanted:
                    raise SystemExit(f'cases round {n}: case {case_id} has history {history}, acknowledged {wanted}')
        finally:
            server.kill()
    return f'{rounds} servers killed during bursts of case reports and acceptances (3 clients): all {acknowledged_total} ' \
           f'acknowledged steps were in the cases\' histories afterwards; every store passed `onemap check`'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--rounds', type=int, default=20)
    parser.add_argument('--only', default='import,edits,seed,cases')
    args = parser.parse_args()
    if not os.path.exists(BINARY):
        subprocess.run(['swift', 'build', '-c', 'release', '--product', 'onemap'], cwd=ROOT, check=True)
    work = tempfile.mkdtemp(prefix='onemap-drills-')
    results = []
    try:
        drills = args.only.split(',')
        demo = None
        if 'seed' in drills or 'cases' in drills:
            demo = os.path.join(work, 'demo.sqlite')
            print('building the demo city for the seed and case drills…', flush=True)
            onemap('demo', '--store', demo)
        for name in drills:
            started = time.time()
            print(f'drill: {name} × {args.rounds}', flush=True)
            if name == 'import':
                result = drill_import(args.rounds, work)
            elif name == 'edits':
                result = drill_edits(args.rounds, work)
            elif name == 'seed':
                result = drill_seed(args.rounds, work, demo)
            elif name == 'cases':
                result = drill_cases(args.rounds, work, demo)
            else:
                raise SystemExit(f'unknown drill {name}')
            results.append(f'- **{name}**: {result} ({time.time() - started:.0f} s).')
            print(results[-1], flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    stamp = time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())
    with open(os.path.join(ROOT, 'RELIABILITY.md'), 'a') as out:
        out.write(f'\n### Crash drills, {stamp}\n\n`Tools/drills/crash.py --rounds {args.rounds} --only {args.only}` on {os.cpu_count()} cores:\n\n')
        out.write('\n'.join(results) + '\n')


if __name__ == '__main__':
    main()
