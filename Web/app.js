// OneMap web map: base maps, thematic overlays by department with opacity and legend, identify,
// search, measurement, planning review, two display CRSs, a shareable URL, a command-screen mode and
// sign-in (what a user sees depends on who they are). Cases (数字城管) are in cases.js, their
// command screen (?screen=cases) in casescreen.js.
'use strict';

const BASES = [
  { id: 'basemap', title: '矢量底图（DLG）' },
  { id: 'imagery', title: '影像底图（DOM）' },
  { id: 'terrain', title: '地形晕渲（DEM）' },
  { id: 'night', title: '夜间底图（指挥大屏）' },
];
const DEPARTMENTS = {
  planning: '规划', land: '自然资源（土地）', environment: '生态环境', grid: '网格化管理',
  components: '城市部件', emergency: '应急管理',
};
const DEPARTMENT_ORDER = ['planning', 'land', 'environment', 'grid', 'components', 'emergency'];
const SCREEN_MODE = new URLSearchParams(location.search).get('screen');
const SCREEN = SCREEN_MODE === '1';
const CASE_SCREEN = SCREEN_MODE === 'cases';
// Role names as users know them; a department's users hold dept.<code>.
const ROLE_NAMES = { shiftleader: '值班长', supervisor: '监督员', acceptor: '受理员', dispatcher: '派遣员', editor: '编辑', analyst: '分析员', admin: '管理员', viewer: '查看' };

const app = {
  map: null,
  crs: '3857',
  base: 'basemap',
  baseLayer: null,
  overlays: [],          // {id, title, group, map, layer (Leaflet), on, opacity}
  styles: {},            // map id -> style.json
  queryables: {},        // layer id -> queryables
  legends: {},           // "map/layer" -> the server's legend of that overlay
  measure: null,         // {mode, points, shape}
  highlight: null,
  maps: [],
  session: { signedIn: false, user: null, roles: [], layers: [] },   // from /auth/me
  searchResults: [],     // the list under the search box
  searchIndex: -1,       // the one marked by the arrow keys
  searchGeneration: 0,   // only the latest search draws
  tileStamps: {},        // map id -> time its tiles were last refreshed (busts the browser cache)
  pendingLayers: {},     // layers asked for (URL, defaults) that the current user may not see yet
};
window.onemap = app;

function $(id) { return document.getElementById(id); }
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v; else if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

// ---- requests: every call to the server goes through apiResponse. The session cookie goes along;
// writes carry the session's X-CSRF-Token (the server refuses writes on the cookie without it).
// Failures throw an APIError with the server's words: {code, description}, or RFC 7807
// {title, detail} from the OGC process endpoints; status 0 when the server was not reached.

class APIError extends Error {
  constructor(status, message, problem = null, retryAfter = null) {
    super(message);
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }
}

// body: an object (sent as JSON), or a Blob/File sent as is with `type` as its Content-Type.
async function apiResponse(url, { method = 'GET', body, type } = {}) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET' && method !== 'HEAD' && app.session.csrf) headers['X-CSRF-Token'] = app.session.csrf;
  let payload = body;
  if (body instanceof Blob) headers['Content-Type'] = type || body.type || 'application/octet-stream';
  else if (body !== undefined) { payload = JSON.stringify(body); headers['Content-Type'] = 'application/json'; }
  let r;
  try {
    r = await fetch(url, { method, headers, body: payload, credentials: 'same-origin' });
  } catch (e) { throw new APIError(0, `无法连接服务器：${e.message}`); }
  if (r.ok) return r;
  let problem = null;
  try { problem = await r.json(); } catch (e) { /* not JSON */ }
  const message = (problem && (problem.description || problem.detail || problem.title)) || `HTTP ${r.status}`;
  throw new APIError(r.status, message, problem, Number(r.headers.get('Retry-After')) || null);
}

async function api(url, options) {
  const r = await apiResponse(url, options);
  return r.status === 204 ? null : r.json();
}
function getJSON(url) { return api(url); }

// ---- URL state: #map=z/lat/lon&base=…&crs=…&layers=id:opacity,…

function readHash() {
  const h = new URLSearchParams(location.hash.slice(1));
  const state = {};
  const view = (h.get('map') || '').split('/').map(Number);
  if (view.length === 3 && view.every(Number.isFinite)) state.view = { zoom: view[0], lat: view[1], lon: view[2] };
  if (h.get('base')) state.base = h.get('base');
  if (h.get('crs') === '4490' || h.get('crs') === '3857') state.crs = h.get('crs');
  if (h.has('layers')) {
    state.layers = {};
    for (const part of h.get('layers').split(',').filter(Boolean)) {
      const [id, op] = part.split(':');
      state.layers[id] = op === undefined ? 1 : Math.max(0, Math.min(1, Number(op)));
    }
  }
  return state;
}

function writeHash() {
  if (!app.map) return;
  const c = app.map.getCenter(), z = app.map.getZoom();
  const on = app.overlays.filter(o => o.on).map(o => [o.id, o.opacity]).concat(Object.entries(app.pendingLayers));
  const layers = on.map(([id, opacity]) => opacity === 1 ? id : `${id}:${opacity}`);
  const h = `map=${z}/${c.lat.toFixed(5)}/${c.lng.toFixed(5)}&base=${app.base}&crs=${app.crs}&layers=${layers.join(',')}`;
  history.replaceState(null, '', `${location.pathname}${location.search}#${h}`);
}

// ---- tiles

// The user (v=) and the last refresh (t=) are in the URL: the browser keeps tiles a minute, and
// one user's tiles (internal layers drawn) must not be shown to the next, nor stale cases.
function tileURL(mapID, layers) {
  const tms = app.crs === '4490' ? 'CGCS2000Quad' : 'WebMercatorQuad';
  const query = [];
  if (layers) query.push(`layers=${layers.join(',')}`);
  if (app.session.user) query.push(`v=${encodeURIComponent(app.session.user)}`);
  if (app.tileStamps[mapID]) query.push(`t=${app.tileStamps[mapID]}`);
  return `/tiles/${mapID}/${tms}/{z}/{x}/{y}${SCREEN ? '@2x' : '{r}'}.png${query.length ? '?' + query.join('&') : ''}`;
}

// Redraws the tiles of the given maps (all when none given), e.g. after a case changed.
function refreshTiles(mapIDs) {
  const now = Date.now();
  for (const id of mapIDs || app.maps.map(m => m.id)) app.tileStamps[id] = now;
  for (const o of app.overlays) if (o.layer && (!mapIDs || mapIDs.includes(o.map))) o.layer.setUrl(tileURL(o.map, [o.id]));
  if (app.baseLayer && (!mapIDs || mapIDs.includes(app.base))) app.baseLayer.setUrl(tileURL(app.base));
}

function tileOptions(extra = {}) {
  // Leaflet's EPSG:4326 zoom 0 is TianDiTu level 1 (2 × 1 tiles of 180°).
  const options = Object.assign(app.crs === '4490' ? { zoomOffset: 1, maxZoom: 19, maxNativeZoom: 19 } : { maxZoom: 20, maxNativeZoom: 20 },
    { detectRetina: false, crossOrigin: true }, extra);
  // The command screen: @2x tiles shown at 512 pixels a level up, so the map keeps its scale and
  // symbols and type are twice the size, readable across the room.
  if (SCREEN) Object.assign(options, { tileSize: 512, zoomOffset: (options.zoomOffset || 0) - 1, minZoom: 1 });
  return options;
}

// The command screen's overlays as one tile (GET /overlays): their labels are placed together
// instead of overprinting each other from separate tiles.
function drawScreenOverlays() {
  if (!app.map) return;
  const ids = app.overlays.filter(o => o.on).map(o => o.id);
  if (!ids.length) {
    if (app.screenOverlays) { app.screenOverlays.remove(); app.screenOverlays = null; }
    return;
  }
  const tms = app.crs === '4490' ? 'CGCS2000Quad' : 'WebMercatorQuad';
  const query = [`layers=${ids.join(',')}`];
  if (app.session.user) query.push(`v=${encodeURIComponent(app.session.user)}`);
  if (app.screenStamp) query.push(`t=${app.screenStamp}`);
  const url = `/overlays/${tms}/{z}/{x}/{y}@2x.png?${query.join('&')}`;
  if (app.screenOverlays) app.screenOverlays.setUrl(url);
  else app.screenOverlays = L.tileLayer(url, tileOptions({ pane: 'overlayPane' })).addTo(app.map);
}

function setBase(id) {
  app.base = id;
  if (app.baseLayer) app.baseLayer.remove();
  const style = app.maps.find(m => m.id === id);
  app.baseLayer = L.tileLayer(tileURL(id), tileOptions({ pane: 'basePane', attribution: style && style.attribution || '' })).addTo(app.map);
  for (const input of document.querySelectorAll('input[name=base]')) input.checked = input.value === id;
  writeHash();
}

function setOverlay(o, on) {
  o.on = on;
  if (SCREEN) {
    drawScreenOverlays();
  } else if (on && !o.layer) {
    o.layer = L.tileLayer(tileURL(o.map, [o.id]), tileOptions({ opacity: o.opacity, pane: 'overlayPane' }));
    o.layer.addTo(app.map);
  } else if (!on && o.layer) {
    o.layer.remove();
    o.layer = null;
  }
  const box = document.querySelector(`input[data-overlay="${o.id}"]`);
  if (box) box.checked = on;
  renderLegend();
  writeHash();
}

function setOpacity(o, value) {
  o.opacity = value;
  if (o.layer) o.layer.setOpacity(value);
  writeHash();
}

// ---- the map (rebuilt when the display CRS changes: Leaflet fixes a map's CRS at creation)

function buildMap(view) {
  if (app.map) { app.map.remove(); app.baseLayer = null; for (const o of app.overlays) o.layer = null; app.screenOverlays = null; }
  const crs = app.crs === '4490' ? L.CRS.EPSG4326 : L.CRS.EPSG3857;
  app.map = L.map('map', { crs, zoomControl: false, doubleClickZoom: false, attributionControl: true });
  L.control.zoom({ position: SCREEN ? 'topright' : 'topleft', zoomInTitle: '放大', zoomOutTitle: '缩小' }).addTo(app.map);
  app.map.createPane('basePane').classList.add('base-pane');
  app.map.getPane('basePane').style.zIndex = 150;
  L.control.scale({ imperial: false, metric: true, maxWidth: 160 }).addTo(app.map);
  app.map.setView([view.lat, view.lon], view.zoom);
  setBase(app.base);
  for (const o of app.overlays) if (o.on) setOverlay(o, true);
  app.map.on('moveend', writeHash);
  app.map.on('mousemove', e => showCursor(e.latlng));
  app.map.on('click', onClick);
  app.map.on('dblclick', () => { if (app.review.mode === 'draw') finishDrawing(); else finishMeasure(); });
  attachReview();
  attachCases();
  for (const input of document.querySelectorAll('input[name=crs]')) input.checked = input.value === app.crs;
}

function switchCRS(value) {
  if (value === app.crs) return;
  const c = app.map.getCenter(), z = app.map.getZoom();
  // Geographic zoom z shows about what Web Mercator z+1 shows at mid latitudes.
  const zoom = value === '4490' ? Math.max(1, z - 1) : z + 1;
  app.crs = value;
  buildMap({ lat: c.lat, lon: c.lng, zoom });
  writeHash();
}

function showCursor(ll) {
  const gk = Geodesy.gaussKruger(ll.lng, ll.lat);
  const fmt = n => n.toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  $('cursor').textContent = `CGCS2000 经度 ${ll.lng.toFixed(6)}° 纬度 ${ll.lat.toFixed(6)}°　|　高斯-克吕格 3° 带第 ${gk.zone} 带（中央经线 ${gk.centralMeridian}°E）X ${fmt(gk.x)} m　Y ${fmt(gk.y)} m`;
}

// ---- identify

async function onClick(e) {
  if (app.cases.picking) { casePickClick(e.latlng); return; }
  if (app.review.mode) { reviewClick(e.latlng); return; }
  if (app.measure) { addMeasurePoint(e.latlng); return; }
  const zoom = app.crs === '4490' ? app.map.getZoom() + 1 : app.map.getZoom();
  const at = `lon=${e.latlng.lng}&lat=${e.latlng.lat}&zoom=${zoom}`;
  const requests = [];
  // Overlays first (top-most first), grouped by the map that draws them, then the base map.
  const byMap = new Map();
  for (const o of [...app.overlays].reverse()) if (o.on) byMap.set(o.map, [...(byMap.get(o.map) || []), o.id]);
  for (const [mapID, ids] of byMap) requests.push(getJSON(`/maps/${mapID}/identify?${at}&layers=${ids.join(',')}`));
  requests.push(getJSON(`/maps/${app.base}/identify?${at}&geometry=false`));
  const popup = L.popup({ maxWidth: 420 }).setLatLng(e.latlng).setContent('<div class="identify">查询中…</div>').openOn(app.map);
  const answers = await Promise.allSettled(requests);
  // The clicked thing first: points, then lines, then the polygons under them (each server answer
  // is in that order already; across the maps it is kept here), overlays before the base map.
  // A layer drawn by both an overlay and the base map is listed once (from the overlay, first asked).
  const seen = new Set(), found = [];
  answers.forEach((r, i) => {
    if (r.status !== 'fulfilled') return;
    for (const f of r.value.features) {
      const key = `${f.layer.id}/${f.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      found.push([geometryRank(f.geometry || (f.geometryType && { type: f.geometryType })), found.length, f]);
    }
  });
  const features = found.sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(x => x[2]);
  if (app.highlight) { app.highlight.remove(); app.highlight = null; }
  const first = features[0];
  if (first && first.geometry) {
    app.highlight = L.geoJSON(first.geometry, {
      style: { color: '#ff3d00', weight: 3, fillOpacity: 0.1 }, interactive: false,
      pointToLayer: (_, ll) => L.circleMarker(ll, { radius: 10, color: '#ff3d00', weight: 3, fillOpacity: 0.15 }),
    }).addTo(app.map);
  }
  popup.setContent(identifyHTML(features.slice(0, 8)));
}

function geometryRank(g) {
  if (!g) return 3;
  return /Point/.test(g.type) ? 0 : /LineString/.test(g.type) ? 1 : 2;
}

// Square metres of a (multi)polygon: outer rings less holes, on the ellipsoid (geodesy.js).
function polygonArea(g) {
  const polygons = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
  let total = 0;
  for (const rings of polygons) rings.forEach((ring, i) => { total += (i === 0 ? 1 : -1) * Geodesy.area(ring.slice(0, -1)); });
  return total;
}

function areaWords(m2) {
  return `${fmtNumber(m2, m2 < 100 ? 1 : 0)} 平方米（${fmtNumber(m2 / 10000, 4)} 公顷，${fmtNumber(m2 / 666.6667, 2)} 亩）`;
}
function lengthWords(m) { return m >= 1000 ? `${fmtNumber(m / 1000, 3)} 千米` : `${fmtNumber(m, 1)} 米`; }

function identifyHTML(features) {
  const box = el('div', { class: 'identify' });
  if (!features.length) { box.append(el('p', { class: 'empty' }, '此处没有要素')); return box; }
  // The top feature open, the others one line each (opened on a click), so the popup stays small.
  features.forEach((f, i) => {
    const table = el('table');
    for (const d of f.display) {
      if (d.value === null || d.value === '') continue;
      const value = d.label ? `${d.value}（${d.label}）` : String(d.value);
      table.append(el('tr', {}, el('th', {}, d.title), el('td', {}, value)));
    }
    if (f.geometry && /Polygon/.test(f.geometry.type)) table.append(el('tr', { class: 'area' }, el('th', {}, '面积'), el('td', {}, areaWords(polygonArea(f.geometry)))));
    if (f.geometry && /LineString/.test(f.geometry.type)) {
      const lines = f.geometry.type === 'LineString' ? [f.geometry.coordinates] : f.geometry.coordinates;
      table.append(el('tr', { class: 'length' }, el('th', {}, '长度'), el('td', {}, lengthWords(lines.reduce((n, l) => n + Geodesy.length(l), 0)))));
    }
    const name = (f.display.find(d => d.value !== null && d.value !== '') || {}).value;
    const summary = el('summary', {}, el('b', {}, f.layer.title), name !== undefined ? el('span', { class: 'name' }, String(name)) : '');
    const details = el('details', { 'data-layer': f.layer.id }, summary, table);
    if (i === 0) details.open = true;
    // Opened by the user: that feature is highlighted instead (not when opened here at first).
    summary.addEventListener('click', () => { details.dataset.touched = 'yes'; });
    details.addEventListener('toggle', () => { if (details.open && details.dataset.touched) highlightFeature(f); });
    box.append(details);
  });
  return box;
}

function highlightFeature(f) {
  if (app.highlight) { app.highlight.remove(); app.highlight = null; }
  if (!f.geometry) return;
  app.highlight = L.geoJSON(f.geometry, {
    style: { color: '#ff3d00', weight: 3, fillOpacity: 0.1 }, interactive: false,
    pointToLayer: (_, ll) => L.circleMarker(ll, { radius: 10, color: '#ff3d00', weight: 3, fillOpacity: 0.15 }),
  }).addTo(app.map);
}

// ---- search

let searchTimer = null;
function onSearchInput() {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(runSearch, 250);
}

// The list under the box: one line per thing (a road once, with its district), the place in words;
// arrow keys move in it, Enter (or a click) goes to the chosen one, or to the best when none is.
async function runSearch() {
  const q = $('search-input').value.trim();
  const list = $('search-results');
  const generation = ++app.searchGeneration;
  if (!q) { list.replaceChildren(); app.searchResults = []; return []; }
  let result;
  try { result = await getJSON(`/search?q=${encodeURIComponent(q)}&limit=15`); } catch (e) { result = { results: [] }; }
  if (generation !== app.searchGeneration) return app.searchResults;
  list.replaceChildren();
  app.searchResults = result.results;
  app.searchIndex = -1;
  if (!result.results.length) list.append(el('li', { class: 'none' }, '未找到'));
  result.results.forEach((r, i) => {
    const pieces = r.ids.length > 1 ? `${r.ids.length} ${/LineString/.test(r.layer.geometryType || '') ? '段' : '处'}` : null;
    const where = [r.layer.title, r.place, pieces, r.fieldTitle].filter(Boolean).join(' · ');
    list.append(el('li', { 'data-index': String(i), onclick: () => goTo(r), onmouseenter: () => markSearchResult(i) }, r.value, el('div', { class: 'where' }, where)));
  });
  return result.results;
}

function markSearchResult(i) {
  app.searchIndex = i;
  for (const li of document.querySelectorAll('#search-results li')) li.classList.toggle('active', Number(li.dataset.index) === i);
  const li = document.querySelector(`#search-results li[data-index="${i}"]`);
  if (li) li.scrollIntoView({ block: 'nearest' });
}

async function onSearchKey(e) {
  const n = (app.searchResults || []).length;
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    e.preventDefault();
    if (!n) return;
    markSearchResult(((app.searchIndex ?? -1) + (e.key === 'ArrowDown' ? 1 : n - 1) + (app.searchIndex < 0 && e.key === 'ArrowUp' ? 1 : 0)) % n);
  } else if (e.key === 'Escape') {
    $('search-results').replaceChildren();
  } else if (e.key === 'Enter') {
    e.preventDefault();
    clearTimeout(searchTimer);
    const chosen = app.searchIndex >= 0 ? app.searchResults[app.searchIndex] : null;
    const results = chosen ? [chosen] : await runSearch();
    if (results.length) goTo(results[0]);
  }
}

// Lands on a result: its layer on, the map on it, its geometry highlighted, its attributes open.
async function goTo(r) {
  $('search-results').replaceChildren();
  const overlay = app.overlays.find(o => o.id === r.layer.id);
  if (overlay && !overlay.on) setOverlay(overlay, true);
  const [w, s, e, n] = r.bbox;
  const maxZoom = app.crs === '4490' ? 16 : 17;
  if (e - w < 1e-4 && n - s < 1e-4) app.map.setView([r.center[1], r.center[0]], Math.max(app.map.getZoom(), maxZoom));
  else app.map.fitBounds([[s, w], [n, e]], { maxZoom, padding: [30, 30] });
  const generation = ++app.searchGeneration;
  const [features, q] = await Promise.all([
    Promise.all(r.ids.slice(0, 30).map(id => getJSON(`/ogc/collections/${r.layer.id}/items/${id}`).catch(() => null))),
    (app.queryables[r.layer.id] ??= getJSON(`/ogc/collections/${r.layer.id}/queryables`).catch(() => ({}))),
  ]);
  if (generation !== app.searchGeneration) return;
  const found = features.filter(Boolean);
  if (app.highlight) { app.highlight.remove(); app.highlight = null; }
  if (found.length) {
    app.highlight = L.geoJSON({ type: 'FeatureCollection', features: found }, {
      style: { color: '#ff3d00', weight: 4, fillOpacity: 0.12 }, interactive: false, className: 'search-highlight',
      pointToLayer: (_, ll) => L.circleMarker(ll, { radius: 10, color: '#ff3d00', weight: 3, fillOpacity: 0.15, className: 'search-highlight' }),
    }).addTo(app.map);
  }
  const first = found[0];
  const display = first ? Object.entries(first.properties || {}).map(([name, value]) => {
    const p = (q.properties || {})[name] || {};
    const label = (p.oneOf || []).find(c => c.const === value);
    return { title: p.title || name, value, label: label ? label.title : null };
  }) : [];
  const box = identifyHTML([{ layer: r.layer, display, geometry: first ? first.geometry : null }]);
  if (r.place) box.prepend(el('p', { class: 'place' }, r.place));
  L.popup({ maxWidth: 420 }).setLatLng([r.center[1], r.center[0]]).setContent(box).openOn(app.map);
}

function escapeHTML(s) { return String(s).replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c])); }

// ---- print: the current view, base map and overlays on a page (GET /maps/{base}/print)

function printURL(format) {
  const b = app.map.getBounds();
  const [width, height] = $('print-page').value.split('x');
  const q = new URLSearchParams({ bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(v => v.toFixed(6)).join(','),
    width, height, format, dpi: format === 'png' ? '150' : '200' });
  const title = $('print-title').value.trim();
  if (title) q.set('title', title);
  const layers = app.overlays.filter(o => o.on).map(o => o.id);
  if (layers.length) q.set('layers', layers.join(','));
  return `/maps/${app.base}/print?${q}`;
}

// ---- measurement

function startMeasure(mode) {
  stopReviewMode();
  stopCasePicking();
  clearMeasure();
  app.measure = { mode, points: [], shape: null };
  $('measure-distance').classList.toggle('active', mode === 'distance');
  $('measure-area').classList.toggle('active', mode === 'area');
  $('measure-profile').classList.toggle('active', mode === 'profile');
  $('measure-result').textContent = mode === 'area' ? '单击地图加顶点，双击结束' : '单击地图加点，双击结束';
  app.map.getContainer().style.cursor = 'crosshair';
}

function addMeasurePoint(ll) {
  const m = app.measure;
  m.points.push([ll.lng, ll.lat]);
  if (m.shape) m.shape.remove();
  const latlngs = m.points.map(p => [p[1], p[0]]);
  // Not interactive: the double-click that ends the measurement must reach the map.
  m.shape = (m.mode === 'area' && latlngs.length > 2 ? L.polygon(latlngs, { interactive: false }) : L.polyline(latlngs, { interactive: false })).addTo(app.map);
  $('measure-result').textContent = measureText(m);
  // The figure on the map, at the shape: the last point of a path, the middle of an area.
  const at = m.mode === 'area' && latlngs.length > 2 ? m.shape.getBounds().getCenter() : latlngs[latlngs.length - 1];
  m.shape.bindTooltip(measureText(m), { permanent: true, direction: m.mode === 'area' ? 'center' : 'right', offset: m.mode === 'area' ? [0, 0] : [10, 0], className: 'measure-label' })
    .openTooltip(at);
}

function measureText(m) {
  if (m.mode !== 'area') return `距离 ${lengthWords(Geodesy.length(m.points))}`;
  return `面积 ${areaWords(Geodesy.area(m.points))}`;
}

function finishMeasure() {
  if (!app.measure) return;
  app.measure.done = true;
  app.map.getContainer().style.cursor = '';
  $('measure-distance').classList.remove('active');
  $('measure-area').classList.remove('active');
  $('measure-profile').classList.remove('active');
  if (app.measure.mode === 'profile' && app.measure.points.length >= 2) showProfile(app.measure.points);
  app.lastMeasure = app.measure;
  app.measure = null;
}

function clearMeasure() {
  for (const m of [app.measure, app.lastMeasure]) if (m && m.shape) m.shape.remove();
  app.measure = null;
  app.lastMeasure = null;
  $('measure-result').textContent = '单击地图加点，双击结束';
  $('profile-box').hidden = true;
}

// ---- legend, from the styles

function colourOf(paint, key) {
  const v = paint && paint[key];
  if (typeof v === 'string') return [{ colour: v }];
  if (Array.isArray(v) && v[0] === 'match') {
    const out = [];
    for (let i = 2; i + 1 < v.length; i += 2) for (const value of [].concat(v[i])) out.push({ value: String(value), colour: v[i + 1] });
    return out;
  }
  if (Array.isArray(v) && (v[0] === 'interpolate' || v[0] === 'step')) {
    const stops = v.filter(x => typeof x === 'string' && x.startsWith('#'));
    return stops.length ? [{ colour: stops[stops.length - 1] }] : [];
  }
  return [];
}

let legendGeneration = 0;

// The legend floats on the map: the server's legend of each visible overlay (the same one WMS
// GetLegendGraphic and printed maps draw: classes by filter and value, rings, icons), cases by
// state in words (cases.js).
async function renderLegend() {
  const box = $('legend');
  const on = app.overlays.filter(o => o.on);
  // Only the latest call draws: an earlier one still waiting must not bring back a legend.
  const generation = ++legendGeneration;
  $('legend-box').hidden = !on.length;
  if (!on.length) { box.replaceChildren(); return; }
  const parts = [];
  for (const o of [...on].reverse()) {
    let sections;
    if (o.id === 'cases') {
      const style = await (app.styles[o.map] ??= getJSON(`/maps/${o.map}/style.json`).catch(() => ({ layers: [] })));
      sections = [{ title: o.title, entries: caseLegendItems(style).map(i => ({ label: i.label, symbol: { type: i.kind, color: i.colour } })) }];
    } else {
      // The requests, not their results, are kept: calls made together share one request.
      const key = `${o.map}/${o.id}`;
      const legend = await (app.legends[key] ??= getJSON(`/maps/${o.map}/legend?layers=${o.id}`).catch(() => ({ sections: [] })));
      sections = legend.sections;
    }
    if (generation !== legendGeneration) return;
    for (const section of sections) {
      const block = el('div', { class: 'legend-layer', 'data-layer': o.id }, el('div', { class: 'legend-title' }, section.title));
      for (const entry of section.entries.slice(0, 30)) block.append(el('div', { class: 'item' }, legendSwatch(entry.symbol), entry.label));
      parts.push(block);
    }
  }
  box.replaceChildren(...parts);
}

function legendSwatch(symbol) {
  if (symbol.type === 'icon') return el('img', { class: 'swatch icon', src: symbol.icon, alt: '' });
  const swatch = el('span', { class: `swatch ${symbol.type}` });
  if (symbol.type === 'line') {
    swatch.style.borderTopColor = symbol.color;
    swatch.style.borderTopWidth = `${Math.max(2, Math.min(5, symbol.width || 3))}px`;
    if (symbol.dashed) swatch.style.borderTopStyle = 'dashed';
    if (symbol.casing) swatch.style.boxShadow = `0 -1px 0 1px ${symbol.casing}`;
  } else if (symbol.type === 'ring') {
    swatch.style.borderColor = symbol.color;
  } else {
    swatch.style.background = symbol.color;
    if (symbol.stroke) swatch.style.borderColor = symbol.stroke;
  }
  return swatch;
}

// ---- panel

function buildPanel(initialLayers) {
  const bases = $('bases');
  for (const b of BASES.filter(b => app.maps.some(m => m.id === b.id))) {
    bases.append(el('label', {}, el('input', { type: 'radio', name: 'base', value: b.id, onchange: () => setBase(b.id) }), ' ' + b.title));
  }
  for (const input of document.querySelectorAll('input[name=crs]')) input.addEventListener('change', () => switchCRS(input.value));
  app.pendingLayers = Object.assign({}, initialLayers || {});
  buildOverlays();
  $('search-input').addEventListener('input', onSearchInput);
  $('search-input').addEventListener('keydown', onSearchKey);
  $('measure-distance').addEventListener('click', () => startMeasure('distance'));
  $('measure-profile').addEventListener('click', () => startMeasure('profile'));
  $('measure-area').addEventListener('click', () => startMeasure('area'));
  $('measure-clear').addEventListener('click', clearMeasure);
  buildReviewPanel();
  buildAccount();
  for (const format of ['pdf', 'png']) $(`print-${format}`).addEventListener('click', e => { e.currentTarget.href = printURL(format); });
  $('legend-toggle').addEventListener('click', () => {
    const collapsed = $('legend-box').classList.toggle('collapsed');
    $('legend-toggle').textContent = collapsed ? '+' : '−';
  });
  buildCasesPanel();
}

// The overlay list from app.maps: each thematic layer once, from the first map that draws it,
// grouped by department. Rebuilt when the user changes: layers come and go with their rights;
// those still there keep their state, those gone wait in app.pendingLayers for a later sign-in.
function buildOverlays() {
  const before = new Map(app.overlays.map(o => [o.id, o]));
  for (const o of app.overlays) if (o.layer) { o.layer.remove(); o.layer = null; }
  app.overlays = [];
  const seen = new Set();
  for (const m of app.maps) {
    if (BASES.some(b => b.id === m.id) || !m.layers) continue;
    for (const l of m.layers) {
      if (l.group === 'base' || seen.has(l.id) || !DEPARTMENTS[l.group]) continue;
      seen.add(l.id);
      const old = before.get(l.id), pending = app.pendingLayers[l.id];
      const on = pending !== undefined || (old ? old.on : false);
      const opacity = pending !== undefined ? pending : old ? old.opacity : 0.85;
      delete app.pendingLayers[l.id];
      app.overlays.push({ id: l.id, title: l.title, group: l.group, map: m.id, layer: null, on, opacity });
    }
  }
  for (const o of before.values()) if (o.on && !seen.has(o.id)) app.pendingLayers[o.id] = o.opacity;
  const tree = $('overlays');
  tree.replaceChildren();
  for (const group of DEPARTMENT_ORDER) {
    const members = app.overlays.filter(o => o.group === group);
    if (!members.length) continue;
    const node = el('div', { class: 'group' }, el('div', { class: 'group-title' }, DEPARTMENTS[group]));
    for (const o of members) {
      const box = el('input', { type: 'checkbox', 'data-overlay': o.id, onchange: e => setOverlay(o, e.target.checked) });
      box.checked = o.on;
      const slider = el('input', { type: 'range', min: '0', max: '1', step: '0.05', value: String(o.opacity), title: '不透明度',
        'data-opacity': o.id, oninput: e => setOpacity(o, Number(e.target.value)) });
      node.append(el('div', { class: 'overlay' }, el('label', {}, box, ' ' + o.title), slider));
    }
    tree.append(node);
  }
  if (app.map) for (const o of app.overlays) if (o.on) setOverlay(o, true);
}

// ---- planning review (规划审查): the site (红线) drawn on the map, picked from the planning parcels
// or pasted as GeoJSON; the site-review process; its verdict, areas and rules, the part of the site
// at fault in each failed rule highlighted on the map; the report as HTML and PDF.

const REVIEW_USES = [
  ['07', '居住用地', [['0701', '城镇住宅用地'], ['0702', '城镇社区服务设施用地'], ['0703', '农村宅基地'], ['0704', '农村社区服务设施用地']]],
  ['08', '公共管理与公共服务用地', [['0801', '机关团体用地'], ['0802', '科研用地'], ['0803', '文化用地'], ['0804', '教育用地'], ['0805', '体育用地'],
    ['0806', '医疗卫生用地'], ['0807', '社会福利用地']]],
  ['09', '商业服务业用地', [['0901', '商业用地'], ['0902', '商务金融用地'], ['0903', '娱乐用地'], ['0904', '其他商业服务业用地']]],
  ['10', '工矿用地', [['1001', '工业用地'], ['1002', '采矿用地']]],
  ['11', '仓储用地', [['1101', '物流仓储用地'], ['1102', '储备库用地']]],
  ['12', '交通运输用地', [['1207', '城镇道路用地'], ['1208', '交通场站用地']]],
  ['13', '公用设施用地', [['1301', '供水用地'], ['1302', '排水用地'], ['1303', '供电用地'], ['1304', '供燃气用地']]],
  ['14', '绿地与开敞空间用地', [['1401', '公园绿地'], ['1402', '防护绿地'], ['1403', '广场用地']]],
  ['15', '特殊用地', []],
  ['16', '留白用地', []],
  ['06', '农业设施建设用地', [['0601', '乡村道路用地'], ['0602', '种植设施建设用地'], ['0603', '畜禽养殖设施建设用地'], ['0604', '水产养殖设施建设用地']]],
  ['01', '耕地', [['0101', '水田'], ['0102', '水浇地'], ['0103', '旱地']]],
  ['02', '园地', []],
  ['03', '林地', []],
  ['04', '草地', []],
  ['17', '陆地水域', []],
];
const REVIEW_STATUS = { compliant: '合规', warning: '提示', violation: '违规' };
const REVIEW_FIT = { compliant: '相符', warning: '有条件相容', violation: '不符' };
const REVIEW_SOURCES = { draw: '绘制红线', pick: '点选地块', paste: '粘贴 GeoJSON' };
const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';
const SITE_STYLE = { color: '#e53935', weight: 2.5, dashArray: '8 5', fillColor: '#e53935', fillOpacity: 0.05 };
// Conflicts: red, translucent, hatched (the hatching, #review-hatch in index.html, shows on any overlay colour).
const CONFLICT_STYLE = { color: '#b00020', weight: 2.5, fillColor: '#f44336', fillOpacity: 0.45 };

app.review = {
  open: false,
  source: null,      // draw | pick | paste: where the site comes from
  mode: null,        // draw | pick while map clicks belong to the review
  points: [],        // vertices being drawn, [lon, lat]
  site: null,        // {geometry, layer?, id?}: the site to review
  result: null,      // the last report
  jobPath: null,     // /ogc/jobs/ID of the last report
  selected: null,    // index of the rule whose conflict is shown alone (null: all conflicts)
  group: null,       // Leaflet layer group for all of the above (rebuilt with the map)
  rubber: null,      // the dashed line from the last vertex to the cursor
  running: false,
};

function fmtNumber(n, digits) { return Number(n).toLocaleString('zh-CN', { minimumFractionDigits: digits, maximumFractionDigits: digits }); }

function buildReviewPanel() {
  const select = $('review-use');
  for (const [code, name, children] of REVIEW_USES) {
    const group = el('optgroup', { label: `${code} ${name}` }, el('option', { value: code }, `${code} ${name}（一级类）`));
    for (const [c, n] of children) group.append(el('option', { value: c }, `${c} ${n}`));
    select.append(group);
  }
  $('review-open').addEventListener('click', () => setReviewOpen(!app.review.open));
  $('review-close').addEventListener('click', () => setReviewOpen(false));
  for (const b of document.querySelectorAll('#review-sources button')) b.addEventListener('click', () => setReviewSource(b.dataset.source));
  $('review-geojson').addEventListener('input', previewPaste);
  $('review-crs').addEventListener('change', previewPaste);
  $('review-run').addEventListener('click', runReview);
  $('review-clear').addEventListener('click', clearReview);
  document.addEventListener('keydown', e => {
    if (app.review.mode !== 'draw' || e.target.closest('input, textarea, select')) return;
    if (e.key === 'Escape') { stopReviewMode(); setSiteText('已取消绘制；重新绘制请单击“绘制红线”'); }
    if (e.key === 'Backspace' && app.review.points.length) { e.preventDefault(); app.review.points.pop(); drawingProgress(); drawReview(); }
    if (e.key === 'Enter') finishDrawing();
  });
}

// Called by buildMap: the review's own pane (above the overlay tiles) and layer group on the new map.
function attachReview() {
  app.map.createPane('reviewPane').style.zIndex = 450;
  app.review.group = L.layerGroup().addTo(app.map);
  app.review.rubber = null;
  app.map.on('mousemove', e => {
    if (app.review.mode !== 'draw' || !app.review.points.length) return;
    const last = app.review.points[app.review.points.length - 1];
    const latlngs = [[last[1], last[0]], e.latlng];
    if (app.review.points.length > 2) latlngs.push([app.review.points[0][1], app.review.points[0][0]]);
    if (app.review.rubber) app.review.rubber.setLatLngs(latlngs);
    else app.review.rubber = L.polyline(latlngs, { pane: 'reviewPane', color: '#e53935', weight: 1.5, dashArray: '4 4', interactive: false }).addTo(app.map);
  });
  drawReview();
}

function setReviewOpen(open) {
  const r = app.review;
  if (open) setCasesOpen(false);
  r.open = open;
  $('review').hidden = !open;
  $('review-open').classList.toggle('active', open);
  if (!open) stopReviewMode();
  else if (!r.source) setReviewSource('draw');
  drawReview();
}

function setReviewSource(source) {
  const r = app.review;
  stopReviewMode();
  r.source = source;
  r.site = null;
  dropResult();
  for (const b of document.querySelectorAll('#review-sources button')) b.classList.toggle('active', b.dataset.source === source);
  $('review-paste').hidden = source !== 'paste';
  hideReviewError();
  if (source === 'draw') startReviewMode('draw');
  else if (source === 'pick') startReviewMode('pick');
  else { setSiteText('粘贴选址范围：Polygon、MultiPolygon 或 Feature（面）'); previewPaste(); }
  drawReview();
}

function startReviewMode(mode) {
  const r = app.review;
  if (app.measure) finishMeasure();
  app.map.closePopup();
  if (app.highlight) { app.highlight.remove(); app.highlight = null; }
  r.mode = mode;
  const box = app.map.getContainer();
  box.classList.toggle('review-drawing', mode === 'draw');
  box.classList.toggle('review-picking', mode === 'pick');
  if (mode === 'draw') setSiteText('单击地图逐点绘制红线，双击或回车结束；退格键撤销上一点，Esc 取消');
  else {
    // The parcels are easier to pick when they are on the map.
    const planning = app.overlays.find(o => o.id === 'planning');
    if (planning && !planning.on) setOverlay(planning, true);
    setSiteText(planning ? '单击地图上的规划地块，以该地块为选址' : '规划用地图层不可用，请改用绘制或粘贴');
  }
}

// Ends drawing or picking (an unfinished drawing is dropped); map clicks identify again.
function stopReviewMode() {
  const r = app.review;
  r.mode = null;
  r.points = [];
  if (r.rubber) { r.rubber.remove(); r.rubber = null; }
  if (app.map) app.map.getContainer().classList.remove('review-drawing', 'review-picking');
  drawReview();
}

// A new site makes the last report stale: its verdict, rules and conflicts go.
function dropResult() {
  const r = app.review;
  r.result = null;
  r.jobPath = null;
  r.selected = null;
  $('review-result').replaceChildren();
}

function setSiteText(text, picked = false) {
  $('review-site').textContent = text;
  $('review-site').classList.toggle('picked', picked);
}

// Map clicks while the review owns them (onClick hands them over; no identify, no measurement).
function reviewClick(ll) {
  if (app.review.mode === 'draw') addReviewVertex(ll);
  else if (app.review.mode === 'pick') pickParcel(ll);
}

function addReviewVertex(ll) {
  const r = app.review;
  // The two clicks of the closing double-click land on one spot: the second adds nothing.
  const last = r.points[r.points.length - 1];
  if (last && app.map.latLngToContainerPoint([last[1], last[0]]).distanceTo(app.map.latLngToContainerPoint(ll)) < 4) return;
  r.points.push([ll.lng, ll.lat]);
  drawingProgress();
  drawReview();
}

function drawingProgress() {
  const n = app.review.points.length;
  const area = n > 2 ? `，面积约 ${fmtNumber(Geodesy.area(app.review.points), 0)} 平方米` : '';
  setSiteText(n ? `已绘制 ${n} 个顶点${area}；双击或回车结束，退格键撤销，Esc 取消` : '单击地图逐点绘制红线，双击结束');
}

function finishDrawing() {
  const r = app.review;
  if (r.points.length < 3) { setSiteText('红线至少需要 3 个顶点，请继续单击加点'); return; }
  const ring = [...r.points, r.points[0]];
  r.site = { geometry: { type: 'Polygon', coordinates: [ring] } };
  dropResult();
  stopReviewMode();
  setSiteText(`红线已绘制：${ring.length - 1} 个顶点，面积约 ${fmtNumber(Geodesy.area(ring.slice(0, -1)), 0)} 平方米（审查以服务器椭球面积为准）`, true);
  drawReview();
}

async function pickParcel(ll) {
  const planning = app.overlays.find(o => o.id === 'planning');
  if (!planning) return;
  const zoom = app.crs === '4490' ? app.map.getZoom() + 1 : app.map.getZoom();
  setSiteText('查询地块中…');
  let f;
  try {
    const result = await getJSON(`/maps/${planning.map}/identify?lon=${ll.lng}&lat=${ll.lat}&zoom=${zoom}&layers=planning`);
    f = result.features.find(x => x.geometry && x.id !== undefined);
  } catch (e) { setSiteText(`地块查询失败：${e.message}`); return; }
  if (app.review.mode !== 'pick') return;
  if (!f) { setSiteText('此处没有规划地块，请在地块内单击'); return; }
  const p = f.properties || {};
  app.review.site = { geometry: f.geometry, layer: 'planning', id: f.id };
  dropResult();
  stopReviewMode();
  const limits = [p.far_max != null && `容积率≤${p.far_max}`, p.density_max != null && `密度≤${p.density_max}%`,
    p.green_min != null && `绿地率≥${p.green_min}%`, p.height_max != null && `限高${p.height_max}米`].filter(Boolean);
  const area = p.area_m2 != null ? `，${fmtNumber(p.area_m2, 2)} 平方米` : '';
  setSiteText(`已选地块 ${p.block_code || f.id}：${p.code || ''} ${p.name || ''}${area}${limits.length ? `；控规 ${limits.join('，')}` : ''}`, true);
  drawReview();
}

// The pasted text as a site: {site, crs} or {error}.
function parsePaste() {
  const text = $('review-geojson').value.trim();
  if (!text) return { error: '请粘贴选址范围的 GeoJSON' };
  let g;
  try { g = JSON.parse(text); } catch (e) { return { error: `GeoJSON 无法解析：${e.message}` }; }
  if (!g || typeof g !== 'object' || typeof g.type !== 'string') return { error: 'GeoJSON 无法解析：缺少 type 成员' };
  if (g.type === 'FeatureCollection') {
    const features = (g.features || []).filter(f => f && f.geometry);
    if (features.length === 1) g = features[0];
    else if (features.length > 1 && features.every(f => ['Polygon', 'MultiPolygon'].includes(f.geometry.type))) {
      g = { type: 'MultiPolygon', coordinates: features.flatMap(f => f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates) };
    } else return { error: `FeatureCollection 中有 ${features.length} 个要素，请粘贴一个面要素` };
  }
  let crs = $('review-crs').value;
  if (crs === 'auto') crs = guessCRS(g);
  return { site: g, crs };
}

// Geographic unless the first coordinate is metres: 3° Gauss-Krüger with the zone number (39…)
// or without it (central meridian 117°E), both CGCS2000; an old-style "crs" member wins.
function guessCRS(g) {
  const named = g.crs && g.crs.properties && String(g.crs.properties.name || '');
  const code = named && named.match(/EPSG:{1,2}(?:[\d.]*:)?(\d+)$/);
  if (code) return code[1] === '4326' || code[1] === '4490' ? CRS84 : `http://www.opengis.net/def/crs/EPSG/0/${code[1]}`;
  let c = (g.geometry || g).coordinates;
  while (Array.isArray(c) && Array.isArray(c[0])) c = c[0];
  if (!Array.isArray(c) || Math.abs(c[0]) <= 180) return CRS84;
  return c[0] > 1e7 ? 'http://www.opengis.net/def/crs/EPSG/0/4527' : 'http://www.opengis.net/def/crs/EPSG/0/4548';
}

let pasteTimer = null;
function previewPaste() {
  clearTimeout(pasteTimer);
  pasteTimer = setTimeout(() => {
    if (app.review.source !== 'paste') return;
    const parsed = parsePaste();
    const g = parsed.site && (parsed.site.geometry || parsed.site);
    app.review.site = null;
    if (g && parsed.crs === CRS84 && ['Polygon', 'MultiPolygon'].includes(g.type)) {
      app.review.site = { geometry: g };
      dropResult();
      setSiteText('已读取红线（地图上红色虚线）', true);
      drawReview();
      fitReview([reviewLayerBounds(g)]);
    } else {
      if (parsed.site) setSiteText(parsed.crs === CRS84 ? `已读取 ${g && g.type || '要素'}，点击“审查”提交` : '投影坐标，审查后在地图上显示', true);
      else setSiteText('粘贴选址范围：Polygon、MultiPolygon 或 Feature（面）');
      drawReview();
    }
  }, 300);
}

// The review's drawing: the site (red dashed, 红线), the vertices being drawn, the conflicts
// (red fill; the selected rule's alone) and the sensitive facilities found near the site.
function drawReview() {
  const r = app.review;
  if (!r.group) return;
  r.group.clearLayers();
  if (!r.open) { if (r.rubber) { r.rubber.remove(); r.rubber = null; } return; }
  const opts = (style, className) => ({ pane: 'reviewPane', interactive: false, className, style,
    pointToLayer: (f, ll) => L.circleMarker(ll, Object.assign({ pane: 'reviewPane', radius: 6, className }, style)) });
  const shown = r.result ? r.result.site.geometry : r.site && r.site.geometry;
  if (shown) r.group.addLayer(L.geoJSON(shown, opts(SITE_STYLE, 'review-site')));
  if (r.points.length) {
    const latlngs = r.points.map(p => [p[1], p[0]]);
    const style = { pane: 'reviewPane', color: '#e53935', weight: 2, fillOpacity: 0.08, interactive: false, className: 'review-drawing' };
    r.group.addLayer(latlngs.length > 2 ? L.polygon(latlngs, style) : L.polyline(latlngs, style));
    for (const ll of latlngs) r.group.addLayer(L.circleMarker(ll, { pane: 'reviewPane', radius: 4, color: '#e53935', weight: 2, fillColor: '#fff', fillOpacity: 1, interactive: false, className: 'review-vertex' }));
  }
  if (!r.result) return;
  r.result.rules.forEach((rule, i) => {
    if (!rule.conflict || (r.selected !== null && r.selected !== i)) return;
    const layer = L.geoJSON(rule.conflict, Object.assign(opts(CONFLICT_STYLE, 'review-conflict'), { interactive: true }));
    layer.bindTooltip(`${rule.rule}：${REVIEW_STATUS[rule.status] || rule.status}`, { sticky: true });
    layer.on('click', () => selectRule(i));
    r.group.addLayer(layer);
  });
  for (const s of r.result.sensitiveFacilities || []) {
    if (!Array.isArray(s.location)) continue;
    r.group.addLayer(L.circleMarker([s.location[1], s.location[0]], { pane: 'reviewPane', radius: 6, color: '#fff', weight: 2, fillColor: '#ef6c00', fillOpacity: 1, className: 'review-facility' })
      .bindTooltip(`${s.name}（${s.rule}）距选址 ${fmtNumber(s.distance, 0)} 米`));
  }
}

function reviewLayerBounds(geometry) {
  const b = L.geoJSON(geometry).getBounds();
  return b.isValid() ? b : null;
}

// Fits the map to the bounds, clear of the review panel on the right.
function fitReview(bounds) {
  const all = bounds.filter(Boolean);
  if (!all.length) return;
  const b = all.reduce((acc, x) => acc.extend(x), L.latLngBounds(all[0].getSouthWest(), all[0].getNorthEast()));
  const panel = $('review').hidden ? 0 : $('review').offsetWidth + 20;
  app.map.fitBounds(b, { paddingTopLeft: [40, 40], paddingBottomRight: [panel + 40, 40], maxZoom: app.crs === '4490' ? 16 : 17 });
}

function showReviewError(message) {
  const box = $('review-error');
  box.textContent = message;
  box.hidden = false;
}
function hideReviewError() { $('review-error').hidden = true; $('review-error').textContent = ''; }

// The request body from the form, or a message saying what is missing.
function reviewInputs() {
  const r = app.review;
  const inputs = {};
  if (r.source === 'paste') {
    const parsed = parsePaste();
    if (parsed.error) return { error: parsed.error };
    inputs.site = parsed.site;
    if (parsed.crs !== CRS84) inputs.crs = parsed.crs;
  } else if (r.mode === 'draw' && r.points.length) {
    return { error: '红线尚未绘制完成：请在最后一个顶点处双击结束' };
  } else if (!r.site) {
    return { error: r.source === 'pick' ? '请先在地图上单击选择一个规划地块' : '请先在地图上绘制红线（单击加点，双击结束）' };
  } else if (r.site.layer) {
    inputs.siteLayer = r.site.layer;
    inputs.siteFeatureId = r.site.id;
  } else inputs.site = r.site.geometry;
  inputs.use = $('review-use').value;
  if (!inputs.use) return { error: '请选择拟用地性质' };
  const indicators = {};
  for (const [key, id, title] of [['far', 'review-far', '容积率'], ['density', 'review-density', '建筑密度'], ['green', 'review-green', '绿地率'], ['height', 'review-height', '建筑限高']]) {
    const input = $(id);
    if (input.value.trim() === '') { if (input.validity.badInput) return { error: `${title}须为数字` }; continue; }
    const v = Number(input.value);
    if (!Number.isFinite(v) || v < 0) return { error: `${title}须为不小于 0 的数字` };
    if ((key === 'density' || key === 'green') && v > 100) return { error: `${title}须在 0–100% 之间` };
    indicators[key] = v;
  }
  if (Object.keys(indicators).length) inputs.indicators = indicators;
  for (const [key, id] of [['project', 'review-project'], ['applicant', 'review-applicant'], ['caseNumber', 'review-case']]) {
    const v = $(id).value.trim();
    if (v) inputs[key] = v;
  }
  return { inputs };
}

async function runReview() {
  const r = app.review;
  if (r.running) return;
  hideReviewError();
  const { inputs, error } = reviewInputs();
  if (error) { showReviewError(error); return; }
  r.running = true;
  const button = $('review-run');
  button.disabled = true;
  button.textContent = '审查中…';
  try {
    let response;
    try {
      response = await apiResponse('/ogc/processes/site-review/execution', { method: 'POST', body: { inputs } });
    } catch (e) { showReviewError(e.status === 0 ? e.message : `审查未能进行：${e.message}`); return; }
    const report = await response.json();
    const monitor = (response.headers.get('Link') || '').match(/<([^>]+)>\s*;\s*rel="?monitor"?/);
    r.jobPath = monitor ? new URL(monitor[1], location.href).pathname : null;
    r.result = report;
    r.selected = null;
    stopReviewMode();
    if (r.source === 'paste') setSiteText(`已读取红线（地图上红色虚线）${report.site.repaired ? '，已自动修复' : ''}`, true);
    renderReviewResult();
    fitReview([reviewLayerBounds(report.site.geometry), ...report.rules.filter(x => x.conflict).map(x => reviewLayerBounds(x.conflict))]);
    $('review-result').scrollIntoView({ block: 'start', behavior: 'smooth' });
  } finally {
    r.running = false;
    button.disabled = false;
    button.textContent = '审查';
  }
}

function areaText(a) { return `${fmtNumber(a.m2, 2)} 平方米（${fmtNumber(a.ha, 4)} 公顷，${fmtNumber(a.mu, 2)} 亩）`; }

function renderReviewResult() {
  const r = app.review, report = r.result;
  const box = $('review-result');
  const counts = { compliant: 0, warning: 0, violation: 0 };
  for (const rule of report.rules) counts[rule.status] = (counts[rule.status] || 0) + 1;
  const conflicts = report.rules.filter(x => x.conflict).length;
  const verdict = el('div', { class: `verdict ${report.status}`, id: 'review-verdict', 'data-status': report.status },
    el('span', { class: 'word' }, REVIEW_STATUS[report.status] || report.status),
    el('span', { class: 'sub' }, `审查结论 · 共 ${report.rules.length} 项`, el('br'),
      `违规 ${counts.violation} 项，提示 ${counts.warning} 项，合规 ${counts.compliant} 项`));
  const area = report.site.area;
  const facts = el('table', { class: 'facts' });
  const row = (title, ...value) => facts.append(el('tr', {}, el('th', {}, title), el('td', {}, ...value)));
  if (report.project && report.project.name) row('项目名称', report.project.name);
  row('拟用地性质', `${report.proposedUse.code} ${report.proposedUse.name}`);
  row('用地面积', el('span', { class: 'area-main', id: 'review-area' }, `${fmtNumber(area.ellipsoidal.m2, 2)} 平方米`), el('br'),
    `${fmtNumber(area.ellipsoidal.ha, 4)} 公顷 · ${fmtNumber(area.ellipsoidal.mu, 2)} 亩`);
  if (area.plane) row('平面面积', `${fmtNumber(area.plane.m2, 2)} 平方米（${area.plane.crs} 高斯-克吕格）`);
  if (report.site.repaired) row('红线修复', el('span', { class: 'repaired' }, `红线自相交或无效，已自动修复：${report.site.repaired}`));
  for (const level of report.administrative || []) if (level.units && level.units.length) row(level.title, level.units.map(u => u.name).join('、'));

  const list = el('ol', { class: 'rules', id: 'review-rules' });
  report.rules.forEach((rule, i) => {
    const name = el('div', { class: 'name' }, rule.rule);
    if (rule.conflict) name.append(el('span', { class: 'locate' }, '◎ 定位冲突范围'));
    const item = el('li', { class: `rule ${rule.status}${rule.conflict ? ' has-conflict' : ''}`, 'data-index': String(i), title: rule.conflict ? '单击在地图上显示冲突范围' : '' },
      el('span', { class: 'badge' }, REVIEW_STATUS[rule.status] || rule.status),
      el('div', { class: 'body' }, name, el('div', { class: 'message' }, rule.message)));
    if (rule.conflict) item.addEventListener('click', () => selectRule(i));
    list.append(item);
  });
  const showAll = el('button', { type: 'button', id: 'review-show-all', onclick: () => selectRule(null) }, '显示全部冲突');
  showAll.hidden = true;
  const parts = [verdict, facts];
  if (r.jobPath) {
    const name = (report.project && report.project.name) || '选址审查';
    parts.push(el('div', { class: 'report-links' },
      el('a', { id: 'review-report-html', href: `${r.jobPath}/results?f=html`, target: '_blank', rel: 'noopener' }, '打开报告'),
      el('a', { id: 'review-report-pdf', href: `${r.jobPath}/results?f=pdf`, download: `${name}-审查报告.pdf` }, '下载 PDF')));
  }
  parts.push(el('h3', { class: 'rules-head' }, el('span', {}, `逐项审查${conflicts ? `（${conflicts} 项有冲突范围，单击定位）` : ''}`), showAll), list);

  const planned = (report.plannedClasses || []).filter(c => c.share > 0.0005);
  if (planned.length) {
    const table = el('table', { class: 'planned' });
    for (const c of planned) table.append(el('tr', {}, el('td', {}, `${c.code} ${c.name}`), el('td', { class: 'share' }, `${(c.share * 100).toFixed(1)}%`),
      el('td', { class: `fit-${c.fit}` }, REVIEW_FIT[c.fit] || c.fit || '')));
    parts.push(el('h3', {}, '规划用地构成'), table);
  }
  if ((report.layersLeftOut || []).length) {
    parts.push(el('div', { class: 'left-out', id: 'review-left-out' }, '以下图层无权访问，相关审查项未能完成：',
      report.layersLeftOut.map(l => `${l.layer}（${(l.purposes || []).join('、')}）`).join('；')));
  }
  parts.push(el('p', { class: 'hint' }, '地图上红色虚线为选址红线，红色斜线填充为冲突范围，橙点为周边敏感设施。面积以 CGCS2000 椭球面积为准。'));
  box.replaceChildren(...parts);
}

// Shows one rule's conflict alone and zooms to it; null shows them all again.
function selectRule(index) {
  const r = app.review;
  if (!r.result) return;
  r.selected = index === r.selected ? null : index;
  for (const li of document.querySelectorAll('#review-rules .rule')) li.classList.toggle('selected', Number(li.dataset.index) === r.selected);
  $('review-show-all').hidden = r.selected === null;
  drawReview();
  const rules = r.result.rules;
  if (r.selected !== null) fitReview([reviewLayerBounds(rules[r.selected].conflict)]);
  else fitReview([reviewLayerBounds(r.result.site.geometry), ...rules.filter(x => x.conflict).map(x => reviewLayerBounds(x.conflict))]);
}

function clearReview() {
  const r = app.review;
  hideReviewError();
  if (r.source === 'paste') $('review-geojson').value = '';
  setReviewSource(r.source || 'draw');
}

// ---- sign-in: the form in the top bar, the user and their roles, 退出. A reload keeps the session
// (the cookie); start() asks /auth/me. Signing in or out reloads the maps and their layers.

function roleName(role) { return role.startsWith('dept.') ? '处置部门' : ROLE_NAMES[role] || role; }

function buildAccount() {
  $('signin-open').addEventListener('click', () => showSignin(!$('signin').hidden ? false : true));
  $('signin-cancel').addEventListener('click', () => showSignin(false));
  $('signin').addEventListener('submit', signIn);
  $('signout').addEventListener('click', signOut);
  document.addEventListener('keydown', e => { if (e.key === 'Escape' && !$('signin').hidden && !CASE_SCREEN) showSignin(false); });
}

function showSignin(open) {
  $('signin').hidden = !open;
  $('signin-open').classList.toggle('active', open);
  $('signin-error').hidden = true;
  if (open) ($('signin-user').value ? $('signin-password') : $('signin-user')).focus();
}

async function signIn(e) {
  e.preventDefault();
  const user = $('signin-user').value.trim(), password = $('signin-password').value;
  const error = $('signin-error');
  if (!user || !password) { error.textContent = '请输入用户名和密码'; error.hidden = false; return; }
  const button = $('signin-submit');
  button.disabled = true;
  button.textContent = '登录中…';
  try {
    const me = await api('/auth/login', { method: 'POST', body: { user, password } });
    $('signin-password').value = '';
    showSignin(false);
    await applySession(me);
  } catch (err) {
    error.textContent = err.status === 401 ? '用户名或密码错误'
      : err.status === 429 ? `登录失败次数过多，请${err.retryAfter ? ` ${err.retryAfter} 秒后` : '稍后'}再试`
      : err.status === 0 ? err.message : `登录失败：${err.message}`;
    error.hidden = false;
    $('signin-password').select();
  } finally {
    button.disabled = false;
    button.textContent = '登录';
  }
}

async function signOut() {
  try { await api('/auth/logout', { method: 'POST' }); } catch (e) { /* the session ends anyway */ }
  let me = { signedIn: false, user: null, roles: [], layers: [] };
  try { me = await api('/auth/me'); } catch (e) { /* anonymous */ }
  await applySession(me);
}

async function loadSession() {
  try { app.session = await api('/auth/me'); } catch (e) { app.session = { signedIn: false, user: null, roles: [], layers: [] }; }
  renderAccount();
}

function renderAccount() {
  const s = app.session;
  $('signin-open').hidden = !!s.signedIn;
  $('account-user').hidden = !s.signedIn;
  if (!s.signedIn) return;
  $('account-name').textContent = s.user;
  // Highest role first; each department role once.
  const order = Object.keys(ROLE_NAMES);
  const roles = [...s.roles].sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
  const names = [...new Set(roles.map(roleName))];
  $('account-roles').textContent = names.join(' · ');
  $('account-roles').title = roles.map(r => r.startsWith('dept.') ? `${caseDepartmentName(r.slice(5)) || r.slice(5)}` : roleName(r)).join('、');
}

async function applySession(me) {
  app.session = me || { signedIn: false, user: null, roles: [], layers: [] };
  renderAccount();
  if (app.ready) await reloadCatalog();
  await casesSessionChanged();
  if (CASE_SCREEN) caseScreenSessionChanged();
  await emergencySessionChanged();
}

// The maps and layers the new user may see; their tiles again, under the user's name.
async function reloadCatalog() {
  const maps = await getJSON('/maps');
  app.maps = maps.maps.filter(m => m.status === 'ok');
  app.styles = {};
  app.queryables = {};
  app.legends = {};
  buildOverlays();
  setBase(app.maps.some(m => m.id === app.base) ? app.base : (app.maps[0] || { id: app.base }).id);
  renderLegend();
  writeHash();
}

// ---- command-screen mode

function startScreenMode() {
  document.body.classList.add('screen');
  // The city's time (the cases' time zone when known), not the wall computer's.
  const tick = () => { $('clock').textContent = new Date().toLocaleString('zh-CN', { hour12: false, timeZone: (app.cases && app.cases.rules && app.cases.rules.timeZone) || 'Asia/Shanghai' }); };
  tick();
  setInterval(tick, 1000);
  // Overlays refresh every minute (edits show up without reloading the wall).
  setInterval(() => { app.screenStamp = Date.now(); drawScreenOverlays(); }, 60000);
  document.addEventListener('click', () => {
    if (!document.fullscreenElement && document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(() => {});
  }, { once: true });
}

// ---- start

async function start() {
  const state = readHash();
  if (SCREEN || CASE_SCREEN) startScreenMode();
  await loadSession();
  const maps = await getJSON('/maps');
  app.maps = maps.maps.filter(m => m.status === 'ok');
  const basemap = app.maps.find(m => m.id === 'basemap') || app.maps[0];
  // The command screen's base is the dark map drawn for walls.
  const preferred = SCREEN && app.maps.some(m => m.id === 'night') ? 'night' : (basemap ? basemap.id : 'basemap');
  app.base = state.base && app.maps.some(m => m.id === state.base) ? state.base : preferred;
  app.crs = state.crs || '3857';
  const centre = (basemap && basemap.center) || [116.852, 38.307, 13];
  const view = state.view || { lon: centre[0], lat: centre[1], zoom: app.crs === '4490' ? centre[2] - 1 : centre[2] };
  const defaults = CASE_SCREEN ? { cases: 1 } : SCREEN && !state.layers ? { shelters: 1, fire_stations: 1, hospitals: 1, incidents: 1 } : state.layers;
  buildPanel(defaults);
  if (CASE_SCREEN) prepareCaseScreen();
  buildMap(view);
  renderLegend();
  writeHash();
  app.ready = true;
  await casesSessionChanged();
  if (CASE_SCREEN) caseScreenSessionChanged();
  await emergencySessionChanged();
}

// After every script (cases.js, casescreen.js) has run.
document.addEventListener('DOMContentLoaded', () => start().catch(e => { $('cursor').textContent = `加载失败：${e.message}`; }));
