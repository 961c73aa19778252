// 应急一张图 on the command screen (?screen=1[&incident=ID]): an incident picker, the incident's
// impact rings with the facilities and people in each, the nearest fire stations and hospitals by
// road with their routes and minutes, the flood extent for the water level on the slider, and the
// units moving live (Server-Sent Events from /live: markers move in place, nothing is redrawn).
// The analyses are the server's OGC API processes; this file only asks and draws.
'use strict';

const EM = {
  incidents: [], current: null, rules: null, source: null,
  layers: { rings: null, routes: null, flood: null, incident: null, tracks: null },
  units: {},             // unit id -> Leaflet marker
  floodTimer: null, floodGeneration: 0, runGeneration: 0,
};
const UNIT_SIGNS = { fire: '消', ambulance: '救', police: '警', rescue: '援', hazmat: '危' };
const LEVEL_COLOURS = { I: '#d7191c', II: '#f07c12', III: '#e8c000', IV: '#2b7bd6' };
const RING_COLOURS = ['#ff4d4f', '#ff9c3a', '#ffd43b', '#69c0ff', '#95de64'];
app.emergency = EM;

async function execute(process, inputs) {
  const r = await api(`/ogc/processes/${process}/execution`, { method: 'POST', body: { inputs } });
  return r.result !== undefined ? r.result : r;
}

function emergencyLayerGroup(name) {
  if (EM.layers[name]) EM.layers[name].clearLayers();
  else EM.layers[name] = L.layerGroup().addTo(app.map);
  return EM.layers[name];
}

// Called when the session changes (and at start): the screen needs a user who may see incidents.
async function emergencySessionChanged() {
  if (!SCREEN) return;
  const box = $('emergency');
  box.hidden = false;
  document.body.classList.add('has-emergency');
  if (!app.session.signedIn || !app.session.layers.includes('incidents')) {
    $('em-message').textContent = app.session.signedIn ? '当前用户无权查看突发事件' : '请登录后查看突发事件（应急指挥人员）';
    $('em-body').hidden = true;
    stopLive();
    return;
  }
  $('em-message').textContent = '';
  $('em-body').hidden = false;
  try {
    EM.rules = await getJSON('/incidents/rules');
    await loadIncidents();
    startLive();
  } catch (e) { $('em-message').textContent = `加载失败：${e.message}`; }
}

async function loadIncidents() {
  const list = await getJSON('/incidents');
  EM.incidents = list.features;
  const picker = $('em-incident');
  picker.replaceChildren(...EM.incidents.map(f => el('option', { value: f.id },
    `${f.properties.levelName}（${f.properties.level}级） ${f.properties.title} · ${f.properties.statusName}`)));
  const wanted = Number(new URLSearchParams(location.search).get('incident')) || (EM.current && EM.current.id);
  const pick = EM.incidents.find(f => f.id === wanted) || EM.incidents[0];
  if (pick) { picker.value = pick.id; await selectIncident(pick.id); } else { $('em-summary').textContent = '当前没有未结束的突发事件'; }
}

function incidentPoint(f) {
  if (f.geometry.type === 'Point') return f.geometry.coordinates;
  const b = L.geoJSON(f).getBounds().getCenter();
  return [b.lng, b.lat];
}

async function selectIncident(id) {
  const f = EM.incidents.find(x => x.id === Number(id));
  if (!f) return;
  EM.current = f;
  const generation = ++EM.runGeneration;
  const p = f.properties;
  $('em-summary').replaceChildren(
    el('div', { class: 'em-title', style: `border-color:${LEVEL_COLOURS[p.level] || '#888'}` }, p.title),
    el('div', { class: 'em-meta' }, `${p.categoryName} · ${p.subtype} · ${p.levelName}（${p.level}级） · ${p.statusName}`),
    el('div', { class: 'em-meta' }, `发生 ${new Date(p.occurredAt).toLocaleString('zh-CN', { hour12: false })}`),
    el('div', { class: 'em-notes' }, p.notes || ''));
  const incident = emergencyLayerGroup('incident');
  L.geoJSON(f, { style: { color: LEVEL_COLOURS[p.level], weight: 4, fillOpacity: 0.15 },
                 pointToLayer: (_, ll) => L.circleMarker(ll, { radius: 14, color: LEVEL_COLOURS[p.level], weight: 5, fillOpacity: 0.4 }) }).addTo(incident);
  const rings = emergencyLayerGroup('rings');
  emergencyLayerGroup('routes');
  $('em-rings').textContent = '计算中…';
  $('em-resources').textContent = '计算中…';
  const [ringResult, fire, hospital] = await Promise.allSettled([
    execute('impact-rings', { incident: f.id }),
    execute('nearest-resources', { incident: f.id, kind: 'fire', count: 3 }),
    execute('nearest-resources', { incident: f.id, kind: 'hospital', count: 3 }),
  ]);
  if (generation !== EM.runGeneration) return;
  if (ringResult.status === 'fulfilled') {
    const r = ringResult.value;
    const rs = r.rings.features;
    rs.slice().reverse().forEach((ring, i) => {
      const colour = RING_COLOURS[(rs.length - 1 - i) % RING_COLOURS.length];
      L.geoJSON(ring, { style: { color: colour, weight: 3, dashArray: '10 6', fillColor: colour, fillOpacity: 0.08 } }).addTo(rings);
    });
    app.map.fitBounds(L.geoJSON(rs[rs.length - 1]).getBounds(), { padding: [40, 40] });
    renderRings(r);
  } else { $('em-rings').textContent = `影响范围分析失败：${ringResult.reason.message}`; }
  const rows = [];
  for (const [title, result] of [['消防站', fire], ['医院', hospital]]) {
    if (result.status !== 'fulfilled') { rows.push(el('div', { class: 'em-error' }, `${title}：${result.reason.message}`)); continue; }
    result.value.resources.forEach((res, i) => {
      const colour = title === '消防站' ? '#ff4d4f' : '#40a9ff';
      if (i === 0) {
        // The fastest of each kind drawn bold, its minutes at the place it starts from.
        L.geoJSON(res.route, { style: { color: colour, weight: 6, opacity: 0.9 } }).addTo(EM.layers.routes);
        L.circleMarker([res.location[1], res.location[0]], { radius: 6, color: colour, fillOpacity: 1 }).addTo(EM.layers.routes)
          .bindTooltip(`${res.name} ${res.minutes.toFixed(1)} 分钟`, { permanent: true, className: 'em-route-label', direction: 'top', offset: [0, -8] });
      } else {
        L.geoJSON(res.route, { style: { color: colour, weight: 3, opacity: 0.6, dashArray: '6 6' } }).addTo(EM.layers.routes);
      }
      rows.push(el('tr', {}, el('td', {}, title), el('td', {}, res.name), el('td', { class: 'num' }, `${res.minutes.toFixed(1)} 分`),
                   el('td', { class: 'num' }, `${(res.distance / 1000).toFixed(1)} km`), el('td', { class: 'num dim' }, `直线 ${(res.straightLine / 1000).toFixed(1)}`)));
    });
  }
  $('em-resources').replaceChildren(el('table', {}, el('tbody', {}, ...rows)));
  prepareFlood(f);
}

function renderRings(r) {
  const titles = {};
  for (const fac of r.facilities) titles[fac.layer] = fac.title;
  const rows = r.rings.features.map(ring => {
    const p = ring.properties;
    const counts = Object.entries(p.facilities).filter(([, n]) => n > 0).map(([layer, n]) => `${titles[layer] || layer} ${n}`).join('、') || '无设施';
    return el('tr', {}, el('td', { class: 'num' }, `${p.inner}–${p.outer} 米`), el('td', {}, counts),
              el('td', { class: 'num' }, p.population === null ? '—' : `约 ${Number(p.population).toLocaleString('zh-CN')} 人`));
  });
  const people = r.population.estimate === null ? '人口：无权查看' : `人口（估算）约 ${Number(r.population.estimate).toLocaleString('zh-CN')} 人`;
  const names = r.facilities.filter(x => x.ring === r.radii[0]).map(x => `${x.name}（${Math.round(x.distance)} 米）`);
  $('em-rings').replaceChildren(el('table', {}, el('tbody', {}, ...rows)), el('div', { class: 'em-people' }, people),
    el('div', { class: 'em-near' }, names.length ? `最内圈：${names.slice(0, 6).join('、')}${names.length > 6 ? ' 等' : ''}` : '最内圈内无重点设施'));
}

// The flood slider: from the ground at the incident to a few metres above it; moving it floods
// from the incident (有源) after a short pause.
async function prepareFlood(f) {
  const [lon, lat] = incidentPoint(f);
  let ground = null;
  try { ground = (await getJSON(`/elevation?lon=${lon}&lat=${lat}`)).elevation; } catch (e) { /* outside the DEM */ }
  const slider = $('em-flood-level');
  emergencyLayerGroup('flood');
  // Floods are what the slider is for: natural disasters (洪涝, 气象) only.
  if (ground === null || f.properties.category !== 'natural') { $('em-flood').hidden = true; return; }
  $('em-flood').hidden = false;
  slider.min = Math.floor(ground * 10) / 10;
  slider.max = Math.ceil(ground + 6);
  slider.step = 0.1;
  slider.value = Math.min(Number(slider.max), ground + 1).toFixed(1);
  slider.oninput = () => { $('em-flood-value').textContent = `${Number(slider.value).toFixed(1)} 米`; clearTimeout(EM.floodTimer); EM.floodTimer = setTimeout(runFlood, 400); };
  slider.oninput();
}

async function runFlood() {
  const f = EM.current;
  if (!f) return;
  const generation = ++EM.floodGeneration;
  const [lon, lat] = incidentPoint(f);
  $('em-flood-result').textContent = '计算中…';
  try {
    const r = await execute('flood', { level: Number($('em-flood-level').value), seed: { type: 'Point', coordinates: [lon, lat] } });
    if (generation !== EM.floodGeneration) return;
    const flood = emergencyLayerGroup('flood');
    L.geoJSON(r.extent, { style: { color: '#1d6fd6', weight: 1, fillColor: '#3d8bfd', fillOpacity: 0.45 } }).addTo(flood);
    const people = r.population.estimate === null ? '' : `，受淹人口约 ${Number(r.population.estimate).toLocaleString('zh-CN')} 人`;
    $('em-flood-result').textContent = `淹没 ${r.area.km2} 平方千米，最大水深 ${r.depth.max} 米${people}，受淹设施 ${r.facilities.length} 处`;
  } catch (e) {
    if (generation === EM.floodGeneration) { emergencyLayerGroup('flood'); $('em-flood-result').textContent = e.message; }
  }
}

// ---- live units

function unitIcon(u) {
  return L.divIcon({ className: `em-unit em-unit-${u.kind}`, html: `<b>${UNIT_SIGNS[u.kind] || '●'}</b><span>${escapeHTML(u.name)}</span>`,
                     iconSize: [34, 34], iconAnchor: [17, 17] });
}

function placeUnit(u) {
  const ll = [u.location[1], u.location[0]];
  const m = EM.units[u.unit];
  if (m) { m.setLatLng(ll); return; }        // moved in place: no redraw
  EM.units[u.unit] = L.marker(ll, { icon: unitIcon(u), zIndexOffset: 1000, keyboard: false }).addTo(app.map);
}

function startLive() {
  if (EM.source) return;
  EM.source = new EventSource('/live');
  EM.source.addEventListener('snapshot', e => {
    const s = JSON.parse(e.data);
    for (const u of s.units) placeUnit(u);
    $('em-live').textContent = `实时：${s.units.length} 支力量在线`;
  });
  EM.source.addEventListener('positions', e => {
    for (const u of JSON.parse(e.data).positions) placeUnit(u);
    app.liveUpdates = (app.liveUpdates || 0) + 1;
  });
  EM.source.addEventListener('incident', e => {
    const f = JSON.parse(e.data);
    const i = EM.incidents.findIndex(x => x.id === f.id);
    if (i >= 0) EM.incidents[i] = f; else EM.incidents.unshift(f);
    refreshTiles(['emergency']);
    drawScreenOverlays();
    if (EM.current && EM.current.id === f.id) { EM.current = f; selectIncident(f.id); }
    else loadIncidents();
  });
  EM.source.onerror = () => { $('em-live').textContent = '实时连接中断，正在重连…'; };
  EM.source.onopen = () => { $('em-live').textContent = '实时连接正常'; };
}

function stopLive() {
  if (EM.source) { EM.source.close(); EM.source = null; }
  for (const m of Object.values(EM.units)) m.remove();
  EM.units = {};
}

async function showTracks(on) {
  const tracks = emergencyLayerGroup('tracks');
  if (!on) return;
  const r = await getJSON('/live/replay?minutes=30');
  L.geoJSON(r, { style: { color: '#ffd666', weight: 2, opacity: 0.8, dashArray: '2 6' } }).addTo(tracks);
}

// ---- the elevation profile along a drawn line (any mode): the server's `elevation-profile`
// process, drawn as a chart of height against distance.

async function showProfile(points) {
  const box = $('profile-box');
  box.hidden = false;
  $('profile-summary').textContent = '计算中…';
  const chart = $('profile-chart');
  chart.replaceChildren();
  let r;
  try {
    r = await execute('elevation-profile', { line: { type: 'LineString', coordinates: points } });
  } catch (e) { $('profile-summary').textContent = e.message; return; }
  app.profile = r;
  const samples = r.profile.filter(p => p.height !== null);
  $('profile-summary').textContent = samples.length
    ? `全长 ${lengthWords(r.length)}，最低 ${r.min} 米，最高 ${r.max} 米，累计爬升 ${r.ascent} 米，下降 ${r.descent} 米（${r.samples} 个取样点，DEM 存储值）`
    : '剖面线不在 DEM 范围内';
  if (!samples.length) return;
  const W = 560, H = 220, left = 44, bottom = 26, top = 10, right = 10;
  const lo = Math.floor(r.min - 1), hi = Math.ceil(r.max + 1);
  const x = d => left + (W - left - right) * d / r.length, y = h => top + (H - top - bottom) * (1 - (h - lo) / (hi - lo));
  const svg = (tag, attrs) => { const e = document.createElementNS('http://www.w3.org/2000/svg', tag); for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v); return e; };
  const path = samples.map((p, i) => `${i ? 'L' : 'M'}${x(p.distance).toFixed(1)},${y(p.height).toFixed(1)}`).join('');
  chart.append(svg('path', { d: `${path}L${x(samples[samples.length - 1].distance)},${H - bottom}L${x(samples[0].distance)},${H - bottom}Z`, fill: '#cfe3c3', stroke: 'none' }),
               svg('path', { d: path, fill: 'none', stroke: '#3f7f3f', 'stroke-width': 2 }),
               svg('line', { x1: left, y1: H - bottom, x2: W - right, y2: H - bottom, stroke: '#666' }),
               svg('line', { x1: left, y1: top, x2: left, y2: H - bottom, stroke: '#666' }));
  for (const h of [lo, (lo + hi) / 2, hi]) {
    const t = svg('text', { x: left - 4, y: y(h) + 4, 'text-anchor': 'end', 'font-size': 11 }); t.textContent = `${Math.round(h)}m`; chart.append(t);
  }
  for (const f of [0, 0.5, 1]) {
    const t = svg('text', { x: x(r.length * f), y: H - 8, 'text-anchor': f === 0 ? 'start' : f === 1 ? 'end' : 'middle', 'font-size': 11 });
    t.textContent = lengthWords(r.length * f); chart.append(t);
  }
}

document.addEventListener('DOMContentLoaded', () => {
  $('profile-close').addEventListener('click', () => { $('profile-box').hidden = true; });
  if (!SCREEN) return;
  $('em-incident').addEventListener('change', e => selectIncident(e.target.value));
  $('em-tracks').addEventListener('change', e => showTracks(e.target.checked).catch(() => {}));
});
