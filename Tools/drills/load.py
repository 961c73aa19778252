#!/usr/bin/env python3
"""Load and slow-client drill on the demo city.

1. 64 connections of mixed traffic for 60 s with wrk: cached and uncached tiles, WMS GetMap,
   items, identify, search, feature edits and a network analysis. Every answer must be a
   success or the designed 429/503 (with Retry-After); the server's resident memory is sampled
   each second, and its open file descriptors counted before and after.
2. The same mix for 20 s while 1,000 other connections trickle request heads a byte at a time
   (slowloris): the trickling connections are cut off by the header timeout, and the ordinary
   clients' p99 and errors are compared with the run without them.

    Tools/drills/load.py [--seconds 60] [--store DEMO.sqlite]

Needs wrk (apt-get install wrk). Runs the release binary (built when missing); builds the demo
city when no store is given. Appends a dated section to RELIABILITY.md."""
import argparse
import json
import os
import random
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
BINARY = os.path.join(ROOT, '.build', 'release', 'onemap')

MIX = r'''
local requests = {}
statuses = {}
local editor, commander = "%(editor)s", "%(commander)s"
local function add(weight, method, path, headers, body)
  for _ = 1, weight do table.insert(requests, wrk.format(method, path, headers, body)) end
end
math.randomseed(os.time())
-- cached tiles (warmed before the run)
for _, t in ipairs({%(cached)s}) do add(6, "GET", t) end
-- uncached tiles: z17/z18 in the city
for _ = 1, 60 do
  local z = math.random(17, 18)
  local n = 2 ^ z
  local lon, lat = 116.80 + math.random() * 0.10, 38.27 + math.random() * 0.07
  local x = math.floor((lon + 180) / 360 * n)
  local y = math.floor((1 - math.log(math.tan(math.rad(lat)) + 1 / math.cos(math.rad(lat))) / math.pi) / 2 * n)
  add(1, "GET", string.format("/tiles/basemap/WebMercatorQuad/%%d/%%d/%%d.png", z, x, y))
end
for _ = 1, 20 do
  local lon, lat = 116.80 + math.random() * 0.08, 38.27 + math.random() * 0.06
  add(1, "GET", string.format("/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=basemap&STYLES=&CRS=EPSG:4326&BBOX=%%f,%%f,%%f,%%f&WIDTH=512&HEIGHT=512&FORMAT=image/png", lat, lon, lat + 0.01, lon + 0.01))
  add(1, "GET", string.format("/ogc/collections/buildings/items?limit=50&bbox=%%f,%%f,%%f,%%f", lon, lat, lon + 0.005, lat + 0.005))
  add(1, "GET", string.format("/maps/basemap/identify?lon=%%f&lat=%%f&zoom=16", lon, lat))
end
for _, q in ipairs({"%%E8%%A7%%A3%%E6%%94%%BE", "%%E8%%BF%%90%%E6%%B2%%B3", "%%E5%%AD%%A6%%E6%%A0%%A1", "130903"}) do add(4, "GET", "/search?q=" .. q) end
for k = 1, 8 do
  local lon, lat = 116.80 + math.random() * 0.08, 38.27 + math.random() * 0.06
  add(1, "POST", "/ogc/collections/planning_draft/items", {["Authorization"] = "Bearer " .. editor, ["Content-Type"] = "application/geo+json"},
      string.format('{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[%%f,%%f],[%%f,%%f],[%%f,%%f],[%%f,%%f],[%%f,%%f]]]}}',
                    lon, lat, lon + 0.001, lat, lon + 0.001, lat + 0.001, lon, lat + 0.001, lon, lat))
end
add(4, "POST", "/ogc/processes/nearest-resources/execution", {["Authorization"] = "Bearer " .. commander, ["Content-Type"] = "application/json"},
    '{"inputs": {"incident": 1, "kind": "fire", "count": 5}}')

request = function() return requests[math.random(#requests)] end
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if (status == 429 or status == 503) and headers["Retry-After"] == nil then statuses["no-retry-after"] = (statuses["no-retry-after"] or 0) + 1 end
end
local threads = {}
setup = function(thread) table.insert(threads, thread) end
done = function(summary, latency, requests_)
  local total = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do total[tostring(k)] = (total[tostring(k)] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(total) do table.insert(parts, string.format('"%%s": %%d', k, v)) end
  io.write("STATUSES {" .. table.concat(parts, ", ") .. "}\n")
  io.write(string.format("LATENCY %%d %%d %%d %%d\n", latency:percentile(50), latency:percentile(99), latency.max, summary.requests))
  io.write(string.format("ERRORS %%d %%d %%d %%d\n", summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
'''


def onemap(*args):
    p = subprocess.run([BINARY, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    if p.returncode != 0:
        raise SystemExit(f'onemap {" ".join(args)} failed: {p.stderr.strip()}')
    return p.stdout


def rss_mb(pid):
    for line in open(f'/proc/{pid}/status'):
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
    return 0


def fds(pid):
    return len(os.listdir(f'/proc/{pid}/fd'))


def wrk(url, script, seconds, connections=64):
    out = subprocess.run(['wrk', '-t2', f'-c{connections}', f'-d{seconds}s', '--timeout', '30s', '-s', script, url],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout
    if 'STATUSES' not in out:
        raise SystemExit(f'wrk did not finish its report:\n{out}')
    statuses = json.loads(re.search(r'STATUSES (\{.*\})', out).group(1))
    p50, p99, worst, total = (int(v) for v in re.search(r'LATENCY (\d+) (\d+) (\d+) (\d+)', out).group(1, 2, 3, 4))
    errors = [int(v) for v in re.search(r'ERRORS (\d+) (\d+) (\d+) (\d+)', out).group(1, 2, 3, 4)]
    return statuses, p50 / 1000, p99 / 1000, worst / 1000, total, errors


def trickle(port, count, stop, closed):
    """`count` connections each sending a request head one byte a second, never finishing."""
    sockets = []
    for _ in range(count):
        try:
            s = socket.create_connection(('127.0.0.1', port))
            s.setblocking(False)
            sockets.append(s)
        except OSError:
            break
    head = b'GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ' + b'a' * 200
    k = 0
    while not stop.is_set() and sockets:
        alive = []
        for s in sockets:
            try:
                s.send(head[k % len(head):k % len(head) + 1])
                try:
                    if s.recv(1024) == b'':
                        raise ConnectionResetError()
                except BlockingIOError:
                    pass
                alive.append(s)
            except OSError:
                closed[0] += 1
                s.close()
        sockets = alive
        k += 1
        time.sleep(1)
    for s in sockets:
        s.close()
    return len(sockets)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--seconds', type=int, default=60)
    parser.add_argument('--store')
    args = parser.parse_args()
    if not shutil.which('wrk'):
        raise SystemExit('wrk is needed: apt-get install wrk')
    if not os.path.exists(BINARY):
        subprocess.run(['swift', 'build', '-c', 'release', '--product', 'onemap'], cwd=ROOT, check=True)
    work = tempfile.mkdtemp(prefix='onemap-load-')
    try:
        store = os.path.join(work, 'demo.sqlite')
        if args.store:
            shutil.copy(args.store, store)
        else:
            print('building the demo city…', flush=True)
            onemap('demo', '--store', store)
        editor = onemap('token', 'create', 'planner', '--store', store).strip()
        commander = onemap('token', 'create', 'cmd.zhao', '--store', store).strip()
        server = subprocess.Popen([BINARY, 'serve', '--store', store, '--port', '0', '--cache', os.path.join(work, 'cache')],
                                  cwd=ROOT, stdout=subprocess.PIPE, stderr=open(os.path.join(ROOT, '.build', 'load-server.log'), 'w'), text=True)
        url = server.stdout.readline().split()[-1].rstrip('/')
        port = int(url.rsplit(':', 1)[1])
        try:
            cached = []
            for x in range(3370, 3374):
                for y in range(1558, 1562):
                    path = f'/tiles/basemap/WebMercatorQuad/12/{x}/{y}.png'
                    subprocess.run(['curl', '-s', '-o', '/dev/null', url + path])
                    cached.append(f'"{path}"')
            script = os.path.join(work, 'mix.lua')
            with open(script, 'w') as f:
                f.write(MIX % {'editor': editor, 'commander': commander, 'cached': ', '.join(cached)})
            time.sleep(1)
            fds_before, rss_before = fds(server.pid), rss_mb(server.pid)
            samples, stop = [], threading.Event()

            def sample():
                while not stop.is_set():
                    samples.append(rss_mb(server.pid))
                    time.sleep(1)

            sampler = threading.Thread(target=sample)
            sampler.start()
            statuses, p50, p99, worst, total, errors = wrk(url, script, args.seconds)
            stop.set()
            sampler.join()
            time.sleep(3)
            fds_after = fds(server.pid)
            bad = {k: v for k, v in statuses.items() if not (k.startswith('2') or k.startswith('3') or k in ('429', '503'))}
            lines = [f'- **mixed load**, 64 connections for {args.seconds} s (cached and uncached tiles, WMS, items, identify, search, '
                     f'edits, nearest-resources): {total} answers, statuses {dict(sorted(statuses.items()))}; '
                     f'p50 {p50:.1f} ms, p99 {p99:.1f} ms, slowest {worst:.0f} ms; socket errors {errors} (connect, read, write, timeout); '
                     f'resident memory {rss_before:.0f} MB before, at most {max(samples):.0f} MB during; '
                     f'open files {fds_before} before, {fds_after} after.']
            if bad or statuses.get('no-retry-after') or sum(errors):
                lines.append(f'  **Not held**: answers other than success, 429 or 503: {bad}; socket errors {errors}.')
            if fds_after > fds_before + 8:
                lines.append(f'  **Not held**: {fds_after - fds_before} file descriptors more after the run.')

            # Slowloris beside the same mix.
            stop2, closed = threading.Event(), [0]
            slow = threading.Thread(target=trickle, args=(port, 1000, stop2, closed))
            slow.start()
            time.sleep(2)
            statuses2, p50b, p99b, worstb, total2, errors2 = wrk(url, script, 20)
            time.sleep(12)
            stop2.set()
            slow.join()
            bad2 = {k: v for k, v in statuses2.items() if not (k.startswith('2') or k.startswith('3') or k in ('429', '503'))}
            lines.append(f'- **slowloris**: 1,000 connections trickling a request head a byte a second beside the same mix for 20 s: '
                         f'{closed[0]} of them cut off by the 10 s header timeout; the ordinary clients got {total2} answers, '
                         f'statuses {dict(sorted(statuses2.items()))}, p50 {p50b:.1f} ms, p99 {p99b:.1f} ms (without the trickle: '
                         f'{p50:.1f} and {p99:.1f} ms); socket errors {errors2}.')
            if bad2 or sum(errors2):
                lines.append(f'  **Not held**: {bad2}, socket errors {errors2}.')
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    stamp = time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())
    with open(os.path.join(ROOT, 'RELIABILITY.md'), 'a') as out:
        out.write(f'\n### Load and slow clients, {stamp}\n\n`Tools/drills/load.py --seconds {args.seconds}` on {os.cpu_count()} cores '
                  f'(wrk and the server on the same machine):\n\n' + '\n'.join(lines) + '\n')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
