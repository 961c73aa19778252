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
