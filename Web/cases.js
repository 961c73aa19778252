// 数字城管 cases in the web map: the 案件办理 panel (a filtered case list; a case's details, photos,
// history as a timeline and the actions this user may take now) and the 新建案件 form (place by a
// click on the map, an address or a component code). The server decides everything: which actions a
// user may take (each case's `actions`), the rules (/cases/rules: sources, classes, departments,
// states), the place's grid, community and street. Uses app.js's helpers (api, el, $).
'use strict';

// Labels for the kinds of place the geocoder finds and for the stages whose clocks run.
const GEOCODE_KINDS = { address: '门牌', road: '道路', place: '地名', community: '社区', street: '街道' };
const STAGE_NAMES = { accept: '受理', file: '立案', dispatch: '派遣', handle: '处置', verify: '核查', close: '结案' };
const CASE_KINDS = { event: '事件', component: '部件' };
// Actions that end or undo a case are drawn in red so they are not taken by mistake.
const CASE_DANGER_ACTIONS = ['void', 'reject', 'rework', 'return'];
const CASE_PAGE = 50;

app.cases = {
  allowed: false,        // the user may see cases (the server lists the cases layer for them)
  rules: null,           // GET /cases/rules, or null when the server has none
  streets: [],           // [{code, name}] for the street filter
  colours: {},           // state -> colour, from the cases map style (as on the map)
  open: false,
  view: 'list',          // list | detail | new
  list: [],              // the cases listed
  matched: 0,
  listGeneration: 0,     // only the latest list request draws
  current: null,         // the case shown in detail, with its history
  seen: { sources: new Set(), classes: new Map(), states: new Map() },   // when there are no rules
  group: null,           // Leaflet layer group on casePane (the marked case, the new case's place)
  picking: false,        // map clicks choose the new case's place
  draft: { kind: 'event', mode: 'map', location: null, autoAddress: null, component: null },
};

// ---- helpers

function caseTimeZone() { return (app.cases.rules && app.cases.rules.timeZone) || 'Asia/Shanghai'; }

// "12-04 18:30" (with the year when not this year), in the centre's time zone.
function fmtCaseTime(iso, withYear = false) {
  if (!iso) return '—';
  const d = new Date(iso);
  const parts = {};
  for (const p of new Intl.DateTimeFormat('zh-CN', { timeZone: caseTimeZone(), year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(d)) parts[p.type] = p.value;
  const thisYear = new Intl.DateTimeFormat('en', { timeZone: caseTimeZone(), year: 'numeric' }).format(new Date());
  const date = `${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
  return withYear || parts.year !== thisYear ? `${parts.year}-${date}` : date;
}

function fmtMinutes(m) {
  if (m == null) return '—';
  if (m % 60 === 0) return `${m / 60} 工作小时`;
  return m > 60 ? `${Math.floor(m / 60)} 工作小时 ${m % 60} 分钟` : `${m} 工作分钟`;
}

function caseDepartmentName(code) {
  const d = app.cases.rules && app.cases.rules.departments.find(x => x.code === code);
  return d ? d.name : null;
}

function caseStateName(id) {
  const s = app.cases.rules && app.cases.rules.states.find(x => x.id === id);
  return s ? s.name : app.cases.seen.states.get(id) || id;
}

function openStateIDs() {
  return app.cases.rules ? app.cases.rules.states.filter(s => s.open).map(s => s.id) : null;
}

// The legend of the cases layer: open cases by state (the colours of the map style), overdue, closed.
function caseLegendItems(style) {
  const items = [];
  const layer = id => (style.layers || []).find(l => l.id === id);
  const open = layer('case-open'), overdue = layer('case-overdue'), closed = layer('case-closed');
  if (!open) return items;
  for (const entry of colourOf(open.paint, 'circle-color')) {
    const label = caseStateName(entry.value);
    const same = items.find(i => i.colour === entry.colour);
    if (same) same.label += `、${label}`; else items.push({ kind: 'circle', colour: entry.colour, label });
  }
  if (overdue) for (const e of colourOf(overdue.paint, 'circle-color')) items.push({ kind: 'circle', colour: e.colour, label: '超期（红灯）' });
  if (closed) for (const e of colourOf(closed.paint, 'circle-color')) items.push({ kind: 'circle', colour: e.colour, label: '已办结（放大后显示）' });
  return items;
}

// The user-facing message for a failed request: what went wrong in words, the server's own words after.
function caseErrorText(err, doing) {
  if (!(err instanceof APIError)) return { message: `${doing}失败：${err.message}` };
  const detail = err.message;
  switch (err.status) {
    case 0: return { message: err.message };
    case 401: return { message: '登录已过期，请重新登录' };
    case 403: return { message: `无权${doing}`, detail };
    case 404: return { message: `${doing}失败：未找到`, detail };
    case 409: return { message: '案件已被他人处理，请刷新', detail, refresh: true };
    case 413: return { message: '照片太大，请压缩后再上传', detail };
    case 415: return { message: '照片须为 JPEG 或 PNG 格式', detail };
    case 429: return { message: '请求过于频繁，请稍后再试' };
    default: return { message: `${doing}失败`, detail };
  }
}

function showCaseError(box, err, doing) {
  if (!err) { box.hidden = true; box.replaceChildren(); return; }
  const text = typeof err === 'string' ? { message: err } : caseErrorText(err, doing);
  box.replaceChildren(el('div', { class: 'message' }, text.message));
  if (text.detail) box.append(el('div', { class: 'detail' }, text.detail));
  if (text.refresh && app.cases.current) {
    box.append(el('button', { type: 'button', class: 'link', onclick: () => openCase(app.cases.current.id) }, '刷新案件'));
  }
  box.hidden = false;
}

function light(c) {
  const words = { green: '绿灯：时限内', yellow: '黄灯：临近时限', red: '红灯：已超时', none: '不计时' };
  return el('span', { class: `light ${c.light || 'none'}`, title: words[c.light] || '' });
}

function stateBadge(c) {
  const badge = el('span', { class: 'state-badge', 'data-state': c.state }, c.stateName || caseStateName(c.state));
  const colour = app.cases.colours[c.state];
  if (colour) {
    badge.style.background = colour;
    // Dark text on the light colours (amber), white on the others.
    const [r, g, b] = [1, 3, 5].map(i => parseInt(colour.slice(i, i + 2), 16));
    if (0.299 * r + 0.587 * g + 0.114 * b > 160) badge.classList.add('light-bg');
  }
  return badge;
}

function deadlineText(c) {
  if (!c.stage || !c.stage.deadline) return c.closedAt ? `结案 ${fmtCaseTime(c.closedAt)}` : '';
  return `${STAGE_NAMES[c.stage.name] || '办理'}时限 ${fmtCaseTime(c.stage.deadline)}`;
}

function overdueText(c) {
  return c.overdueRatio != null && c.overdueRatio > 0 ? `超时 ${fmtNumber(c.overdueRatio, 2)} 倍` : null;
}

// ---- the panel

function buildCasesPanel() {
  $('cases-open').addEventListener('click', () => setCasesOpen(!app.cases.open));
  $('cases-close').addEventListener('click', () => setCasesOpen(false));
  for (const b of document.querySelectorAll('#cases-tabs button')) b.addEventListener('click', () => showCasesView(b.dataset.view));
  for (const id of ['cases-state', 'cases-street', 'cases-class', 'cases-overdue']) $(id).addEventListener('change', () => loadCaseList());
  let timer = null;
  $('cases-q').addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => loadCaseList(), 350); });
  $('cases-more').addEventListener('click', () => loadCaseList(true));
  for (const b of document.querySelectorAll('#new-kind button')) b.addEventListener('click', () => setNewKind(b.dataset.kind));
  for (const b of document.querySelectorAll('#new-place-modes button')) b.addEventListener('click', () => setPlaceMode(b.dataset.mode));
  $('new-address-find').addEventListener('click', findAddress);
  $('new-address-q').addEventListener('keydown', e => { if (e.key === 'Enter') { e.preventDefault(); findAddress(); } });
  $('new-component').addEventListener('change', lookUpComponent);
  $('new-address').addEventListener('input', () => { app.cases.draft.autoAddress = null; });
  $('cases-new-view').addEventListener('submit', submitNewCase);
  $('new-clear').addEventListener('click', clearNewCase);
  setNewKind('event');
  setPlaceMode('map');
}

// Called by buildMap: the cases' own pane (above the overlay tiles) and layer group on the new map.
function attachCases() {
  app.map.createPane('casePane').style.zIndex = 460;
  app.cases.group = L.layerGroup().addTo(app.map);
  drawCaseMarks();
}

// Who may see cases changed: the entry, the rules and filters for the new user.
async function casesSessionChanged() {
  const c = app.cases;
  c.allowed = (app.session.layers || []).includes('cases');
  $('cases-entry').hidden = !c.allowed;
  c.rules = null;
  c.list = [];
  c.current = null;
  if (!c.allowed) { setCasesOpen(false); renderAccount(); return; }
  // The rules say what the form offers; without them (an older server) the form takes codes.
  const [rules, streets, style] = await Promise.all([
    api('/cases/rules').catch(() => null),
    api('/ogc/collections/streets/items?limit=200&skipGeometry=true&properties=code,name').catch(() => ({ features: [] })),
    (app.styles.cases ??= getJSON('/maps/cases/style.json').catch(() => ({ layers: [] }))),
  ]);
  c.rules = rules;
  c.streets = streets.features.map(f => f.properties).filter(p => p.code).sort((a, b) => a.code.localeCompare(b.code));
  c.colours = {};
  const layer = id => (style.layers || []).find(l => l.id === id);
  for (const e of layer('case-open') ? colourOf(layer('case-open').paint, 'circle-color') : []) c.colours[e.value] = e.colour;
  const closed = layer('case-closed') && colourOf(layer('case-closed').paint, 'circle-color')[0];
  if (closed && rules) for (const s of rules.states) if (!s.open) c.colours[s.id] = closed.colour;
  fillCaseChoices();
  renderAccount();
  renderLegend();
  if (c.open) { showCasesView(c.view === 'detail' ? 'list' : c.view); loadCaseList(); }
}

// The filters' and the form's choices: from the rules, or from the cases seen so far.
function fillCaseChoices() {
  const c = app.cases, rules = c.rules;
  const stateSelect = $('cases-state'), previousState = stateSelect.dataset.filled ? stateSelect.value : null;
  stateSelect.dataset.filled = 'yes';
  stateSelect.replaceChildren(el('option', { value: '' }, '全部状态'));
  const open = openStateIDs();
  if (open) stateSelect.append(el('option', { value: open.join(',') }, '在办（未办结）'));
  const states = rules ? rules.states.map(s => [s.id, s.name]) : [...c.seen.states];
  for (const [id, name] of states) stateSelect.append(el('option', { value: id }, name));
  stateSelect.value = [...stateSelect.options].some(o => o.value === previousState) ? previousState : (open ? open.join(',') : '');

  const streetSelect = $('cases-street'), previousStreet = streetSelect.value;
  streetSelect.replaceChildren(el('option', { value: '' }, '全部街道'), ...c.streets.map(s => el('option', { value: s.code }, s.name)));
  streetSelect.value = previousStreet;

  const classSelect = $('cases-class'), previousClass = classSelect.value;
  classSelect.replaceChildren(el('option', { value: '' }, '全部类别'));
  for (const kind of ['event', 'component']) appendClassOptions(classSelect, kind, `${CASE_KINDS[kind]} · `);
  classSelect.value = [...classSelect.options].some(o => o.value === previousClass) ? previousClass : '';

  // The form: sources and classes as lists with the rules, as typed codes without.
  const source = $('new-source');
  const sources = rules ? rules.sources : [...c.seen.sources];
  const previousSource = source.value;
  source.replaceChildren(...sources.map(s => el('option', { value: s }, s)));
  const mine = app.session.roles.includes('supervisor') ? '监督员' : previousSource;
  if (sources.includes(mine)) source.value = mine;
  renderClassPicker();
  const limits = rules && rules.attachments;
  $('new-photo').accept = limits && limits.mediaTypes ? limits.mediaTypes.join(',') : 'image/jpeg,image/png';
}

// Options of one kind's classes grouped by 大类 (optgroups), into a select.
function appendClassOptions(select, kind, prefix = '') {
  const c = app.cases;
  const classes = c.rules ? c.rules.classes.filter(x => x.kind === kind) : [...c.seen.classes.values()].filter(x => x.kind === kind);
  const majors = new Map();
  for (const x of classes) majors.set(x.major, [...(majors.get(x.major) || []), x]);
  for (const [major, members] of majors) {
    select.append(el('optgroup', { label: `${prefix}${major}` }, ...members.map(x => el('option', { value: x.code }, `${x.code} ${x.name}`))));
  }
}

function renderClassPicker() {
  const slot = $('new-class-slot'), kind = app.cases.draft.kind;
  const previous = $('new-class') && $('new-class').value;
  let picker;
  if (app.cases.rules) {
    picker = el('select', { id: 'new-class' }, el('option', { value: '' }, kind === 'component' ? '按部件标识码自动确定，或选择' : '请选择类别'));
    appendClassOptions(picker, kind);
    if ([...picker.options].some(o => o.value === previous)) picker.value = previous;
  } else {
    // No rules from the server: the class code typed, with the classes seen in the list offered.
    picker = el('input', { id: 'new-class', list: 'new-class-list', inputmode: 'numeric', maxlength: '4', placeholder: '类别代码，如 0102' });
    const list = el('datalist', { id: 'new-class-list' });
    for (const x of app.cases.seen.classes.values()) if (x.kind === kind) list.append(el('option', { value: x.code }, `${x.major} · ${x.name}`));
    slot.replaceChildren(picker, list);
    return;
  }
  slot.replaceChildren(picker);
}

function setCasesOpen(open) {
  const c = app.cases;
  if (open && !c.allowed) return;
  if (open) setReviewOpen(false);
  c.open = open;
  $('cases').hidden = !open;
  $('cases-open').classList.toggle('active', open);
  if (open) {
    // The cases are easier to follow on the map.
    const layer = app.overlays.find(o => o.id === 'cases');
    if (layer && !layer.on) setOverlay(layer, true);
    showCasesView(c.view === 'detail' && c.current ? 'detail' : c.view);
    if (!c.list.length) loadCaseList();
  } else {
    stopCasePicking();
    c.current = null;
    drawCaseMarks();
  }
}

function showCasesView(view) {
  const c = app.cases;
  c.view = view;
  $('cases-list-view').hidden = view !== 'list';
  $('cases-detail-view').hidden = view !== 'detail';
  $('cases-new-view').hidden = view !== 'new';
  for (const b of document.querySelectorAll('#cases-tabs button')) b.classList.toggle('active', b.dataset.view === (view === 'detail' ? 'list' : view));
  showCaseError($('cases-error'), null);
  if (view === 'new') { if (c.draft.mode === 'map') startCasePicking(); }
  else stopCasePicking();
  if (view !== 'detail') { c.current = view === 'list' ? null : c.current; }
  drawCaseMarks();
}

// ---- the list

function caseQuery() {
  const q = new URLSearchParams();
  for (const [key, id] of [['state', 'cases-state'], ['street', 'cases-street'], ['class', 'cases-class'], ['q', 'cases-q']]) {
    const v = $(id).value.trim();
    if (v) q.set(key, v);
  }
  if ($('cases-overdue').checked) q.set('overdue', 'true');
  return q;
}

async function loadCaseList(more = false) {
  const c = app.cases;
  const generation = ++c.listGeneration;
  const q = caseQuery();
  q.set('limit', CASE_PAGE);
  q.set('offset', more ? c.list.length : 0);
  $('cases-count').textContent = '查询中…';
  let result;
  try {
    result = await api(`/cases?${q}`);
  } catch (e) {
    if (generation !== c.listGeneration) return;
    $('cases-count').textContent = '';
    showCaseError($('cases-error'), e, '查询案件');
    return;
  }
  if (generation !== c.listGeneration) return;
  showCaseError($('cases-error'), null);
  c.list = more ? c.list.concat(result.cases) : result.cases;
  c.matched = result.numberMatched;
  if (!c.rules) rememberSeen(result.cases);
  renderCaseList();
}

// Without rules the filters and the form offer what the cases themselves show.
function rememberSeen(cases) {
  const seen = app.cases.seen, before = seen.classes.size + seen.states.size + seen.sources.size;
  for (const x of cases) {
    seen.sources.add(x.source);
    seen.states.set(x.state, x.stateName);
    seen.classes.set(`${x.kind}:${x.class.code}`, { kind: x.kind, code: x.class.code, name: x.class.name, major: x.class.major });
  }
  if (seen.classes.size + seen.states.size + seen.sources.size !== before) fillCaseChoices();
}

function renderCaseList() {
  const c = app.cases;
  $('cases-count').textContent = c.matched ? `共 ${c.matched} 件${c.matched > c.list.length ? `，已显示 ${c.list.length} 件` : ''}` : '没有符合条件的案件';
  const list = $('cases-list');
  list.replaceChildren(...c.list.map(caseItem));
  $('cases-more').hidden = c.list.length >= c.matched;
}

function caseItem(x) {
  const late = overdueText(x);
  const when = el('div', { class: 'case-when' }, deadlineText(x));
  if (late) when.append(el('span', { class: 'late' }, late));
  const item = el('li', { class: `case-item${x.overdue ? ' overdue' : ''}`, 'data-id': String(x.id), tabindex: '0',
    onclick: () => openCase(x.id), onkeydown: e => { if (e.key === 'Enter') openCase(x.id); } },
  light(x),
  el('div', { class: 'case-main' },
    el('div', { class: 'case-line' }, el('span', { class: 'case-number' }, x.number), el('span', { class: 'case-class' }, x.class.name),
      x.urgent ? el('span', { class: 'urgent' }, '急') : '', stateBadge(x)),
    el('div', { class: 'case-address' }, x.address || ''),
    when));
  if (app.cases.current && app.cases.current.id === x.id) item.classList.add('selected');
  return item;
}

// ---- one case

async function openCase(id) {
  const c = app.cases;
  showCaseError($('cases-error'), null);
  let detail;
  try { detail = await api(`/cases/${id}`); } catch (e) { showCaseError($('cases-error'), e, '打开案件'); return; }
  const first = !c.current || c.current.id !== detail.id;
  c.current = detail;
  showCasesView('detail');
  renderCaseDetail();
  for (const li of document.querySelectorAll('#cases-list .case-item')) li.classList.toggle('selected', Number(li.dataset.id) === id);
  if (first) zoomToCase(detail);
}

// Centres the case in the part of the map the panel leaves free.
function zoomToCase(x) {
  const ll = L.latLng(x.location[1], x.location[0]);
  const zoom = Math.max(app.map.getZoom(), app.crs === '4490' ? 16 : 17);
  const panel = $('cases').hidden ? 0 : $('cases').offsetWidth + 20;
  const point = app.map.project(ll, zoom).add([panel / 2, 0]);
  app.map.setView(app.map.unproject(point, zoom), zoom);
}

// The marked case and the new case's place on the map.
function drawCaseMarks() {
  const c = app.cases;
  if (!c.group) return;
  c.group.clearLayers();
  if (!c.open) return;
  if (c.view === 'detail' && c.current) {
    const ll = [c.current.location[1], c.current.location[0]];
    c.group.addLayer(L.circleMarker(ll, { pane: 'casePane', radius: 16, color: '#ff3d00', weight: 3, fillColor: '#ff3d00', fillOpacity: 0.12, interactive: false, className: 'case-mark' }));
    c.group.addLayer(L.circleMarker(ll, { pane: 'casePane', radius: 4, color: '#fff', weight: 1.5, fillColor: '#ff3d00', fillOpacity: 1, className: 'case-mark-centre' })
      .bindTooltip(`${c.current.number} ${c.current.class.name}`, { direction: 'top', offset: [0, -14] }));
  }
  if (c.view === 'new' && c.draft.location) {
    const ll = [c.draft.location[1], c.draft.location[0]];
    c.group.addLayer(L.circleMarker(ll, { pane: 'casePane', radius: 11, color: '#1a3d6d', weight: 2, dashArray: '4 3', fill: false, interactive: false }));
    c.group.addLayer(L.circleMarker(ll, { pane: 'casePane', radius: 6, color: '#fff', weight: 2, fillColor: '#1a3d6d', fillOpacity: 1, interactive: false, className: 'case-new-place' }));
  }
}

function renderCaseDetail() {
  const x = app.cases.current;
  const box = $('cases-detail-view');
  const facts = el('table', { class: 'facts' });
  const row = (title, ...value) => { facts.append(el('tr', {}, el('th', {}, title), el('td', {}, ...value))); };
  row('案件类别', `${CASE_KINDS[x.kind] || x.kind} · ${x.class.major} · ${x.class.name}（${x.class.code}）`);
  row('案件来源', `${x.source}（${x.reporter} 上报于 ${fmtCaseTime(x.reportedAt)}）`);
  row('问题描述', x.description);
  row('地址', x.address || '—');
  row('所在网格', el('span', { class: 'code' }, x.grid.code), `　${x.community.name} · ${x.street.name}`);
  if (x.componentCode) row('部件标识码', el('span', { class: 'code' }, x.componentCode));
  const department = x.department ? x.department.name
    : x.suggestedDepartment ? `未派遣（建议：${caseDepartmentName(x.suggestedDepartment) || x.suggestedDepartment}）` : '未派遣';
  row('处置部门', department);
  if (x.stage && x.stage.deadline) {
    row('当前时限', `${STAGE_NAMES[x.stage.name] || '办理'}：${fmtCaseTime(x.stage.deadline)} 前`, light(x));
  }
  const late = overdueText(x);
  row('超时倍数', late ? el('span', { class: 'late' }, late) : '未超时');
  row('处置时限', `${fmtMinutes(x.handleLimitMinutes)}${x.urgent ? '（紧急）' : ''}${x.extensionMinutes ? `，已延期 ${fmtMinutes(x.extensionMinutes)}` : ''}`);
  if (x.reworkCount || x.returnCount) row('返工 / 回退', `${x.reworkCount} 次 / ${x.returnCount} 次`);
  if (x.closedAt) row('结案时间', fmtCaseTime(x.closedAt, true));

  const head = el('div', { class: 'detail-head' },
    el('button', { type: 'button', class: 'link', id: 'case-back', onclick: () => { showCasesView('list'); renderCaseList(); } }, '← 返回列表'),
    el('button', { type: 'button', class: 'link', onclick: () => openCase(x.id) }, '刷新'));
  const title = el('h3', { class: 'case-title', id: 'case-title' }, light(x), el('span', { class: 'case-number' }, x.number),
    x.urgent ? el('span', { class: 'urgent' }, '急') : '', el('span', { id: 'case-state' }, stateBadge(x)));

  const parts = [head, title, facts, caseActions(x), casePhotos(x), caseTimeline(x)];
  box.replaceChildren(...parts.filter(Boolean));
}

// One button per action the server allows this user now; the department picker for 派遣,
// the extension for 延期, a note for all.
function caseActions(x) {
  const box = el('div', { class: 'case-actions', id: 'case-actions' });
  if (!x.actions || !x.actions.length) return null;
  box.append(el('h4', {}, '办理'));
  const ids = x.actions.map(a => a.action);
  if (ids.includes('dispatch')) {
    let picker;
    const suggested = x.suggestedDepartment || '';
    if (app.cases.rules) {
      picker = el('select', { id: 'act-department' }, ...app.cases.rules.departments.map(d =>
        el('option', { value: d.code }, `${d.name}${d.code === suggested ? '（建议）' : ''}`)));
      picker.value = suggested;
    } else picker = el('input', { id: 'act-department', value: suggested, placeholder: '部门代码，如 HW01' });
    box.append(el('label', {}, '派遣至', picker));
  }
  if (ids.includes('extend')) {
    box.append(el('label', {}, '延期时长',
      el('span', { class: 'inline-row' }, el('input', { id: 'act-hours', type: 'number', min: '0.5', step: '0.5', value: '2', inputmode: 'decimal' }), el('span', {}, '工作小时'))));
  }
  box.append(el('label', {}, '处理意见', el('textarea', { id: 'act-note', rows: '2', placeholder: '选填；作废、不予立案、返工、回退请写明原因' })));
  const buttons = el('div', { class: 'action-buttons' });
  x.actions.forEach((a, i) => {
    const cls = i === 0 && !CASE_DANGER_ACTIONS.includes(a.action) ? 'primary' : CASE_DANGER_ACTIONS.includes(a.action) ? 'danger' : '';
    buttons.append(el('button', { type: 'button', class: cls, 'data-action': a.action, onclick: e => runCaseAction(a, e.target) }, a.name));
  });
  box.append(buttons, el('div', { id: 'case-action-error', class: 'review-error', role: 'alert', hidden: '' }));
  return box;
}

async function runCaseAction(action, button) {
  const x = app.cases.current;
  const errorBox = $('case-action-error');
  showCaseError(errorBox, null);
  const body = { action: action.action, version: x.version };
  const note = $('act-note') && $('act-note').value.trim();
  if (note) body.note = note;
  if (action.action === 'dispatch') {
    body.department = $('act-department').value.trim();
    if (!body.department) { showCaseError(errorBox, '请选择处置部门'); return; }
  }
  if (action.action === 'extend') {
    const hours = Number($('act-hours').value);
    if (!Number.isFinite(hours) || hours <= 0) { showCaseError(errorBox, '请填写延期时长（工作小时）'); return; }
    body.minutes = Math.round(hours * 60);
  }
  for (const b of document.querySelectorAll('#case-actions button')) b.disabled = true;
  button.textContent = `${action.name}中…`;
  try {
    await api(`/cases/${x.id}/actions`, { method: 'POST', body });
  } catch (e) {
    for (const b of document.querySelectorAll('#case-actions button')) b.disabled = false;
    button.textContent = action.name;
    showCaseError(errorBox, e, action.name);
    return;
  }
  caseChanged(x.id);
}

// A case changed here: its detail, the list and the case tiles again.
async function caseChanged(id) {
  await openCase(id);
  loadCaseList();
  refreshTiles([...new Set(app.overlays.filter(o => o.id === 'cases').map(o => o.map))]);
}

function casePhotos(x) {
  const box = el('div', { class: 'case-photos' }, el('h4', {}, `现场照片${x.attachments && x.attachments.length ? `（${x.attachments.length}）` : ''}`));
  const strip = el('div', { class: 'photo-strip' });
  for (const a of x.attachments || []) {
    const url = `/cases/${x.id}/attachments/${a.id}`;
    strip.append(el('a', { href: url, target: '_blank', rel: 'noopener', title: `${a.name}（${a.actor}，${fmtCaseTime(a.at)}）` },
      el('img', { src: url, alt: a.name, loading: 'lazy' })));
  }
  if (!strip.childNodes.length) strip.append(el('span', { class: 'hint' }, '暂无照片'));
  const input = el('input', { type: 'file', accept: $('new-photo').accept, id: 'case-photo', hidden: '' });
  input.addEventListener('change', async () => {
    const file = input.files[0];
    if (!file) return;
    showCaseError($('case-photo-error'), null);
    try { await uploadCasePhoto(x.id, file); } catch (e) { showCaseError($('case-photo-error'), e, '上传照片'); return; }
    openCase(x.id);
  });
  box.append(strip, el('button', { type: 'button', class: 'link', onclick: () => input.click() }, '＋ 上传照片'), input,
    el('div', { id: 'case-photo-error', class: 'review-error', role: 'alert', hidden: '' }));
  return box;
}

function uploadCasePhoto(id, file) {
  return api(`/cases/${id}/attachments?name=${encodeURIComponent(file.name)}`, { method: 'POST', body: file, type: file.type });
}

// The history, oldest first, as a vertical timeline: what, who (and in which role), when, the note.
function caseTimeline(x) {
  const list = el('ol', { class: 'timeline', id: 'case-timeline' });
  for (const h of x.history || []) {
    const who = `${h.actor}（${roleName(h.role === 'department' ? 'dept.' : h.role)}）`;
    const item = el('li', { class: `step step-${h.action}` },
      el('div', { class: 'step-head' }, el('b', {}, h.name), el('span', { class: 'when' }, fmtCaseTime(h.at, true))),
      el('div', { class: 'who' }, who, h.to && h.from !== h.to ? ` → ${caseStateName(h.to)}` : ''));
    if (h.department && ['dispatch', 'return', 'start', 'feedback'].includes(h.action)) item.append(el('div', { class: 'meta' }, `部门：${caseDepartmentName(h.department) || h.department}`));
    if (h.note) item.append(el('div', { class: 'note' }, h.note));
    if (h.deadline) item.append(el('div', { class: 'meta' }, `时限至 ${fmtCaseTime(h.deadline)}`));
    list.append(item);
  }
  return el('div', { class: 'case-history' }, el('h4', {}, '办理过程'), list);
}

// ---- the new-case form

function setNewKind(kind) {
  const d = app.cases.draft;
  d.kind = kind;
  for (const b of document.querySelectorAll('#new-kind button')) b.classList.toggle('active', b.dataset.kind === kind);
  $('new-component-row').hidden = kind !== 'component';
  $('new-place-optional').hidden = kind !== 'component';
  renderClassPicker();
  if (d.mode === 'map' && app.cases.view === 'new') startCasePicking();
}

function setPlaceMode(mode) {
  app.cases.draft.mode = mode;
  for (const b of document.querySelectorAll('#new-place-modes button')) b.classList.toggle('active', b.dataset.mode === mode);
  $('new-address-search').hidden = mode !== 'address';
  if (mode === 'map') startCasePicking(); else stopCasePicking();
  if (mode === 'address') $('new-address-q').focus();
}

function startCasePicking() {
  if (!app.map || app.cases.view !== 'new' || app.cases.draft.mode !== 'map') return;
  stopReviewMode();
  if (app.measure) finishMeasure();
  app.map.closePopup();
  app.cases.picking = true;
  app.map.getContainer().classList.add('case-picking');
  if (!app.cases.draft.location) setPlaceText(app.cases.draft.kind === 'component' ? '单击地图上的部件或问题位置' : '单击地图选择问题位置');
}

function stopCasePicking() {
  app.cases.picking = false;
  if (app.map) app.map.getContainer().classList.remove('case-picking');
}

function setPlaceText(...content) {
  const box = $('new-place');
  box.classList.remove('picked', 'bad');
  box.replaceChildren(...content);
}

// A click while picking: for a 部件 case the component under the click (its code fills the form).
async function casePickClick(ll) {
  const d = app.cases.draft;
  if (d.kind === 'component') {
    const zoom = app.crs === '4490' ? app.map.getZoom() + 1 : app.map.getZoom();
    try {
      const found = await api(`/maps/components/identify?lon=${ll.lng}&lat=${ll.lat}&zoom=${zoom}&layers=components`);
      const f = found.features.find(x => x.properties && x.properties.objcode);
      if (f) {
        useComponent(f);
        return;
      }
    } catch (e) { /* no components map: the place alone */ }
  }
  choosePlace([ll.lng, ll.lat]);
}

function useComponent(f) {
  const p = f.properties;
  $('new-component').value = p.objcode;
  const picker = $('new-class');
  if (picker && p.class && (picker.tagName !== 'SELECT' || [...picker.options].some(o => o.value === p.class))) picker.value = p.class;
  const at = f.geometry && f.geometry.type === 'Point' ? f.geometry.coordinates : null;
  app.cases.draft.component = p.objcode;
  if (at) choosePlace(at, null, `部件 ${p.objcode}（${p.objname || ''}${p.deptname ? '，' + p.deptname : ''}）`);
}

// A 16-digit code typed: where that component is.
async function lookUpComponent() {
  const code = $('new-component').value.trim();
  if (!/^\d{16}$/.test(code)) { if (code) setPlaceText(el('span', { class: 'bad' }, '部件标识码应为 16 位数字')); return; }
  try {
    const found = await api(`/search?q=${code}&limit=5`);
    const hit = found.results.find(r => r.layer.id === 'components' && r.value === code);
    if (!hit) { setPlaceText(el('span', { class: 'bad' }, `未找到部件 ${code}`)); return; }
    const f = await api(`/ogc/collections/components/items/${hit.id}`);
    useComponent(f);
    app.map.setView([f.geometry.coordinates[1], f.geometry.coordinates[0]], Math.max(app.map.getZoom(), 17));
  } catch (e) { setPlaceText(el('span', { class: 'bad' }, caseErrorText(e, '查找部件').message)); }
}

// The place chosen: marked, then its grid, community, street and nearest address from the server.
async function choosePlace(location, addressText = null, what = null) {
  const d = app.cases.draft;
  d.location = location;
  drawCaseMarks();
  setPlaceText('正在查询所在网格…');
  let r;
  try {
    r = await api(`/geocode/reverse?lon=${location[0]}&lat=${location[1]}`);
  } catch (e) {
    if (d.location !== location) return;
    d.location = null;
    drawCaseMarks();
    setPlaceText(el('span', { class: 'bad' }, e.status === 400 ? '该位置不在任何单元网格内，请在城区范围内重新选择' : caseErrorText(e, '查询网格').message));
    return;
  }
  if (d.location !== location) return;
  const lines = [];
  if (what) lines.push(el('div', {}, what));
  lines.push(el('div', {}, '网格 ', el('b', { class: 'code', id: 'new-grid' }, r.grid.code)),
    el('div', {}, `${r.district || ''} ${r.street.name} · ${r.community.name}`));
  if (r.address) lines.push(el('div', { class: 'near' }, `最近门牌：${r.address.text}（约 ${fmtNumber(r.address.distance, 0)} 米）`));
  setPlaceText(...lines);
  $('new-place').classList.add('picked');
  // The address field follows the place until the user writes their own.
  const auto = addressText || (r.address && r.address.distance < 100 ? r.address.text : `${r.district || ''}${r.street.name}${r.community.name}`);
  if (!$('new-address').value.trim() || $('new-address').value === d.autoAddress) { $('new-address').value = auto; d.autoAddress = auto; }
}

async function findAddress() {
  const q = $('new-address-q').value.trim();
  const list = $('new-candidates');
  list.replaceChildren();
  if (!q) return;
  list.append(el('li', { class: 'none' }, '查找中…'));
  let result;
  try { result = await api(`/geocode?q=${encodeURIComponent(q)}&limit=8`); } catch (e) {
    list.replaceChildren(el('li', { class: 'none' }, e.status === 404 ? `未找到“${q}”，请换个说法或在地图上点选` : caseErrorText(e, '查找地址').message));
    return;
  }
  list.replaceChildren(...result.candidates.map(c => el('li', { onclick: () => {
    list.replaceChildren();
    app.map.setView([c.location[1], c.location[0]], Math.max(app.map.getZoom(), 17));
    choosePlace(c.location, c.address || c.name);
  } }, el('span', { class: 'kind' }, GEOCODE_KINDS[c.kind] || c.kind), el('b', {}, c.name), el('span', { class: 'where' }, c.address !== c.name ? c.address : ''))));
}

function clearNewCase() {
  const d = app.cases.draft;
  d.location = null;
  d.autoAddress = null;
  d.component = null;
  for (const id of ['new-description', 'new-address', 'new-address-q', 'new-component']) $(id).value = '';
  $('new-urgent').checked = false;
  $('new-photo').value = '';
  $('new-candidates').replaceChildren();
  if ($('new-class')) $('new-class').value = '';
  showCaseError($('new-error'), null);
  setPlaceText(d.kind === 'component' ? '单击地图上的部件或问题位置' : '单击地图选择问题位置');
  drawCaseMarks();
}

async function submitNewCase(e) {
  e.preventDefault();
  const d = app.cases.draft, errorBox = $('new-error');
  showCaseError(errorBox, null);
  const body = { source: $('new-source').value, kind: d.kind, description: $('new-description').value.trim(), urgent: $('new-urgent').checked };
  const classCode = $('new-class').value.trim();
  if (classCode) body.classCode = classCode;
  const component = $('new-component').value.trim();
  if (d.kind === 'component') {
    if (!/^\d{16}$/.test(component)) { showCaseError(errorBox, '部件案件须填写 16 位部件标识码（可在地图上单击部件）'); return; }
    body.componentCode = component;
  } else if (!classCode) { showCaseError(errorBox, '请选择案件类别'); return; }
  if (!body.source) { showCaseError(errorBox, '请选择案件来源'); return; }
  if (!body.description) { showCaseError(errorBox, '请填写问题描述'); return; }
  const address = $('new-address').value.trim();
  if (d.location) body.location = d.location;
  if (address) body.address = address;
  if (!d.location && !address && d.kind !== 'component') { showCaseError(errorBox, '请在地图上点选问题位置，或输入地址'); return; }
  const photo = $('new-photo').files[0];
  const button = $('new-submit');
  button.disabled = true;
  button.textContent = '上报中…';
  let created;
  try {
    created = await api('/cases', { method: 'POST', body });
  } catch (err) {
    showCaseError(errorBox, err, '上报');
    return;
  } finally {
    button.disabled = false;
    button.textContent = '上报';
  }
  let photoError = null;
  if (photo) { try { await uploadCasePhoto(created.id, photo); } catch (err) { photoError = err; } }
  clearNewCase();
  await caseChanged(created.id);
  const notice = el('div', { class: 'notice', id: 'case-created' }, `已上报，案卷编号 ${created.number}`);
  $('cases-detail-view').prepend(notice);
  if (photoError) showCaseError($('case-photo-error'), photoError, '上传照片');
}
