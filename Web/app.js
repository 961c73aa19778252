// OneMap web map: base maps, thematic overlays by department with opacity and legend, identify,
// search, measurement, two display CRSs, a shareable URL and a command-screen mode.
'use strict';

const BASES = [
  { id: 'basemap', title: '矢量底图（DLG）' },
  { id: 'imagery', title: '影像底图（DOM）' },
  { id: 'terrain', title: '地形晕渲（DEM）' },
];
const DEPARTMENTS = {
  planning: '规划', land: '自然资源（土地）', environment: '生态环境', grid: '网格化管理',
  components: '城市部件', emergency: '应急管理',
};
const DEPARTMENT_ORDER = ['planning', 'land', 'environment', 'grid', 'components', 'emergency'];
const SCREEN = new URLSearchParams(location.search).get('screen') === '1';

const app = {
  map: null,
  crs: '3857',
  base: 'basemap',
  baseLayer: null,
  overlays: [],          // {id, title, group, map, layer (Leaflet), on, opacity}
  styles: {},            // map id -> style.json
  queryables: {},        // layer id -> queryables
  measure: null,         // {mode, points, shape}
  highlight: null,
  maps: [],
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
async function getJSON(url) {
  const r = await fetch(url, { headers: { Accept: 'application/json' } });
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return r.json();
}

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
  const layers = app.overlays.filter(o => o.on).map(o => o.opacity === 1 ? o.id : `${o.id}:${o.opacity}`);
  const h = `map=${z}/${c.lat.toFixed(5)}/${c.lng.toFixed(5)}&base=${app.base}&crs=${app.crs}&layers=${layers.join(',')}`;
  history.replaceState(null, '', `${location.pathname}${location.search}#${h}`);
}

// ---- tiles

function tileURL(mapID, layers) {
  const tms = app.crs === '4490' ? 'CGCS2000Quad' : 'WebMercatorQuad';
  const query = layers ? `?layers=${layers.join(',')}` : '';
  return `/tiles/${mapID}/${tms}/{z}/{x}/{y}{r}.png${query}`;
}

function tileOptions(extra = {}) {
  // Leaflet's EPSG:4326 zoom 0 is TianDiTu level 1 (2 × 1 tiles of 180°).
  return Object.assign(app.crs === '4490' ? { zoomOffset: 1, maxZoom: 19, maxNativeZoom: 19 } : { maxZoom: 20, maxNativeZoom: 20 },
    { detectRetina: false, crossOrigin: true }, extra);
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
  if (on && !o.layer) {
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
  if (app.map) { app.map.remove(); app.baseLayer = null; for (const o of app.overlays) o.layer = null; }
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
  app.map.on('dblclick', finishMeasure);
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
  let features = [];
  for (const r of await Promise.allSettled(requests)) if (r.status === 'fulfilled') features = features.concat(r.value.features);
  if (app.highlight) { app.highlight.remove(); app.highlight = null; }
  const first = features.find(f => f.geometry);
  if (first) app.highlight = L.geoJSON(first.geometry, { style: { color: '#ff3d00', weight: 3, fillOpacity: 0.1 }, interactive: false }).addTo(app.map);
  popup.setContent(identifyHTML(features.slice(0, 8)));
}

function identifyHTML(features) {
  const box = el('div', { class: 'identify' });
  if (!features.length) { box.append(el('p', { class: 'empty' }, '此处没有要素')); return box; }
  for (const f of features) {
    box.append(el('h3', {}, `${f.layer.title}`));
    const table = el('table');
    for (const d of f.display) {
      if (d.value === null || d.value === '') continue;
      const value = d.label ? `${d.value}（${d.label}）` : String(d.value);
      table.append(el('tr', {}, el('th', {}, d.title), el('td', {}, value)));
    }
    box.append(table);
  }
  return box;
}

// ---- search

let searchTimer = null;
function onSearchInput() {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(runSearch, 250);
}

async function runSearch() {
  const q = $('search-input').value.trim();
  const list = $('search-results');
  list.replaceChildren();
  if (!q) return [];
  const result = await getJSON(`/search?q=${encodeURIComponent(q)}&limit=15`);
  if (!result.results.length) list.append(el('li', { class: 'none' }, '未找到'));
  for (const r of result.results) {
    list.append(el('li', { onclick: () => goTo(r) }, r.value, el('div', { class: 'where' }, `${r.layer.title} · ${r.fieldTitle}`)));
  }
  return result.results;
}

function goTo(r) {
  $('search-results').replaceChildren();
  const [w, s, e, n] = r.bbox;
  if (e - w < 1e-4 && n - s < 1e-4) app.map.setView([r.center[1], r.center[0]], Math.max(app.map.getZoom(), app.crs === '4490' ? 16 : 17));
  else app.map.fitBounds([[s, w], [n, e]], { maxZoom: app.crs === '4490' ? 16 : 17, padding: [30, 30] });
  L.popup().setLatLng([r.center[1], r.center[0]]).setContent(`<b>${escapeHTML(r.value)}</b><br>${escapeHTML(r.layer.title)}`).openOn(app.map);
}

function escapeHTML(s) { return String(s).replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c])); }

// ---- measurement

function startMeasure(mode) {
  clearMeasure();
  app.measure = { mode, points: [], shape: null };
  $('measure-distance').classList.toggle('active', mode === 'distance');
  $('measure-area').classList.toggle('active', mode === 'area');
  $('measure-result').textContent = mode === 'distance' ? '单击地图加点，双击结束' : '单击地图加顶点，双击结束';
  app.map.getContainer().style.cursor = 'crosshair';
}

function addMeasurePoint(ll) {
  const m = app.measure;
  m.points.push([ll.lng, ll.lat]);
  if (m.shape) m.shape.remove();
  const latlngs = m.points.map(p => [p[1], p[0]]);
  m.shape = (m.mode === 'area' && latlngs.length > 2 ? L.polygon(latlngs) : L.polyline(latlngs)).addTo(app.map);
  $('measure-result').textContent = measureText(m);
}

function measureText(m) {
  if (m.mode === 'distance') {
    const d = Geodesy.length(m.points);
    return `距离 ${d >= 1000 ? (d / 1000).toFixed(3) + ' 千米' : d.toFixed(1) + ' 米'}`;
  }
  const a = Geodesy.area(m.points);
  return `面积 ${a >= 1e6 ? (a / 1e6).toFixed(4) + ' 平方千米' : a.toFixed(1) + ' 平方米'}（${(a / 666.6667).toFixed(2)} 亩）`;
}

function finishMeasure() {
  if (!app.measure) return;
  app.measure.done = true;
  app.map.getContainer().style.cursor = '';
  $('measure-distance').classList.remove('active');
  $('measure-area').classList.remove('active');
  app.lastMeasure = app.measure;
  app.measure = null;
}

function clearMeasure() {
  for (const m of [app.measure, app.lastMeasure]) if (m && m.shape) m.shape.remove();
  app.measure = null;
  app.lastMeasure = null;
  $('measure-result').textContent = '单击地图加点，双击结束';
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

async function renderLegend() {
  const box = $('legend');
  const on = app.overlays.filter(o => o.on);
  // Only the latest call draws: an earlier one still waiting must not bring back a legend.
  const generation = ++legendGeneration;
  if (!on.length) { box.replaceChildren(el('p', { class: 'hint' }, '勾选专题图层后显示图例')); return; }
  const parts = [];
  for (const o of on) {
    // The requests, not their results, are kept: calls made together share one request.
    const style = await (app.styles[o.map] ??= getJSON(`/maps/${o.map}/style.json`).catch(() => ({ layers: [] })));
    const q = await (app.queryables[o.id] ??= getJSON(`/ogc/collections/${o.id}/queryables`).catch(() => ({})));
    if (generation !== legendGeneration) return;
    const labels = {};
    for (const prop of Object.values(q.properties || {})) for (const c of prop.oneOf || []) labels[c.const] = c.title;
    const items = [];
    for (const l of style.layers || []) {
      if (l['source-layer'] !== o.id) continue;
      const kind = l.type === 'fill' ? 'fill' : l.type === 'line' ? 'line' : l.type === 'circle' ? 'circle' : null;
      if (!kind) continue;
      for (const entry of colourOf(l.paint, `${l.type}-color`)) {
        const label = entry.value === undefined ? o.title : (labels[entry.value] ? `${entry.value} ${labels[entry.value]}` : entry.value);
        if (!items.some(i => i.label === label)) items.push({ kind, colour: entry.colour, label });
      }
      if (items.length) break;
    }
    const block = el('div', { class: 'legend-layer' }, el('div', { class: 'legend-title' }, o.title));
    for (const i of items.slice(0, 24)) {
      const swatch = el('span', { class: `swatch ${i.kind}` });
      if (i.kind === 'line') swatch.style.borderTopColor = i.colour; else swatch.style.background = i.colour;
      block.append(el('div', { class: 'item' }, swatch, i.label));
    }
    parts.push(block);
  }
  box.replaceChildren(...parts);
}

// ---- panel

function buildPanel(initialLayers) {
  const bases = $('bases');
  for (const b of BASES.filter(b => app.maps.some(m => m.id === b.id))) {
    bases.append(el('label', {}, el('input', { type: 'radio', name: 'base', value: b.id, onchange: () => setBase(b.id) }), ' ' + b.title));
  }
  for (const input of document.querySelectorAll('input[name=crs]')) input.addEventListener('change', () => switchCRS(input.value));
  // Overlays: each thematic layer once, from the first map that draws it, grouped by department.
  const seen = new Set();
  for (const m of app.maps) {
    if (BASES.some(b => b.id === m.id) || !m.layers) continue;
    for (const l of m.layers) {
      if (l.group === 'base' || seen.has(l.id) || !DEPARTMENTS[l.group]) continue;
      seen.add(l.id);
      const want = initialLayers ? l.id in initialLayers : false;
      app.overlays.push({ id: l.id, title: l.title, group: l.group, map: m.id, layer: null, on: want, opacity: want ? initialLayers[l.id] : 0.85 });
    }
  }
  const tree = $('overlays');
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
  $('search-input').addEventListener('input', onSearchInput);
  $('search-input').addEventListener('keydown', async e => {
    if (e.key !== 'Enter') return;
    clearTimeout(searchTimer);
    const results = await runSearch();
    if (results.length) goTo(results[0]);
  });
  $('measure-distance').addEventListener('click', () => startMeasure('distance'));
  $('measure-area').addEventListener('click', () => startMeasure('area'));
  $('measure-clear').addEventListener('click', clearMeasure);
}

// ---- command-screen mode

function startScreenMode() {
  document.body.classList.add('screen');
  const tick = () => { $('clock').textContent = new Date().toLocaleString('zh-CN', { hour12: false }); };
  tick();
  setInterval(tick, 1000);
  // Overlays refresh every minute (edits show up without reloading the wall).
  setInterval(() => {
    for (const o of app.overlays) if (o.layer) o.layer.setUrl(`${tileURL(o.map, [o.id])}&t=${Date.now()}`);
  }, 60000);
  document.addEventListener('click', () => {
    if (!document.fullscreenElement && document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(() => {});
  }, { once: true });
}

// ---- start

async function start() {
  const state = readHash();
  if (SCREEN) startScreenMode();
  const maps = await getJSON('/maps');
  app.maps = maps.maps.filter(m => m.status === 'ok');
  const basemap = app.maps.find(m => m.id === 'basemap') || app.maps[0];
  app.base = state.base && app.maps.some(m => m.id === state.base) ? state.base : (basemap ? basemap.id : 'basemap');
  app.crs = state.crs || '3857';
  const centre = (basemap && basemap.center) || [116.852, 38.307, 13];
  const view = state.view || { lon: centre[0], lat: centre[1], zoom: app.crs === '4490' ? centre[2] - 1 : centre[2] };
  const defaults = SCREEN && !state.layers ? { shelters: 1, fire_stations: 1, hospitals: 1 } : state.layers;
  buildPanel(defaults);
  buildMap(view);
  renderLegend();
  writeHash();
  app.ready = true;
}

start().catch(e => { $('cursor').textContent = `加载失败：${e.message}`; });
