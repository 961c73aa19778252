#!/usr/bin/python3
"""Browser tests of the web map: Debian's headless Chromium, driven through chromedriver's
WebDriver protocol (plain HTTP, no client library), against `onemap serve` on a demo store.

  Tests/Browser/webmap_test.py --binary .build/debug/onemap --store DEMO.sqlite [--artifacts DIR]

Checks: the page loads; tiles appear (non-blank pixels in the map area); an overlay toggles; a
click on a land parcel shows its attributes; a search finds a road and moves the map; the URL
round-trips the view (centre, zoom, base, overlays, CRS); the CGCS2000 display loads TianDiTu-grid
tiles; the planning review (规划审查) panel: a site drawn on the map and a planning parcel picked,
reviewed, its verdict, areas, rules, conflicts on the map and report links (the PDF fetched), and bad
input shown as an error; command-screen mode; sign-in (a wrong password refused, then internal layers
and the 案件办理 panel); cases: the list, a case's details and history, a new case placed on the map and
taken through its first step, a form error that files nothing; the 数字城管 big screen. Screenshots at desktop and command-screen sizes go to
--artifacts.
Exits non-zero on the first failed check.
"""
import argparse
import base64
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

CHROMEDRIVER = '/usr/bin/chromedriver'
CHROMIUM = '/usr/bin/chromium'


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


class WebDriver:
    def __init__(self, width, height):
        self.port = free_port()
        self.process = subprocess.Popen([CHROMEDRIVER, f'--port={self.port}'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f'http://127.0.0.1:{self.port}'
        for _ in range(100):
            try:
                urllib.request.urlopen(self.base + '/status', timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        caps = {'capabilities': {'alwaysMatch': {'browserName': 'chrome', 'goog:chromeOptions': {
            'binary': CHROMIUM,
            'args': ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', f'--window-size={width},{height}',
                     '--lang=zh-CN', '--hide-scrollbars']}}}}
        self.session = self.call('POST', '/session', caps)['sessionId']

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method, headers={'Content-Type': 'application/json'})
        try:
            with urllib.request.urlopen(request, timeout=60) as r:
                return json.load(r)['value'] if path != '/session' else json.load(r)['value']
        except urllib.error.HTTPError as e:
            raise SystemExit(f'WebDriver {method} {path}: {e.read()[:500]}')

    def s(self, method, path, body=None):
        return self.call(method, f'/session/{self.session}{path}', body)

    def go(self, url):
        self.s('POST', '/url', {'url': url})

    def js(self, script, *args):
        return self.s('POST', '/execute/sync', {'script': script, 'args': list(args)})

    def js_async(self, script, *args):
        return self.s('POST', '/execute/async', {'script': script, 'args': list(args)})

    def wait(self, script, what, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.js(script):
                return
            time.sleep(0.25)
        self.screenshot(os.path.join(ARTIFACTS, 'failure.png'))
        fail(f'timed out waiting for {what}')

    def click_at(self, x, y):
        self.s('POST', '/actions', {'actions': [{'type': 'pointer', 'id': 'mouse', 'parameters': {'pointerType': 'mouse'}, 'actions': [
            {'type': 'pointerMove', 'duration': 0, 'x': int(x), 'y': int(y), 'origin': 'viewport'},
            {'type': 'pointerDown', 'button': 0}, {'type': 'pointerUp', 'button': 0}]}]})
        self.s('DELETE', '/actions')

    def double_click_at(self, x, y):
        down_up = [{'type': 'pointerDown', 'button': 0}, {'type': 'pointerUp', 'button': 0}]
        self.s('POST', '/actions', {'actions': [{'type': 'pointer', 'id': 'mouse', 'parameters': {'pointerType': 'mouse'}, 'actions': [
            {'type': 'pointerMove', 'duration': 0, 'x': int(x), 'y': int(y), 'origin': 'viewport'}] + down_up + down_up}]})
        self.s('DELETE', '/actions')

    def type_into(self, css, text):
        element = self.s('POST', '/element', {'using': 'css selector', 'value': css})
        eid = list(element.values())[0]
        self.s('POST', f'/element/{eid}/value', {'text': text})

    def settle(self, timeout=120):
        """Waits until no tile is still loading (renders can take a while on a cold cache)."""
        self.wait('return document.querySelectorAll("img.leaflet-tile").length > 0 && '
                  '!document.querySelector("img.leaflet-tile:not(.leaflet-tile-loaded)")', 'every tile to load', timeout)
        time.sleep(0.3)

    def screenshot(self, path):
        with open(path, 'wb') as f:
            f.write(base64.b64decode(self.s('GET', '/screenshot')))

    def quit(self):
        try:
            self.s('DELETE', '')
        finally:
            self.process.terminate()


def fail(message):
    print(f'FAIL: {message}', file=sys.stderr)
    raise SystemExit(1)


def check(condition, message):
    if not condition:
        fail(message)
    print(f'ok: {message}')


# Counts loaded tiles with more than one colour (drawn, not blank), by drawing them into a canvas.
DRAWN_TILES = '''
const imgs = [...document.querySelectorAll('img.leaflet-tile-loaded')];
let drawn = 0;
for (const img of imgs) {
  const c = document.createElement('canvas'); c.width = 64; c.height = 64;
  const g = c.getContext('2d'); g.drawImage(img, 0, 0, 64, 64);
  const d = g.getImageData(0, 0, 64, 64).data; const colours = new Set();
  for (let i = 0; i < d.length; i += 16) { if (d[i + 3] > 0) colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]); }
  if (colours.size > 3) drawn++;
}
return drawn;
'''


DEMO_PASSWORD = 'onemap-demo'


def json_get(browser, url, method='GET', body=None):
    """A request from the page (with its session cookie and cross-site token): [status, JSON]."""
    # A fetch can fail at the network level while the page is busy (Chromium reports "Failed to
    # fetch"); that is the browser's, not the server's answer, so it is asked again.
    for attempt in range(3):
        answer = browser.js_async('const done = arguments[arguments.length - 1];'
                                  'fetch(arguments[0]).then(r => r.json()).then(done, e => done({error: String(e)}))', url)
        if not (isinstance(answer, dict) and str(answer.get('error', '')).startswith('TypeError')):
            return answer
        time.sleep(0.5)
    return answer


def sign_in(browser, user, password):
    browser.js('const f = document.getElementById("signin"); if (f.hidden) document.getElementById("signin-open").click();'
               'document.getElementById("signin-user").value = ""; document.getElementById("signin-password").value = ""')
    browser.type_into('#signin-user', user)
    browser.type_into('#signin-password', password)
    browser.js('document.getElementById("signin").requestSubmit()')


def check_cases(url):
    """Sign-in and the 案件办理 panel, as the centre's shift leader."""
    browser = WebDriver(1600, 1000)
    try:
        browser.go(url + '/')
        browser.wait('return window.onemap && window.onemap.ready', 'the page to start')
        overlays = browser.js('return window.onemap.overlays.map(o => o.id)')
        check(browser.js('return document.getElementById("cases-entry").hidden') and 'planning_draft' not in overlays and 'cases' not in overlays,
              'signed out: no case panel, no internal layers')
        sign_in(browser, 'lead.ma', 'not the password')
        browser.wait('const e = document.getElementById("signin-error"); return !e.hidden && e.innerText.includes("用户名或密码错误")', 'the wrong-password message')
        check(browser.js('return !window.onemap.session.signedIn'), 'a wrong password is refused with a message in the form')
        sign_in(browser, 'lead.ma', DEMO_PASSWORD)
        browser.wait('return document.getElementById("account-name").innerText === "lead.ma"', 'signed in')
        browser.wait('return !document.getElementById("cases-entry").hidden', 'the case panel entry')
        overlays = browser.js('return window.onemap.overlays.map(o => o.id)')
        roles = browser.js('return document.getElementById("account-roles").innerText')
        check('planning_draft' in overlays and 'cases' in overlays and '值班长' in roles,
              f'signed in as lead.ma ({roles}): internal layers such as planning_draft and cases are offered')

        # The list: open cases first; only the overdue ones.
        browser.js('document.getElementById("cases-open").click()')
        browser.wait('return document.querySelectorAll("#cases-list .case-item").length > 0', 'the case list')
        count = browser.js('return document.getElementById("cases-count").innerText')
        check(re.match(r'共 \d+ 件', count) is not None, f'the case list opens with the cases in hand ({count})')
        browser.js('document.getElementById("cases-overdue").click()')
        browser.wait('const items = [...document.querySelectorAll("#cases-list .case-item")];'
                     'return items.length > 0 && items.every(li => li.classList.contains("overdue"))', 'only overdue cases')
        overdue = browser.js('return document.getElementById("cases-count").innerText')
        check(True, f'仅看超期 lists only overdue cases ({overdue})')
        browser.js('document.getElementById("cases-overdue").click()')
        browser.wait('return document.querySelectorAll("#cases-list .case-item:not(.overdue)").length > 0', 'the whole list again')

        # One case: its facts, its history, a mark on the map.
        browser.js('document.querySelector("#cases-list .case-item").click()')
        browser.wait('return document.getElementById("case-title") && document.querySelector(".case-mark")', 'the case details')
        detail = browser.js('return document.getElementById("cases-detail-view").innerText')
        steps = browser.js('return document.querySelectorAll("#cases-detail-view .timeline li, #cases-detail-view li.step").length')
        check('所在网格' in detail and '处置部门' in detail and steps >= 1, f'a case shows its facts, its {steps} steps and a mark on the map')
        browser.screenshot(os.path.join(ARTIFACTS, 'cases-detail.png'))

        # A new case: a form error first (no class), which files nothing.
        before = json_get(browser, url + '/cases?limit=1')['numberMatched']
        browser.js('document.querySelector(\'#cases-tabs button[data-view="new"]\').click()')
        browser.js('document.getElementById("new-description").value = "路灯不亮，夜间行人通行不便"; document.getElementById("new-class").value = "";'
                   'document.getElementById("cases-new-view").requestSubmit()')
        browser.wait('const e = document.getElementById("new-error"); return !e.hidden && e.innerText.includes("类别")', 'the missing-class error')
        check(json_get(browser, url + '/cases?limit=1')['numberMatched'] == before, 'a case without a class is refused in the form and nothing is filed')
        # Placed by a click on the map: the grid, street and community come back from the server.
        browser.js('window.onemap.map.setView([38.307, 116.852], 17, {animate: false})')
        time.sleep(0.5)
        p = browser.js('const m = window.onemap.map; const p = m.latLngToContainerPoint([38.307, 116.852]);'
                       'const r = m.getContainer().getBoundingClientRect(); return [p.x + r.left, p.y + r.top];')
        browser.click_at(*p)
        browser.wait('return document.getElementById("new-grid") !== null', 'the grid of the clicked place')
        grid = browser.js('return document.getElementById("new-grid").innerText')
        check(re.fullmatch(r'13090[23]\d{9}', grid) is not None and not browser.js('return document.querySelector(".leaflet-popup")'),
              f'a click on the map places the new case in its unit grid ({grid}), no identify popup')
        browser.js('const s = document.getElementById("new-class"); s.value = [...s.options].find(o => o.value).value;'
                   'document.getElementById("cases-new-view").requestSubmit()')
        browser.wait('return document.getElementById("case-created") !== null', 'the new case')
        created = browser.js('return [document.getElementById("case-created").innerText, window.onemap.cases.current.state, window.onemap.cases.current.grid.code]')
        check(created[1] == 'reported' and created[2] == grid and json_get(browser, url + '/cases?limit=1')['numberMatched'] == before + 1,
              f'the new case is filed in that grid ({created[0]})')
        # Its first step, by the button the server offers.
        first = browser.js('const b = document.querySelector("#case-actions button.primary"); return b ? [b.dataset.action, b.innerText] : null')
        check(first is not None, f'the new case offers its next step ({first})')
        browser.js('document.querySelector("#case-actions button.primary").click()')
        browser.wait('return window.onemap.cases.current && window.onemap.cases.current.state !== "reported"', 'the step to be taken')
        state = browser.js('return [window.onemap.cases.current.state, window.onemap.cases.current.history.length]')
        check(state[1] >= 2, f'{first[1]} moves the case on ({state[0]}, {state[1]} steps)')
        browser.settle()
        browser.screenshot(os.path.join(ARTIFACTS, 'cases-new.png'))
    finally:
        browser.quit()


def main():
    global ARTIFACTS
    ap = argparse.ArgumentParser()
    ap.add_argument('--binary', required=True)
    ap.add_argument('--store', required=True)
    ap.add_argument('--artifacts', default='.build/browser-artifacts')
    a = ap.parse_args()
    ARTIFACTS = a.artifacts
    os.makedirs(ARTIFACTS, exist_ok=True)
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
    server = subprocess.Popen([a.binary, 'serve', '--port', '0', '--store', a.store, '--cache', 'none'], cwd=root,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = server.stdout.readline()
    if not line.startswith('listening on '):
        fail(f'server did not start: {line!r}')
    url = line.split()[-1].rstrip('/')
    browser = WebDriver(1600, 1000)
    try:
        browser.go(url + '/')
        browser.wait('return window.onemap && window.onemap.ready', 'the page to start')
        check(browser.js('return document.title') == '一张图 OneMap' and '底图' in browser.js('return document.body.innerText'),
              'the page loads, in Simplified Chinese')
        browser.wait(f'return (function(){{ {DRAWN_TILES} }})() >= 4', 'base tiles to be drawn')
        check(True, 'base map tiles appear with non-blank pixels')
        # Text comes compressed (Chromium offers br and gzip); tiles do not.
        sizes = browser.js('const e = performance.getEntriesByType("resource").find(r => r.name.endsWith("/web/app.js"));'
                           'return e ? [e.encodedBodySize, e.decodedBodySize] : null')
        check(sizes and sizes[0] * 2 < sizes[1], f'app.js arrives compressed ({sizes[0] if sizes else "?"} of {sizes[1] if sizes else "?"} bytes)')

        # Overlay toggle: land use on, its tiles load and the legend lists its classes; off again.
        browser.js('document.querySelector(\'input[data-overlay="landuse"]\').click()')
        browser.wait('return document.querySelectorAll(\'img.leaflet-tile-loaded[src*="layers=landuse"]\').length >= 4', 'land-use overlay tiles')
        browser.wait('return document.getElementById("legend").innerText.includes("城镇住宅用地")', 'the land-use legend')
        check('layers=landuse' in browser.js('return location.hash'), 'an overlay toggles on, with its legend, and the URL records it')
        # 三区三线: three lines, three legend entries, in a legend floating on the map.
        browser.js('document.querySelector(\'input[data-overlay="control_lines"]\').click()')
        browser.wait('return document.querySelectorAll(\'#legend .legend-layer[data-layer="control_lines"] .item\').length >= 3', 'the 三区三线 legend')
        entries = browser.js('return [...document.querySelectorAll(\'#legend .legend-layer[data-layer="control_lines"] .item\')].map(i => [i.innerText.trim(), getComputedStyle(i.querySelector(".swatch")).borderTopColor])')
        floating = browser.js('const l = document.getElementById("legend-box").getBoundingClientRect(), m = document.getElementById("map").getBoundingClientRect();'
                              'return l.left >= m.left && l.right <= m.right && l.top >= m.top && l.bottom <= m.bottom && l.width > 50')
        check(sorted(e[0] for e in entries) == ['城镇开发边界', '永久基本农田', '生态保护红线'] and len({e[1] for e in entries}) == 3 and floating,
              f'三区三线 has three legend entries in three colours, in a legend floating on the map ({entries})')
        # 打印: the view with its overlays on an A4 page; the PDF read back with pdftotext.
        browser.js('document.getElementById("print-title").value = "运河区三区三线示意图"')
        link = browser.js('const a = document.getElementById("print-pdf"); a.dispatchEvent(new MouseEvent("click", {cancelable: true})); return a.href')
        check('/print?' in link and 'layers=' in link and 'control_lines' in link, f'the 打印 button prints the current view and overlays ({link[:90]}…)')
        with urllib.request.urlopen(link) as r:
            pdf = r.read()
        pdf_path = os.path.join(ARTIFACTS, 'print.pdf')
        with open(pdf_path, 'wb') as f:
            f.write(pdf)
        text = subprocess.run(['pdftotext', '-layout', pdf_path, '-'], capture_output=True, text=True).stdout
        check(pdf.startswith(b'%PDF') and all(w in text for w in ('运河区三区三线示意图', '图例', '生态保护红线', '比例尺 1:', '坐标系')),
              f'the printed PDF has the title, the legend, the scale and the CRS ({len(pdf)} bytes)')
        subprocess.run(['pdftoppm', '-png', '-r', '50', '-singlefile', pdf_path, os.path.join(ARTIFACTS, 'print')], check=False)
        browser.js('document.querySelector(\'input[data-overlay="control_lines"]\').click()')
        browser.js('document.querySelector(\'input[data-overlay="landuse"]\').click()')
        browser.wait('return !document.querySelector(\'img[src*="layers=landuse"]\')', 'the overlay to go')
        check(True, 'the overlay toggles off')
        browser.js('document.querySelector(\'input[data-overlay="landuse"]\').click()')

        # Identify: click the map inside a land parcel (the middle of one found through the API).
        with urllib.request.urlopen(url + '/ogc/collections/landuse/items?bbox=116.846,38.303,116.852,38.307&limit=1') as r:
            ring = json.load(r)['features'][0]['geometry']['coordinates'][0][0]
        lon, lat = sum(p[0] for p in ring[:-1]) / (len(ring) - 1), sum(p[1] for p in ring[:-1]) / (len(ring) - 1)
        point = browser.js('const m = window.onemap.map; m.setView([arguments[0], arguments[1]], 16, {animate: false});'
                           'const p = m.latLngToContainerPoint([arguments[0], arguments[1]]); const r = m.getContainer().getBoundingClientRect();'
                           'return [p.x + r.left, p.y + r.top];', lat, lon)
        time.sleep(0.5)
        browser.click_at(*point)
        browser.wait('return document.querySelector(\'.leaflet-popup-content details[data-layer="landuse"]\')', 'the identify popup')
        # Points and lines under the click come first; the parcel is in the list, opened by a click.
        browser.js('const d = document.querySelector(\'.leaflet-popup-content details[data-layer="landuse"]\'); if (!d.open) d.querySelector("summary").click()')
        popup = browser.js('return document.querySelector(".leaflet-popup-content").innerText')
        check('地类编码' in popup and '土地利用现状' in popup, f'a click on a parcel shows its attributes ({popup.splitlines()[:4]})')
        browser.settle()
        browser.screenshot(os.path.join(ARTIFACTS, 'desktop-identify.png'))

        # Search for a road; the map moves to it.
        before = browser.js('const c = window.onemap.map.getCenter(); return [c.lat, c.lng]')
        browser.type_into('#search-input', '彭城大道\n')
        browser.wait('const c = window.onemap.map.getCenter(); return Math.abs(c.lat - 38.2259) < 0.01 && Math.abs(c.lng - 116.765) < 0.01',
                     'the map to move to 彭城大道')
        after = browser.js('const c = window.onemap.map.getCenter(); return [c.lat, c.lng]')
        check(abs(after[0] - before[0]) > 0.01, f'a search finds a road and moves the map ({before} -> {after})')

        # A unit-grid code and Enter: the grid itself (not a component in it), its layer on, its
        # outline highlighted, its attributes open; arrow keys move in the list.
        with urllib.request.urlopen(url + '/ogc/collections/components/items?limit=1&skipGeometry=true') as r:
            grid_code = json.load(r)['features'][0]['properties']['bgcode']
        browser.js('window.onemap.map.closePopup(); const i = document.getElementById("search-input"); i.value = ""; i.focus()')
        browser.type_into('#search-input', grid_code)
        browser.wait('return document.querySelectorAll("#search-results li[data-index]").length >= 2', 'the search list')
        browser.type_into('#search-input', '\ue015')   # ArrowDown
        marked = browser.js('const li = document.querySelector("#search-results li.active"); return li ? li.dataset.index : null')
        check(marked == '0', 'the arrow keys mark a result in the list')
        browser.type_into('#search-input', '\ue007')   # Enter
        browser.wait('const p = document.querySelector(".leaflet-popup-content"); return p && p.innerText.includes(arguments[0])'.replace('arguments[0]', json.dumps(grid_code)),
                     'the grid\'s attributes')
        landed = browser.js('return [document.querySelector(".leaflet-popup-content details[open]").dataset.layer,'
                            'document.querySelectorAll("path.search-highlight").length,'
                            'window.onemap.overlays.some(o => o.id === "unit_grids" && o.on), document.querySelector(".leaflet-popup-content").innerText]')
        check(landed[0] == 'unit_grids' and landed[1] >= 1 and landed[2] and '公顷' in landed[3],
              f'a grid code and Enter land on the grid: highlighted, its layer on, its attributes and area open ({grid_code})')

        # Identify over a component inside a grid: the component comes first, highlighted.
        with urllib.request.urlopen(url + f'/ogc/collections/components/items?limit=1&bgcode={grid_code}') as r:
            lamp = json.load(r)['features'][0]
        clon, clat = lamp['geometry']['coordinates']
        browser.js('window.onemap.map.closePopup(); window.onemap.map.setView([arguments[0], arguments[1]], 18, {animate: false});'
                   'const o = window.onemap.overlays.find(o => o.id === "components"); if (!o.on) document.querySelector(\'input[data-overlay="components"]\').click()', clat, clon)
        time.sleep(0.8)
        browser.click_at(*browser.js('const m = window.onemap.map; const p = m.latLngToContainerPoint([arguments[0], arguments[1]]);'
                                     'const r = m.getContainer().getBoundingClientRect(); return [p.x + r.left, p.y + r.top];', clat, clon))
        browser.wait('const d = document.querySelector(".leaflet-popup-content details"); return d && d.dataset.layer', 'the identify popup over the component')
        order = browser.js('return [...document.querySelectorAll(".leaflet-popup-content details")].map(d => d.dataset.layer)')
        check(order[0] == 'components' and 'unit_grids' in order, f'a click on a component lists the component first, then the grid under it ({order[:4]})')
        browser.js('window.onemap.map.closePopup(); document.querySelector(\'input[data-overlay="components"]\').click(); document.querySelector(\'input[data-overlay="unit_grids"]\').click()')

        # Measure a distance along a known east-west line: 0.01° of longitude at 38.3°N.
        browser.js('window.onemap.map.setView([38.30, 116.85], 15, {animate: false}); document.getElementById("measure-distance").click()')
        for lon in (116.845, 116.855):
            p = browser.js('const m = window.onemap.map; const p = m.latLngToContainerPoint([38.30, arguments[0]]);'
                           'const r = m.getContainer().getBoundingClientRect(); return [p.x + r.left, p.y + r.top];', lon)
            browser.click_at(*p)
            time.sleep(0.3)
        measured = browser.js('return window.onemap.measure ? require_len() : 0'.replace('require_len()', 'Geodesy.length(window.onemap.measure.points)'))
        expected = browser.js('return Geodesy.distance(116.845, 38.30, 116.855, 38.30)')
        check(abs(expected - 874.3) < 1 and abs(measured - expected) < 15, f'distance measured {measured:.1f} m (geodesic for the clicked points; 0.01° at 38.3°N = {expected:.1f} m)')
        label = browser.js('const t = document.querySelector(".leaflet-tooltip.measure-label"); return t ? t.innerText : null')
        check(label is not None and '米' in label, f'the distance is written on the map at the line ({label})')
        browser.js('document.getElementById("measure-clear").click()')

        # The elevation profile along a drawn line: the DEM's stored values as a chart.
        browser.js('document.getElementById("measure-profile").click()')
        for i, lon in enumerate((116.845, 116.855)):
            p = browser.js('const m = window.onemap.map; const p = m.latLngToContainerPoint([38.30, arguments[0]]);'
                           'const r = m.getContainer().getBoundingClientRect(); return [p.x + r.left, p.y + r.top];', lon)
            (browser.double_click_at if i == 1 else browser.click_at)(*p)
            time.sleep(0.3)
        browser.wait('return window.onemap.profile && document.querySelectorAll("#profile-chart path").length === 2', 'the elevation profile chart')
        profile = browser.js('return window.onemap.profile')
        height = browser.js_async('const done = arguments[arguments.length - 1]; fetch("/elevation?lon=" + arguments[0] + "&lat=" + arguments[1])'
                                  '.then(r => r.json()).then(j => done(j.elevation))', *profile['profile'][0]['location'])
        # (The profile gives heights to the centimetre; /elevation the stored value as it is.)
        check(profile['samples'] > 50 and height is not None and abs(profile['profile'][0]['height'] - height) < 0.006
              and '最低' in browser.js('return document.getElementById("profile-summary").innerText'),
              f'高程剖面: {profile["samples"]} samples of the stored DEM along the line, drawn as a chart ({profile["min"]}–{profile["max"]} m)')
        browser.screenshot(os.path.join(ARTIFACTS, 'desktop-profile.png'))
        browser.js('document.getElementById("measure-clear").click()')

        # Planning review (规划审查): open the panel; bad input is an error in the panel and changes nothing.
        browser.js('document.getElementById("review-open").click()')
        check(browser.js('return !document.getElementById("review").hidden && window.onemap.review.mode === "draw"'),
              'the 规划审查 button opens the review panel, in drawing mode')
        browser.js('document.querySelector(\'#review-sources button[data-source="paste"]\').click()')
        centre = browser.js('const c = window.onemap.map.getCenter(); return [c.lat, c.lng, window.onemap.map.getZoom()]')
        for text, expected in (('{"type": "Polygon", "coordinates": [[[116.80, 38.28]', 'GeoJSON 无法解析'),
                               ('{"type": "Point", "coordinates": [116.805, 38.285]}', 'Polygon')):
            browser.js('const t = document.getElementById("review-geojson"); t.value = arguments[0]; t.dispatchEvent(new Event("input"));'
                       'document.getElementById("review-use").value = "0701"; document.getElementById("review-run").click()', text)
            browser.wait(f'const e = document.getElementById("review-error"); return !e.hidden && e.innerText.includes({json.dumps(expected)})',
                         f'the error for {text[:30]}')
            error = browser.js('return document.getElementById("review-error").innerText')
            after = browser.js('const c = window.onemap.map.getCenter(); return [c.lat, c.lng, window.onemap.map.getZoom()]')
            check(browser.js('return !document.getElementById("review-verdict") && !document.querySelector("path.review-conflict")') and after == centre,
                  f'bad input is shown in the panel and nothing else changes ({error})')

        # Draw a ~500 m square over the city (that area breaks the land-use plan on the demo): three
        # clicks and a double-click on the fourth corner; no identify popup, no measurement.
        browser.js('document.querySelector(\'#review-sources button[data-source="draw"]\').click();'
                   'window.onemap.map.closePopup(); window.onemap.map.setView([38.285, 116.805], 15, {animate: false})')
        check(browser.js('return document.getElementById("review-error").hidden'), 'choosing another way to draw the site clears the error')
        time.sleep(0.5)
        half_lat, half_lon = 250 / 110_990, 250 / (111_320 * 0.7853)
        corners = [(38.285 - half_lat, 116.805 - half_lon), (38.285 - half_lat, 116.805 + half_lon),
                   (38.285 + half_lat, 116.805 + half_lon), (38.285 + half_lat, 116.805 - half_lon)]
        to_screen = ('const m = window.onemap.map; const p = m.latLngToContainerPoint([arguments[0], arguments[1]]);'
                     'const r = m.getContainer().getBoundingClientRect(); return [p.x + r.left, p.y + r.top];')
        for i, (la, lo) in enumerate(corners):
            p = browser.js(to_screen, la, lo)
            if i < 3:
                browser.click_at(*p)
            else:
                browser.double_click_at(*p)
            time.sleep(0.4)
        site = browser.js('const s = window.onemap.review.site; return s && s.geometry.coordinates[0].length')
        check(site == 5 and browser.js('return document.querySelector("path.review-site") !== null && window.onemap.review.mode === null'),
              f'a site drawn by clicking four corners and double-clicking is closed and shown on the map ({site} ring points)')
        check(not browser.js('return document.querySelector(".leaflet-popup")') and not browser.js('return window.onemap.measure'),
              'drawing the site opens no identify popup and measures nothing')

        # Review it as housing with indicators over the plan's limits.
        browser.js('document.getElementById("review-use").value = "0701"; document.getElementById("review-far").value = "2.5";'
                   'document.getElementById("review-height").value = "60"; document.getElementById("review-project").value = "示例住宅项目";'
                   'document.getElementById("review-run").click()')
        browser.wait('return document.getElementById("review-verdict") !== null', 'the review verdict')
        verdict = browser.js('const v = document.getElementById("review-verdict"); return [v.dataset.status, v.innerText, getComputedStyle(v).color]')
        area = browser.js('return document.querySelector("#review .facts").innerText')
        rules = browser.js('return [...document.querySelectorAll("#review-rules .rule")].map(li => li.className + " " + li.innerText.split("\\n")[1])')
        check(verdict[0] == 'violation' and verdict[1].startswith('违规') and verdict[2] == 'rgb(196, 20, 20)',
              f'the verdict is shown in red ({verdict[1].splitlines()[0]}, {verdict[2]})')
        check('平方米' in area and '公顷' in area and '亩' in area, f'the site area in m², 公顷 and 亩 ({area.splitlines()[2:4]})')
        check(len(rules) >= 8 and any('violation' in r for r in rules), f'the review lists {len(rules)} rules with their status')
        conflicts = browser.js('return document.querySelectorAll("path.review-conflict").length')
        check(conflicts >= 1, f'all conflicts are shown on the map at first ({conflicts} paths)')
        check(browser.js('return document.getElementById("review-left-out") !== null'), 'the layers left out of the review are named')

        # Click the first rule with a conflict: only its conflict is shown, and the map zooms to it.
        browser.js('document.querySelector("#review-rules .rule.has-conflict").click()')
        time.sleep(0.8)
        shown = browser.js('const r = window.onemap.review, c = r.result.rules[r.selected].conflict;'
                           'const b = L.geoJSON(c).getBounds(), v = window.onemap.map.getBounds();'
                           'return [r.selected, document.querySelectorAll("path.review-conflict").length, v.contains(b),'
                           'document.querySelector("#review-rules .rule.selected").innerText.split("\\n")[1]]')
        check(shown[1] >= 1 and shown[2], f'clicking a rule highlights its conflict on the map and zooms to it ({shown[3]})')

        # The report links: the job's HTML report and its PDF.
        links = browser.js('return [document.getElementById("review-report-html").href, document.getElementById("review-report-pdf").href,'
                           'document.getElementById("review-report-html").target]')
        check(all(re.search(r'/ogc/jobs/[0-9a-f-]+/results\?f=' + f, l) for l, f in zip(links, ('html', 'pdf'))) and links[2] == '_blank',
              f'the report links point at the job\'s results ({links[0]}, f=pdf)')
        with urllib.request.urlopen(links[1]) as r:
            pdf = r.read()
        with urllib.request.urlopen(links[0]) as r:
            html = r.read().decode()
        check(pdf.startswith(b'%PDF') and '示例住宅项目' in html and '违规' in html, f'the PDF report downloads ({len(pdf)} bytes) and the HTML report names the project')
        browser.js('window.onemap.map.closePopup(); document.getElementById("review-show-all").click()')
        time.sleep(0.5)
        browser.js('document.getElementById("review-verdict").scrollIntoView()')
        browser.settle()
        browser.screenshot(os.path.join(ARTIFACTS, 'desktop-planning-review.png'))

        # Pick a planning parcel instead (reviewed by its layer and id): the planning overlay comes on.
        lon, lat = 116.8054, 38.2836
        with urllib.request.urlopen(url + f'/maps/planning/identify?lon={lon}&lat={lat}&zoom=16&layers=planning&geometry=false') as r:
            parcel = json.load(r)['features'][0]
        browser.js('document.querySelector(\'#review-sources button[data-source="pick"]\').click();'
                   'window.onemap.map.setView([arguments[0], arguments[1]], 16, {animate: false})', lat, lon)
        time.sleep(0.5)
        browser.click_at(*browser.js(to_screen, lat, lon))
        browser.wait('const s = window.onemap.review.site; return s && s.id !== undefined', 'a picked parcel')
        picked = browser.js('return [window.onemap.review.site.id, document.getElementById("review-site").innerText]')
        browser.js('document.getElementById("review-run").click()')
        browser.wait('return document.getElementById("review-verdict") !== null', 'the review of the picked parcel')
        check(picked[0] == parcel['id'] and not browser.js('return document.querySelector(".leaflet-popup")'),
              f'clicking a planning parcel picks it for review, without the identify popup ({picked[1]})')
        check(browser.js('return document.querySelectorAll("#review-rules .rule").length') >= 8, 'the picked parcel is reviewed')

        # Close the panel; the map clicks identify again, the planning overlay goes off for what follows.
        browser.wait('return !document.querySelector(".leaflet-zoom-anim")', 'the zoom to the parcel to end')
        time.sleep(0.5)
        browser.js('document.getElementById("review-close").click(); document.querySelector(\'input[data-overlay="planning"]\').click()')
        check(browser.js('return document.getElementById("review").hidden && !document.querySelector("path.review-site, path.review-conflict")'),
              'closing the panel takes the review off the map')

        # URL round trip: the hash restores centre, zoom, base, overlays and opacity.
        browser.js('const o = window.onemap.overlays.find(o => o.id === "landuse"); document.querySelector(\'input[data-opacity="landuse"]\').value = "0.5";'
                   'document.querySelector(\'input[data-opacity="landuse"]\').dispatchEvent(new Event("input"));'
                   'document.querySelector(\'input[name=base][value=imagery]\').click(); window.onemap.map.setView([38.31, 116.86], 15, {animate: false});')
        time.sleep(0.5)
        link = browser.js('return location.href')
        browser.go('about:blank')
        browser.go(link)
        browser.wait('return window.onemap && window.onemap.ready', 'the shared link to load')
        view = browser.js('const m = window.onemap.map, c = m.getCenter(); const o = window.onemap.overlays.filter(o => o.on).map(o => o.id + ":" + o.opacity);'
                          'return [c.lat, c.lng, m.getZoom(), window.onemap.base, o]')
        check(abs(view[0] - 38.31) < 1e-4 and abs(view[1] - 116.86) < 1e-4 and view[2] == 15 and view[3] == 'imagery' and view[4] == ['landuse:0.5'],
              f'the URL round-trips the view ({link.split("#")[1]} -> {view})')
        browser.wait(f'return (function(){{ {DRAWN_TILES} }})() >= 4', 'imagery tiles')
        browser.settle()
        browser.screenshot(os.path.join(ARTIFACTS, 'desktop-imagery-landuse.png'))

        # CGCS2000 display: tiles come from the TianDiTu-grid set, one level above Leaflet's zoom.
        browser.js('document.querySelector(\'input[name=crs][value="4490"]\').click()')
        browser.wait('return document.querySelectorAll(\'img.leaflet-tile-loaded[src*="CGCS2000Quad"]\').length >= 4', 'CGCS2000 tiles')
        src = browser.js('return document.querySelector(\'img.leaflet-tile-loaded[src*="CGCS2000Quad"]\').getAttribute("src")')
        z = browser.js('return window.onemap.map.getZoom()')
        check(f'/CGCS2000Quad/{z + 1}/' in src and 'crs=4490' in browser.js('return location.hash'), f'the CGCS2000 display loads TianDiTu-grid tiles ({src})')
        browser.js('const m = window.onemap.map; m.fire("mousemove", {latlng: L.latLng(38.3, 116.85)})')
        cursor = browser.js('return document.getElementById("cursor").innerText')
        # EPSG:4527 of (116.85°E, 38.30°N) by PROJ (gdaltransform): X 4240808.459, Y 39486878.979.
        check('116.850000' in cursor and '第 39 带' in cursor and '4,240,808.46' in cursor and '39,486,878.98' in cursor,
              f'the cursor position in CGCS2000 and Gauss-Krüger, as PROJ gives it ({cursor})')
        browser.settle()
        browser.screenshot(os.path.join(ARTIFACTS, 'desktop-cgcs2000.png'))
    finally:
        browser.quit()

    check_cases(url)

    # Command-screen mode at wall size.
    wall = WebDriver(1920, 1080)
    try:
        wall.go(url + '/?screen=1')
        wall.wait('return window.onemap && window.onemap.ready', 'the command screen to start')
        wall.wait(f'return (function(){{ {DRAWN_TILES} }})() >= 6', 'command-screen tiles')
        wall.wait('return document.querySelectorAll(\'img.leaflet-tile-loaded[src^="/overlays/"][src*="shelters"]\').length >= 1', 'emergency overlays')
        size = wall.js('return parseFloat(getComputedStyle(document.body).fontSize)')
        check(wall.js('return document.body.classList.contains("screen")') and size >= 20, f'command-screen mode: large type ({size}px), emergency overlays on')
        overlay = wall.js('const i = document.querySelector(\'img.leaflet-tile-loaded[src^="/overlays/"][src*="shelters"]\'); return i ? [i.getAttribute("src"), i.naturalWidth, i.width] : null')
        check(overlay and overlay[0].startswith('/overlays/') and 'fire_stations' in overlay[0] and overlay[1] == 512 and overlay[2] == 512,
              f'the command screen draws its overlays as one @2x tile shown at 512 px, labels placed together and type twice the size ({overlay})')
        wall.wait('return !document.getElementById("legend-box").hidden && document.querySelectorAll("#legend .legend-layer").length >= 3', 'the command screen legend')
        check(True, 'the legend floats on the command screen too')
        check(wall.js('return document.getElementById("review-open").offsetParent === null && document.getElementById("review").offsetParent === null'),
              'command-screen mode shows no planning-review controls')
        check(wall.js('return window.onemap.baseLayer._url.startsWith("/tiles/night/")'), 'the command screen\'s base is the dark night map (a style, not a CSS filter)')
        wall.settle()
        wall.screenshot(os.path.join(ARTIFACTS, 'command-screen.png'))
        # 应急一张图: a commander signs in; the incident's rings, resources by road and live units appear.
        sign_in(wall, 'cmd.zhao', DEMO_PASSWORD)
        wall.wait('return document.querySelector("#em-rings table") !== null', 'the impact rings of the first incident', 120)
        wall.wait('return document.querySelector("#em-resources table") !== null', 'the nearest resources', 120)
        rows = wall.js('return [...document.querySelectorAll("#em-resources tr")].map(r => r.innerText.replace(/\\s+/g, " "))')
        check(len(rows) >= 4 and '分' in rows[0], f'the nearest fire stations and hospitals by road, with minutes ({rows[:2]})')
        check(wall.js('return window.onemap.emergency.layers.routes.getLayers().length') >= 4, 'their routes are drawn')
        check('人' in wall.js('return document.getElementById("em-rings").innerText'), 'the rings list facilities and people')
        wall.wait('return Object.keys(window.onemap.emergency.units).length >= 8', 'the live units')
        # A unit moves: its marker moves in place (the same marker, a new position), nothing redrawn.
        moved = wall.js_async('const done = arguments[arguments.length - 1]; const m = window.onemap.emergency.units["fire-01"];'
                              'api("/live/positions", {method: "POST", body: {unit: "fire-01", kind: "fire", name: "消防一中队 水罐车", location: [116.8601, 38.3101]}})'
                              '.then(() => setTimeout(() => { const n = window.onemap.emergency.units["fire-01"]; const ll = n.getLatLng();'
                              'done([n === m, ll.lat, ll.lng]); }, 1500)).catch(e => done(String(e)));')
        check(isinstance(moved, list) and moved[0] and abs(moved[1] - 38.3101) < 1e-6 and abs(moved[2] - 116.8601) < 1e-6,
              f'a position posted reaches the screen over the live feed and moves the marker in place ({moved})')
        # The canal flood: the slider floods from the incident.
        flood_id = wall.js('const f = window.onemap.emergency.incidents.find(x => x.properties.subtype === "洪涝灾害"); return f ? f.id : null')
        check(flood_id is not None, 'the demo has a flood on the canal')
        wall.js('const s = document.getElementById("em-incident"); s.value = arguments[0]; s.dispatchEvent(new Event("change"))', flood_id)
        wall.wait('return /淹没 [0-9.]+ 平方千米/.test(document.getElementById("em-flood-result").innerText)', 'the flood extent for the slider level', 120)
        check(True, 'the flood extent for the level on the slider: ' + wall.js('return document.getElementById("em-flood-result").innerText'))
        wall.settle()
        wall.screenshot(os.path.join(ARTIFACTS, 'emergency-screen.png'))
    finally:
        wall.quit()
    # The 数字城管 big screen: signed in on the wall, the figures, the street table and the charts.
    wall = WebDriver(1920, 1080)
    try:
        wall.go(url + '/?screen=cases')
        wall.wait('return window.onemap && window.onemap.ready && !document.getElementById("signin").hidden', 'the sign-in form on the case screen')
        check('请登录' in wall.js('return document.getElementById("cs-message").innerText'), 'the case screen asks to sign in first')
        sign_in(wall, 'lead.ma', DEMO_PASSWORD)
        wall.wait('return document.querySelector(\'#cs-kpis [data-kpi="monthReported"]\').dataset.value > 0', 'the month\'s figures')
        kpis = wall.js('return Object.fromEntries([...document.querySelectorAll("#cs-kpis .kpi")].map(k => [k.dataset.kpi, Number(k.dataset.value)]))')
        rules = json_get(wall, url + '/cases/rules')
        check('states' in rules, f'the case rules as the signed-in wall sees them ({str(rules)[:200]})')
        expected = json_get(wall, url + '/cases?overdue=true&limit=1&state=' + ','.join(s['id'] for s in rules['states'] if s['open']))
        check(kpis['overdue'] == expected['numberMatched'] and kpis['open'] >= kpis['overdue'],
              f'the big screen\'s figures are the server\'s ({kpis})')
        wall.wait('return document.querySelectorAll("#cs-streets tbody tr td.rate").length >= 5', 'the street table')
        streets = wall.js('return [...document.querySelectorAll("#cs-streets tbody tr")].map(r => r.innerText.replace(/\\s+/g, " "))')
        check(len(streets) >= 5, f'本月各街道按期结案率 ranks {len(streets)} streets ({streets[0]})')
        wall.wait('return window.onemap.screen.daily && window.onemap.screen.trend', 'the charts')
        inked = wall.js('return ["cs-daily", "cs-trend"].map(id => { const c = document.getElementById(id), d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;'
                        'let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; })')
        check(all(n > 2000 for n in inked), f'both charts are drawn ({inked} inked pixels)')
        wall.settle()
        wall.screenshot(os.path.join(ARTIFACTS, 'case-screen.png'))
    finally:
        wall.quit()
        server.terminate()
        server.wait(timeout=30)
    print('browser tests passed')


if __name__ == '__main__':
    main()
