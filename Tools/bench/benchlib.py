"""Shared helpers for OneMap's benchmark scripts: running timed commands, machine facts and
appending a dated section to BENCHMARKS.md."""
import datetime
import os
import platform
import resource
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
SHARED = os.path.abspath(os.path.join(ROOT, '..', 'shared'))
BINARY = os.path.join(ROOT, '.build', 'release', 'onemap')


def run(cmd, **kw):
    """Runs a command, failing loudly; returns its stdout."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if p.returncode != 0:
        sys.stderr.write(p.stdout)
        raise SystemExit(f'failed ({p.returncode}): {" ".join(cmd)}')
    return p.stdout


def timed(cmd, env=None):
    """Wall seconds and peak RSS (MiB) of one run of `cmd` in a fresh process."""
    wrapped = ['/usr/bin/time', '-f', 'TIMED %e %M'] + cmd
    p = subprocess.run(wrapped, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    if p.returncode != 0:
        sys.stderr.write(p.stdout)
        raise SystemExit(f'failed ({p.returncode}): {" ".join(cmd)}')
    line = [l for l in p.stdout.splitlines() if l.startswith('TIMED ')][-1]
    _, wall, rss = line.split()
    return float(wall), int(rss) / 1024, p.stdout


def build_release():
    """Builds the release binary (incremental; quick when nothing changed)."""
    run(['swift', 'build', '-c', 'release', '--product', 'onemap'], cwd=ROOT)


def machine():
    cpu = 'unknown CPU'
    try:
        for line in open('/proc/cpuinfo'):
            if line.startswith('model name'):
                cpu = line.split(':', 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30
    return f'{platform.node()}: {os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, {platform.system()} {platform.release()}'


def loadavg():
    return open('/proc/loadavg').read().split()[:3]


def append_section(title, command, body):
    """Appends a dated section to BENCHMARKS.md (newest at the end)."""
    path = os.path.join(ROOT, 'BENCHMARKS.md')
    now = datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')
    if not os.path.exists(path):
        with open(path, 'w') as f:
            f.write('# OneMap benchmarks\n\nEach section was appended by the script it names; the machine is shared and noisy, '
                    'so compare only figures taken side by side in one run.\n')
    with open(path, 'a') as f:
        f.write(f'\n## {title} — {now}\n\n`{command}` on {machine()}, load average {" ".join(loadavg())} at the end.\n\n{body.strip()}\n')


DEMO20 = '/tmp/onemap-bench/demo/demo20.sqlite'


def demo_store(path=DEMO20, scale=20):
    """The demo city store at `path` (built when missing, its folder made): every script that
    needs it calls this, so each runs on its own on a fresh clone."""
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        print(f'building the --scale {scale} demo at {path}', flush=True)
        run([BINARY, 'demo', '--store', path, '--scale', str(scale), '--layers', os.path.join(ROOT, 'Layers')])
    return path


class Server:
    """`onemap serve --port 0` (release build) in the background, with the repository's styles,
    web files and layers; its URL from the line it prints once bound. `cache` None serves from
    memory only; an existing cache folder is cleared first."""

    def __init__(self, store, cache=None, workers=None, extra=(), env=None):
        import shutil
        args = [BINARY, 'serve', '--port', '0', '--store', store, '--styles', os.path.join(ROOT, 'Styles'),
                '--web', os.path.join(ROOT, 'Web'), '--layers', os.path.join(ROOT, 'Layers')]
        if cache:
            if os.path.exists(cache):
                shutil.rmtree(cache)
            args += ['--cache', cache]
        if workers:
            args += ['--workers', str(workers)]
        self.process = subprocess.Popen(args + list(extra), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                        env=dict(os.environ, **(env or {})))
        line = self.process.stdout.readline()
        if not line.startswith('listening on '):
            self.process.kill()
            raise SystemExit(f'onemap serve did not start: {line!r}')
        self.url = line.split()[-1].rstrip('/').replace('localhost', '127.0.0.1')
        self.host, self.port = self.url.split('//')[1].split(':')

    def memory(self):
        """VmRSS, RssAnon (private memory) and RssFile (mapped store and libraries), MiB."""
        return self.status('VmRSS'), self.status('RssAnon'), self.status('RssFile')

    def status(self, key):
        for line in open(f'/proc/{self.process.pid}/status'):
            if line.startswith(key + ':'):
                return int(line.split()[1]) / 1024
        return 0

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def percentile(values, p):
    import math
    values = sorted(values)
    return values[max(1, math.ceil(p / 100 * len(values))) - 1]
