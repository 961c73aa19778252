// 监督指挥 big screen (?screen=cases): a wall display of the 数字城管 centre. KPI tiles, this month's
// 按期结案率 by street, cases per day by source over 30 days, the weekly 按期结案率 over 12 weeks, and
// the live case map (or the grid density). Dark, large type; refreshes itself. Reuses the command
// screen's mechanics (app.js: startScreenMode's clock, full screen and tile refresh) and the
// web map's map, sign-in and requests. Charts are drawn here on canvases.
'use strict';

const SCREEN_KPIS = [
  ['todayReported', '今日上报'], ['todayClosed', '今日结案'], ['monthReported', '本月上报'],
  ['monthClosed', '本月结案'], ['open', '当前在办'], ['overdue', '超期在办'],
];
// Series colours on the dark background, in the order of the rules' sources.
const SCREEN_PALETTE = ['#4fc3f7', '#ffb74d', '#81c784', '#ba68c8', '#f06292', '#fff176', '#90a4ae', '#4db6ac'];
// Grid density classes (share of the busiest grid), dark to hot.
const DENSITY_RAMP = [[0.2, '#1e5a8c'], [0.4, '#2f9c95'], [0.6, '#d8c13a'], [0.8, '#f08c2e'], [1.01, '#e53935']];
const SCREEN_FONT = '"Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", sans-serif';

app.screen = {
  timers: [],
  mode: 'points',       // points | density
  density: null,        // Leaflet layer of the grid density
  framed: false,        // the map was fitted to the city once
  daily: null,          // {days, sources, counts} for redraws on resize
  trend: null,          // [{label, rate}]
  generation: 0,
};

// ---- dates in the centre's time zone, as YYYY-MM-DD (what the server's from/to take)

function centreDate(d = new Date()) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: caseTimeZone(), year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}
function addDays(date, n) { return new Date(Date.parse(`${date}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10); }
function weekdayOf(date) { return new Date(`${date}T00:00:00Z`).getUTCDay(); }
function sumCounts(stats, key) { return stats.groups.reduce((n, g) => n + (g.counts[key] || 0), 0); }
function percent(rate, digits = 1) { return rate == null ? '—' : `${(rate * 100).toFixed(digits)}%`; }

// ---- layout (before the map is built: the map goes into the middle of the screen)

function prepareCaseScreen() {
  document.body.classList.add('casescreen');
  document.title = '数字城管监督指挥中心 · 一张图';
  document.querySelector('#titlebar .title').textContent = '数字城管监督指挥中心';
  $('casescreen').hidden = false;
  $('cs-map-slot').append($('map'));
  $('signin-cancel').hidden = true;
  $('cs-kpis').replaceChildren(...SCREEN_KPIS.map(([id, label]) => el('div', { class: `kpi kpi-${id}`, 'data-kpi': id },
    el('div', { class: 'label' }, label), el('div', { class: 'value' }, '—'), el('div', { class: 'sub' }, ''))));
  for (const b of document.querySelectorAll('#cs-map-modes button')) b.addEventListener('click', () => setScreenMapMode(b.dataset.mode));
  let resize = null;
  window.addEventListener('resize', () => { clearTimeout(resize); resize = setTimeout(drawScreenCharts, 200); });
  setScreenMessage('正在加载…');
}

function setScreenMessage(text) {
  const box = $('cs-message');
  box.textContent = text || '';
  box.hidden = !text;
}

// Signed in with the right to see cases: the figures, refreshed; otherwise the sign-in form first.
function caseScreenSessionChanged() {
  const s = app.screen;
  for (const t of s.timers) clearInterval(t);
  s.timers = [];
  s.generation++;
  if (!app.session.signedIn) {
    setScreenMessage('请登录后查看监督指挥大屏');
    showSignin(true);
    return;
  }
  if (!app.cases.allowed) { setScreenMessage(`用户 ${app.session.user} 无权查看数字城管案件，请退出后换用值班长、受理员等账号登录`); return; }
  setScreenMessage(null);
  setScreenMapMode(s.mode);
  refreshCaseScreen();
  refreshScreenCharts();
  // Figures and map every minute (the tiles: startScreenMode); the 30-day and 12-week charts every five.
  s.timers.push(setInterval(refreshCaseScreen, 60000), setInterval(refreshScreenCharts, 300000));
}

// ---- KPI tiles and the street table

async function refreshCaseScreen() {
  const generation = app.screen.generation;
  const today = centreDate(), tomorrow = addDays(today, 1), monthStart = `${today.slice(0, 8)}01`;
  const open = openStateIDs();
  let day, month, openCount, overdueCount;
  try {
    [day, month, openCount, overdueCount] = await Promise.all([
      api(`/cases/stats?by=street&from=${today}&to=${tomorrow}`),
      api(`/cases/stats?by=street&from=${monthStart}&to=${tomorrow}`),
      open ? api(`/cases?state=${open.join(',')}&limit=1`) : null,
      api(`/cases?overdue=true&limit=1${open ? `&state=${open.join(',')}` : ''}`),
    ]);
  } catch (e) {
    if (generation === app.screen.generation) setScreenMessage(caseErrorText(e, '读取统计').message);
    return;
  }
  if (generation !== app.screen.generation) return;
  setScreenMessage(null);
  const monthDue = sumCounts(month, 'due');
  setKPI('todayReported', sumCounts(day, 'reported'), `立案 ${sumCounts(day, 'filed')} 件`);
  setKPI('todayClosed', sumCounts(day, 'closed'), `按期 ${sumCounts(day, 'closedOnTime')} 件`);
  setKPI('monthReported', sumCounts(month, 'reported'), `立案 ${sumCounts(month, 'filed')} 件`);
  setKPI('monthClosed', sumCounts(month, 'closed'), `按期结案率 ${percent(monthDue ? sumCounts(month, 'closedOnTime') / monthDue : null)}`);
  setKPI('open', openCount ? openCount.numberMatched : null, '');
  const overdue = overdueCount.numberMatched;
  setKPI('overdue', overdue, openCount && openCount.numberMatched ? `占在办 ${percent(overdue / openCount.numberMatched)}` : '', overdue > 0);
  renderStreetTable(month);
  $('cs-month-rate').textContent = `全市 ${percent(monthDue ? sumCounts(month, 'closedOnTime') / monthDue : null)}`;
  if (app.screen.mode === 'density') loadDensity();
  $('titlebar').dataset.updated = new Date().toISOString();
}

function setKPI(id, value, sub, alarm = false) {
  const tile = document.querySelector(`#cs-kpis [data-kpi="${id}"]`);
  tile.querySelector('.value').textContent = value == null ? '—' : value.toLocaleString('zh-CN');
  tile.querySelector('.sub').textContent = sub || '';
  tile.dataset.value = value == null ? '' : String(value);
  tile.classList.toggle('alarm', alarm);
}

function renderStreetTable(month) {
  const body = $('cs-streets').tBodies[0];
  const rows = month.groups.map(g => {
    const rate = g.rates.onTimeCloseRate;
    const bar = el('div', { class: 'bar' }, el('span', {}));
    bar.firstChild.style.width = `${Math.min(100, (rate || 0) * 100)}%`;
    bar.classList.add(rate == null ? 'none' : rate >= 0.9 ? 'good' : rate >= 0.75 ? 'fair' : 'poor');
    return el('tr', {}, el('td', { class: 'rank' }, String(g.rank)), el('td', { class: 'name' }, g.name),
      el('td', { class: 'num' }, String(g.counts.due)), el('td', { class: 'num' }, String(g.counts.closedOnTime)),
      el('td', { class: 'rate' }, bar, el('span', { class: 'pct' }, percent(rate))));
  });
  if (!rows.length) rows.push(el('tr', {}, el('td', { colspan: '5', class: 'empty' }, '本月暂无案件')));
  body.replaceChildren(...rows);
}

// ---- charts: the data

async function refreshScreenCharts() {
  const generation = app.screen.generation;
  const today = centreDate(), tomorrow = addDays(today, 1);
  // Cases per day by source: the last 30 days' cases, counted here (the server counts by unit, not by day).
  const from = addDays(today, -29);
  const days = Array.from({ length: 30 }, (_, i) => addDays(from, i));
  // Weeks from Monday; the last one is this week so far.
  const monday = addDays(today, -((weekdayOf(today) + 6) % 7));
  const weeks = Array.from({ length: 12 }, (_, i) => addDays(monday, -7 * (11 - i)));
  try {
    const [cases, weekly] = await Promise.all([
      allCases(`from=${from}&to=${tomorrow}`),
      Promise.all(weeks.map((w, i) => api(`/cases/stats?by=street&from=${w}&to=${i === 11 ? tomorrow : addDays(w, 7)}`))),
    ]);
    if (generation !== app.screen.generation) return;
    const sources = app.cases.rules ? [...app.cases.rules.sources] : [];
    const counts = new Map(days.map(d => [d, {}]));
    for (const c of cases) {
      const d = counts.get(centreDate(new Date(c.reportedAt)));
      if (!d) continue;
      if (!sources.includes(c.source)) sources.push(c.source);
      d[c.source] = (d[c.source] || 0) + 1;
    }
    app.screen.daily = { days, sources, counts: days.map(d => counts.get(d)) };
    $('cs-daily-total').textContent = `合计 ${cases.length.toLocaleString('zh-CN')} 件 · 日均 ${(cases.length / days.length).toFixed(1)} 件`;
    app.screen.trend = weekly.map((stats, i) => {
      const due = sumCounts(stats, 'due');
      return { label: i === 11 ? '本周' : weeks[i].slice(5), rate: due ? sumCounts(stats, 'closedOnTime') / due : null, due };
    });
    const last = app.screen.trend[11];
    $('cs-trend-now').textContent = last.rate == null ? '' : `本周 ${percent(last.rate)}`;
  } catch (e) {
    if (generation === app.screen.generation) setScreenMessage(caseErrorText(e, '读取统计').message);
    return;
  }
  drawScreenCharts();
}

async function allCases(query) {
  const out = [];
  for (let offset = 0; ;) {
    const page = await api(`/cases?${query}&limit=1000&offset=${offset}`);
    out.push(...page.cases);
    offset += page.numberReturned;
    if (!page.numberReturned || offset >= page.numberMatched) return out;
  }
}

function drawScreenCharts() {
  const s = app.screen;
  if (s.daily) drawDailyChart($('cs-daily'), s.daily);
  if (s.trend) drawTrendChart($('cs-trend'), s.trend);
}

// ---- charts: drawing

// A canvas at the device's resolution, sized as laid out; drawing in CSS pixels.
function chartCanvas(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.clientWidth, h = canvas.clientHeight;
  canvas.width = Math.round(w * ratio);
  canvas.height = Math.round(h * ratio);
  const g = canvas.getContext('2d');
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, w, h);
  return { g, w, h };
}

// A round axis maximum and step: 1, 2, 2.5 or 5 times a power of ten, about five steps.
function niceAxis(max, steps = 5) {
  if (!(max > 0)) return { max: steps, step: 1 };
  const raw = max / steps, p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map(m => m * p).find(v => v >= raw);
  return { max: Math.ceil(max / step) * step, step };
}

function font(size, weight = 'normal') { return `${weight} ${size}px ${SCREEN_FONT}`; }

// The y axis with grid lines and labels; returns the value-to-y function.
function drawYAxis(g, box, axis, label) {
  g.font = font(15);
  g.textAlign = 'right';
  g.textBaseline = 'middle';
  for (let v = 0; v <= axis.max + 1e-9; v += axis.step) {
    const y = box.bottom - (v / axis.max) * (box.bottom - box.top);
    g.strokeStyle = v === 0 ? '#5f7d99' : '#1f3a55';
    g.lineWidth = 1;
    g.setLineDash(v === 0 ? [] : [4, 4]);
    g.beginPath(); g.moveTo(box.left, Math.round(y) + 0.5); g.lineTo(box.right, Math.round(y) + 0.5); g.stroke();
    g.fillStyle = '#9fb8cf';
    g.fillText(label(v), box.left - 8, y);
  }
  g.setLineDash([]);
  return v => box.bottom - (v / axis.max) * (box.bottom - box.top);
}

function drawLegend(g, x, y, entries) {
  g.font = font(16);
  g.textBaseline = 'middle';
  g.textAlign = 'left';
  for (const [colour, text] of entries) {
    g.fillStyle = colour;
    g.fillRect(x, y - 7, 14, 14);
    g.fillStyle = '#dbe9f5';
    g.fillText(text, x + 20, y);
    x += 20 + g.measureText(text).width + 18;
  }
}

function drawDailyChart(canvas, data) {
  const { g, w, h } = chartCanvas(canvas);
  const totals = data.counts.map(d => Object.values(d).reduce((a, b) => a + b, 0));
  const colours = new Map(data.sources.map((s, i) => [s, SCREEN_PALETTE[i % SCREEN_PALETTE.length]]));
  drawLegend(g, 56, 14, data.sources.map(s => [colours.get(s), s]));
  const box = { left: 52, right: w - 12, top: 40, bottom: h - 30 };
  const axis = niceAxis(Math.max(...totals, 1));
  const y = drawYAxis(g, box, axis, v => String(v));
  const slot = (box.right - box.left) / data.days.length, bar = Math.max(2, slot * 0.68);
  data.days.forEach((day, i) => {
    const x = box.left + i * slot + (slot - bar) / 2;
    let base = 0;
    for (const source of data.sources) {
      const n = data.counts[i][source] || 0;
      if (!n) continue;
      g.fillStyle = colours.get(source);
      g.fillRect(x, y(base + n), bar, y(base) - y(base + n) - (base ? 1 : 0));
      base += n;
    }
    // Dates under every fifth bar and the last (today).
    if ((data.days.length - 1 - i) % 5 === 0) {
      g.fillStyle = '#9fb8cf';
      g.font = font(15);
      g.textAlign = 'center';
      g.textBaseline = 'top';
      g.fillText(i === data.days.length - 1 ? '今日' : day.slice(5), x + bar / 2, box.bottom + 6);
    }
  });
  g.fillStyle = '#9fb8cf';
  g.font = font(14);
  g.textAlign = 'left';
  g.textBaseline = 'bottom';
  g.fillText('件', 8, box.top - 4);
}

function drawTrendChart(canvas, weeks) {
  const { g, w, h } = chartCanvas(canvas);
  const values = weeks.map(x => x.rate).filter(v => v != null);
  // 0–100%, unless a week came out above (closings of cases filed in earlier weeks).
  const axis = niceAxis(Math.max(1, ...values), 5);
  axis.step = axis.max > 1 ? axis.step : 0.2;
  const box = { left: 62, right: w - 24, top: 40, bottom: h - 30 };
  drawLegend(g, 66, 14, [['#4fc3f7', '按期结案率（按周）']]);
  const y = drawYAxis(g, box, axis, v => `${Math.round(v * 100)}%`);
  const slot = (box.right - box.left) / weeks.length;
  const x = i => box.left + slot * (i + 0.5);
  // The area under the line, then the line, broken where a week had nothing due.
  g.fillStyle = 'rgba(79, 195, 247, 0.12)';
  g.strokeStyle = '#4fc3f7';
  g.lineWidth = 3;
  g.lineJoin = 'round';
  let run = [];
  const flush = () => {
    if (run.length > 1) {
      g.beginPath(); g.moveTo(x(run[0]), y(0));
      for (const i of run) g.lineTo(x(i), y(weeks[i].rate));
      g.lineTo(x(run[run.length - 1]), y(0)); g.closePath(); g.fill();
      g.beginPath();
      run.forEach((i, k) => (k ? g.lineTo(x(i), y(weeks[i].rate)) : g.moveTo(x(i), y(weeks[i].rate))));
      g.stroke();
    }
    run = [];
  };
  weeks.forEach((wk, i) => { if (wk.rate == null) flush(); else run.push(i); });
  flush();
  weeks.forEach((wk, i) => {
    g.textAlign = 'center';
    if (wk.rate != null) {
      g.fillStyle = '#0d2238';
      g.strokeStyle = '#4fc3f7';
      g.lineWidth = 2.5;
      g.beginPath(); g.arc(x(i), y(wk.rate), 5, 0, Math.PI * 2); g.fill(); g.stroke();
      g.fillStyle = '#e3f2fd';
      g.font = font(14, 'bold');
      g.textBaseline = 'bottom';
      g.fillText(`${Math.round(wk.rate * 100)}`, x(i), y(wk.rate) - 9);
    }
    g.fillStyle = i === weeks.length - 1 ? '#ffd54f' : '#9fb8cf';
    g.font = font(15);
    g.textBaseline = 'top';
    g.fillText(wk.label, x(i), box.bottom + 6);
  });
}

// ---- the map: case points (the cases map's tiles, refreshed every minute) or the grid density

function setScreenMapMode(mode) {
  const s = app.screen;
  s.mode = mode;
  for (const b of document.querySelectorAll('#cs-map-modes button')) b.classList.toggle('active', b.dataset.mode === mode);
  const points = app.overlays.find(o => o.id === 'cases');
  if (points) setOverlay(points, mode === 'points');
  if (s.density) { s.density.remove(); s.density = null; }
  renderScreenLegend();
  if (app.session.signedIn && app.cases.allowed) loadDensity();
}

async function loadDensity() {
  const s = app.screen, generation = s.generation;
  let data;
  try { data = await api(`/cases/density?from=${addDays(centreDate(), -29)}&to=${addDays(centreDate(), 1)}`); } catch (e) { return; }
  if (generation !== s.generation) return;
  const layer = L.geoJSON(data, { interactive: false });
  // The map frames the city's grids the first time.
  if (!s.framed && layer.getBounds().isValid()) { app.map.fitBounds(layer.getBounds(), { padding: [10, 10] }); s.framed = true; }
  if (s.mode !== 'density') return;
  if (!app.map.getPane('densityPane')) app.map.createPane('densityPane').style.zIndex = 350;
  const max = data.maxCount || 1;
  if (s.density) s.density.remove();
  s.density = L.geoJSON(data, {
    pane: 'densityPane', interactive: false,
    style: f => {
      const n = f.properties.count || 0;
      const colour = (DENSITY_RAMP.find(([share]) => n / max < share) || DENSITY_RAMP[DENSITY_RAMP.length - 1])[1];
      return { fillColor: colour, fillOpacity: n ? 0.78 : 0, color: '#6e8aa6', weight: 0.3, opacity: 0.5 };
    },
  }).addTo(app.map);
  s.densityMax = max;
  renderScreenLegend();
}

async function renderScreenLegend() {
  const box = $('cs-map-legend'), s = app.screen;
  const items = [];
  if (s.mode === 'density') {
    const max = s.densityMax || 0;
    let from = 1;
    for (const [share, colour] of DENSITY_RAMP) {
      const to = Math.min(max, Math.ceil(share * max) - (share > 1 ? 0 : 1));
      if (to >= from) items.push([colour, from === to ? `${from} 件` : `${from}–${to} 件`]);
      from = Math.max(from, to + 1);
    }
    box.replaceChildren(el('div', { class: 'legend-title' }, '近 30 日每网格案件数'), ...items.map(([c, t]) => legendRow(c, t, 'fill')));
    return;
  }
  const style = await (app.styles.cases ??= getJSON('/maps/cases/style.json').catch(() => ({ layers: [] })));
  if (s.mode !== 'points') return;
  box.replaceChildren(el('div', { class: 'legend-title' }, '在办案件'), ...caseLegendItems(style).filter(i => !i.label.startsWith('已办结')).map(i => legendRow(i.colour, i.label, 'circle')));
}

function legendRow(colour, text, kind) {
  const swatch = el('span', { class: `swatch ${kind}` });
  swatch.style.background = colour;
  return el('div', { class: 'item' }, swatch, text);
}
