#!/usr/bin/env python3
"""Disk-full drill: an import, feature edits and a tile seed on a small size-limited filesystem
(a tmpfs mounted for the drill, so it needs root). Each must fail with a clear message, and the
store must be as it was: the same catalog and row counts, and `onemap check` passes.

    sudo Tools/drills/diskfull.py

Runs the release binary (built when missing). Appends a dated section to RELIABILITY.md."""
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
BINARY = os.path.join(ROOT, '.build', 'release', 'onemap')


def onemap(*args, check=True):
    p = subprocess.run([BINARY, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    if check and p.returncode != 0:
        raise SystemExit(f'onemap {" ".join(args)} failed ({p.returncode}): {p.stderr.strip()}')
    return p


def snapshot(store):
    db = sqlite3.connect(store)
    rows = db.execute('SELECT id, feature_count, version FROM layers ORDER BY id').fetchall()
    tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'idx_%' "
                                       "AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name")]
    counts = [(t, db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables]
    db.close()
    return rows, counts


def fill(directory, leave=16384):
    """Fills the filesystem to the last `leave` bytes."""
    # Unbuffered: a buffered file would try to write its rest again when closed, and fail there.
    with open(os.path.join(directory, 'filler'), 'wb', buffering=0) as f:
        try:
            while True:
                f.write(b'\0' * 65536)
        except OSError:
            pass
    with open(os.path.join(directory, 'filler'), 'r+b') as f:
        f.truncate(max(0, os.path.getsize(os.path.join(directory, 'filler')) - leave))


def main():
    if os.geteuid() != 0:
        raise SystemExit('the disk-full drill mounts a small tmpfs: run it as root')
    if not os.path.exists(BINARY):
        subprocess.run(['swift', 'build', '-c', 'release', '--product', 'onemap'], cwd=ROOT, check=True)
    mount = tempfile.mkdtemp(prefix='onemap-full-')
    subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mount], check=True)
    results = []
    try:
        store = os.path.join(mount, 'store.sqlite')
        onemap('import', os.path.join(ROOT, 'Tests', 'Fixtures', 'import', 'points.geojson'), '--layer', 'pois', '--store', store)
        onemap('user', 'add', 'drill.editor', '--role', 'editor', '--store', store)
        token = onemap('token', 'create', 'drill.editor', '--store', store).stdout.strip()
        onemap('check', '--store', store)

        # 1. An import bigger than the space left (half a megabyte).
        before = snapshot(store)
        fill(mount, leave=512 * 1024)
        p = onemap('import', os.path.join(ROOT, 'Layers', 'data', 'Helsinki.osm.pbf'), '--layer', 'big', '--source-layer', 'multipolygons',
                   '--store', store, check=False)
        message = p.stderr.strip().splitlines()[-1] if p.stderr.strip() else ''
        if p.returncode == 0:
            raise SystemExit('the import into a full disk succeeded?')
        if 'full' not in message.lower() and 'space' not in message.lower():
            raise SystemExit(f'the import failed without saying the disk is full: {message}')
        os.remove(os.path.join(mount, 'filler'))
        if snapshot(store) != before:
            raise SystemExit('the failed import changed the store')
        if onemap('check', '--store', store, check=False).returncode != 0:
            raise SystemExit('the store fails its check after the failed import')
        results.append(f'- **import** of Helsinki multipolygons with half a megabyte free: exit {p.returncode}, “{message}”; '
                       'the store unchanged and `onemap check` passes.')

        # 2. Edits with the disk full.
        server = subprocess.Popen([BINARY, 'serve', '--store', store, '--port', '0', '--cache', 'none'], cwd=ROOT,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            url = server.stdout.readline().split()[-1].rstrip('/')
            fill(mount)
            statuses, bodies, accepted_names = [], [], set()
            for k in range(20):
                feature = {'type': 'Feature', 'properties': {'name': 'x' * 4000 + str(k)}, 'geometry': {'type': 'Point', 'coordinates': [116.8, 38.3]}}
                r = urllib.request.Request(url + '/ogc/collections/pois/items', data=json.dumps(feature).encode(), method='POST',
                                           headers={'Authorization': f'Bearer {token}', 'Content-Type': 'application/geo+json'})
                try:
                    with urllib.request.urlopen(r, timeout=30) as response:
                        statuses.append(response.status)
                        accepted_names.add(feature['properties']['name'])
                except urllib.error.HTTPError as e:
                    statuses.append(e.code)
                    bodies.append(e.read().decode(errors='replace'))
            refused = [s for s in statuses if s >= 500]
            if not refused:
                raise SystemExit(f'no edit failed on a full disk: {statuses}')
            health = urllib.request.urlopen(url + '/health', timeout=10).status
        finally:
            server.terminate()
            server.wait(timeout=30)
        os.remove(os.path.join(mount, 'filler'))
        accepted = statuses.count(201)
        db = sqlite3.connect(store)
        written = {name for (name,) in db.execute("SELECT name FROM pois WHERE name LIKE 'xxxx%'")}
        db.close()
        if written != accepted_names:
            raise SystemExit(f'the store holds {len(written)} drill features, {accepted} were acknowledged')
        if onemap('check', '--store', store, check=False).returncode != 0:
            raise SystemExit('the store fails its check after the failed edits')
        results.append(f'- **edits** with the filesystem full: {len(refused)} of 20 creations refused with {sorted(set(refused))} '
                       f'(“{json.loads(bodies[0])["description"] if bodies else ""}”), {accepted} accepted before the space ran out; '
                       f'the server still answered /health ({health}); afterwards the store held exactly the accepted features and passed `onemap check`.')

        # 3. Seeding into a full cache directory.
        cache = os.path.join(mount, 'cache')
        os.makedirs(cache)
        fill(mount)
        helsinki = os.path.join(tempfile.mkdtemp(prefix='onemap-helsinki-'), 'helsinki.sqlite')
        for layer, source_layer in (('helsinki_points', 'points'), ('helsinki_lines', 'lines'), ('helsinki_polygons', 'multipolygons')):
            onemap('import', os.path.join(ROOT, 'Layers', 'data', 'Helsinki.osm.pbf'), '--layer', layer, '--source-layer', source_layer, '--store', helsinki)
        p = onemap('seed', 'helsinki', '--zoom', '10-17', '--store', helsinki, '--cache', cache, check=False)
        shutil.rmtree(os.path.dirname(helsinki), ignore_errors=True)
        message = p.stderr.strip().splitlines()[-1] if p.stderr.strip() else ''
        os.remove(os.path.join(mount, 'filler'))
        if p.returncode == 0:
            raise SystemExit('seeding into a full cache directory succeeded?')
        if 'space' not in message.lower() and 'full' not in message.lower():
            raise SystemExit(f'the seed failed without saying the disk is full: {message}')
        results.append(f'- **seed** of the Helsinki map z10–17 into a full cache directory: exit {p.returncode}, “{message}”.')
    finally:
        subprocess.run(['umount', mount])
        os.rmdir(mount)
    stamp = time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())
    with open(os.path.join(ROOT, 'RELIABILITY.md'), 'a') as out:
        out.write(f'\n### Disk-full drill, {stamp}\n\n`Tools/drills/diskfull.py` (a 24 MB tmpfs):\n\n' + '\n'.join(results) + '\n')
    print('\n'.join(results))


if __name__ == '__main__':
    main()
