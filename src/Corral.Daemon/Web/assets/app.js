// Corral's page: the unit list, one unit's processes, deaths and charts, kept live by the
// daemon's server-sent events (/v1/stream). Everything shown is text from the API: it is put
// into the page with textContent, never parsed as HTML.
'use strict';

const HOUR = 3600 * 1000;
const state = {
  units: [], machine: null, lastDeaths: {}, token: sessionStorage.getItem('corral-token') || '',
  canAct: false, unit: null, deaths: [], samples: [], processes: [], processesAt: 0, pending: new Set(),
  notices: [], loaded: false,
};
const NOTICES = 20;

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v; else if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

function svg(tag, attrs) {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}

async function api(path, method) {
  const headers = {};
  if (state.token) headers.Authorization = 'Bearer ' + state.token;
  const r = await fetch(path, { method: method || 'GET', headers });
  const body = await r.json().catch(() => ({}));
  if (!r.ok || body.ok === false) throw new Error(body.error || r.status + ' ' + r.statusText);
  return body;
}

function say(text) {
  const m = document.getElementById('message');
  m.textContent = text || '';
  m.hidden = !text;
}

function bytes(n) {
  if (n === null || n === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(n < 10 ? 1 : 0)) + ' ' + units[i];
}

function ago(iso) {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 60) return s + ' s ago';
  if (s < 3600) return Math.floor(s / 60) + ' min ago';
  if (s < 86400) return Math.floor(s / 3600) + ' h ago';
  return Math.floor(s / 86400) + ' d ago';
}

// Every time in UTC, 24-hour, the zone named: the same as the CLI prints, whatever the browser's zone.
function utcTime(iso) { return new Date(iso).toISOString().slice(11, 19) + ' UTC'; }
function utcStamp(iso) { return new Date(iso).toISOString().replace('T', ' ').slice(0, 19) + ' UTC'; }

// A unit whose file did not load says so, not "inactive (dead)": nothing can start it until it is fixed.
function loadError(u) { return u.loadState === 'error' && (u.activeState === 'inactive' || u.activeState === 'failed'); }
function stateText(u) {
  if (loadError(u)) return 'error';
  const sub = u.activeState === 'failed' ? u.result : u.subState;
  return u.activeState + ' (' + sub + ')' + (u.freezerState && u.freezerState !== 'running' ? ' (' + u.freezerState + ')' : '');
}
function stateClass(u) { return 'state ' + (loadError(u) ? 'error' : u.activeState) + (u.freezerState === 'frozen' ? ' frozen' : ''); }
function zombies(u) { return (u.zombies || []).reduce((a, z) => a + z.count, 0); }

function actionButtons(u) {
  if (!state.canAct) return null;
  const box = el('span', { class: 'actions' });
  // A unit that did not load can only be stopped (if it still runs on its last good definition).
  const verbs = loadError(u) ? [] : u.loadState === 'error' ? ['stop'] : ['start', 'stop', 'restart'];
  for (const verb of verbs) {
    const b = el('button', { type: 'button', 'data-action': verb, 'data-unit': u.name, text: verb[0].toUpperCase() + verb.slice(1) });
    b.disabled = state.pending.has(u.name);
    b.addEventListener('click', () => act(u.name, verb));
    box.append(b);
  }
  return box;
}

async function act(name, verb) {
  state.pending.add(name);
  render();
  try {
    await api('/v1/units/' + encodeURIComponent(name) + '/' + verb, 'POST');
    say('');
  } catch (e) {
    say(verb + ' ' + name + ': ' + e.message);
  } finally {
    state.pending.delete(name);
    render();
  }
}

function renderHeader() {
  const m = state.machine;
  document.getElementById('machine').textContent = m
    ? m.processes + ' processes, ' + m.threads + ' threads; pid table ' + (m.share * 100).toFixed(1) + ' % used' + (m.underPressure ? ' — under pressure' : '')
    : '';
}

// A row is rebuilt only when what it shows has changed: a row replaced under the pointer between
// the press and the release of a button would swallow the click.
function renderList() {
  const body = document.querySelector('#units tbody');
  const old = new Map([...body.children].map(r => [r.dataset.unit, r]));
  const rows = [];
  document.getElementById('empty').hidden = state.units.length > 0 || !state.loaded;
  for (const u of state.units) {
    const d = state.lastDeaths[u.name];
    const z = zombies(u);
    const row = el('tr', { 'data-unit': u.name },
      el('td', {}, el('a', { href: '#unit=' + encodeURIComponent(u.name), text: u.name })),
      el('td', { class: stateClass(u), 'data-field': 'state', title: u.loadError || null, text: stateText(u) }),
      el('td', { class: 'num', 'data-field': 'pid', text: u.mainPid ? String(u.mainPid) : '–' }),
      el('td', { class: 'num', 'data-field': 'tasks', text: u.tasksCurrent ?? '–' }),
      el('td', { class: 'num', 'data-field': 'memory', text: bytes(u.memoryCurrent) }),
      el('td', { class: 'num' + (u.zombieMax !== null && z > u.zombieMax ? ' warn' : ''), 'data-field': 'zombies', text: String(z) }),
      el('td', { class: 'num' + (u.escaped.length ? ' warn' : ''), 'data-field': 'escaped', text: String(u.escaped.length) }),
      el('td', { class: 'death', 'data-field': 'last-death', title: d ? d.endedAt : null, text: d ? d.sentence + ' (' + ago(d.endedAt) + ')' : '–' }),
      el('td', {}, actionButtons(u)));
    const kept = old.get(u.name);
    rows.push(kept && kept.innerHTML === row.innerHTML ? kept : row);
  }
  if (rows.length !== body.children.length || rows.some((r, i) => body.children[i] !== r)) body.replaceChildren(...rows);
}

// Notices (docs/events.md): zombies over ZombieMax=, escaped processes, pid pressure, lost
// events, leftover cgroups, and their clearing. The newest first; a unit's page shows its own.
function renderNotices(id, list) {
  const box = document.getElementById(id);
  box.replaceChildren();
  if (!list.length) { box.append(el('li', { class: 'meta', text: 'none' })); return; }
  for (const n of list.slice(0, NOTICES)) {
    box.append(el('li', { 'data-kind': n.kind, 'data-unit': n.unit || '' },
      el('span', { class: 'when', title: utcStamp(n.at), text: utcTime(n.at) }),
      el('span', { class: 'kind', text: n.kind }),
      n.unit && state.unit === null ? el('a', { href: '#unit=' + encodeURIComponent(n.unit), text: n.unit + ': ' }) : null,
      el('span', { text: n.message })));
  }
}

function renderUnit() {
  const u = state.units.find(x => x.name === state.unit);
  document.getElementById('unit-name').textContent = state.unit;
  const st = document.getElementById('unit-state');
  st.textContent = u ? stateText(u) : 'not found';
  st.className = u ? stateClass(u) : 'state failed';
  document.getElementById('unit-actions').replaceChildren(...(u && actionButtons(u) ? [actionButtons(u)] : []));
  document.getElementById('unit-description').textContent = u ? u.description : '';
  const facts = document.getElementById('unit-facts');
  facts.replaceChildren();
  if (u) {
    const rows = [];
    if (u.loadState === 'error') rows.push(['Load error', u.loadError || 'the unit file did not load']);
    rows.push(['Main PID', u.mainPid ? u.mainPid + (u.mainCommand ? ' (' + u.mainCommand + ')' : '') : '–'],
      ['Status', u.statusText || '–'],
      ['Since', u.stateSince ? utcStamp(u.stateSince) + ' (' + ago(u.stateSince) + ')' : '–'],
      ['Tasks', (u.tasksCurrent ?? '–') + (u.tasksMax ? ' of ' + u.tasksMax : '')],
      ['Memory', bytes(u.memoryCurrent) + (u.memoryMax ? ' of ' + bytes(u.memoryMax) : '')],
      ['Restarts', String(u.nRestarts) + ' (Restart=' + u.restart + ')'],
      ['Zombies', String(zombies(u)) + (u.zombieMax !== null ? ' (ZombieMax=' + u.zombieMax + ')' : '')],
      ['Escaped', u.escaped.length ? u.escaped.map(e => e.pid + ' (' + e.comm + ') in ' + e.cgroup).join(', ') : 'none'],
      ['Result', u.result + (u.lastError ? ' — ' + u.lastError : '')]);
    for (const [k, v] of rows) facts.append(el('dt', { text: k }), el('dd', { text: v }));
  }
  renderTree();
  renderNotices('unit-notices', state.notices.filter(n => n.unit === state.unit));
  renderTimeline();
  chart('chart-tasks', s => s.tasks, v => String(Math.round(v)));
  chart('chart-memory', s => s.memoryBytes, bytes);
}

function renderTree() {
  const tree = document.getElementById('tree');
  tree.replaceChildren();
  const procs = state.processes;
  if (!procs.length) { tree.append(el('li', { class: 'meta', text: 'no processes' })); return; }
  const byPid = new Map(procs.map(p => [p.pid, p]));
  const children = new Map();
  for (const p of procs) {
    const parent = byPid.has(p.ppid) ? p.ppid : 0;
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(p);
  }
  const node = p => {
    const li = el('li', { 'data-pid': p.pid, class: p.state === 'Z' ? 'zombie' : null },
      el('span', { class: 'pid', text: String(p.pid) }), ' ',
      el('span', { text: p.state === 'Z' ? '[' + p.comm + '] <defunct>' : p.cmdline }), ' ',
      el('span', { class: 'meta', text: p.state + (p.user ? ' ' + p.user : '') + (p.rssKb ? ' ' + bytes(p.rssKb * 1024) : '') }));
    const kids = children.get(p.pid);
    if (kids) li.append(el('ul', {}, ...kids.map(node)));
    return li;
  };
  tree.append(...(children.get(0) || []).map(node));
}

function renderTimeline() {
  const list = document.getElementById('timeline');
  list.replaceChildren();
  if (!state.deaths.length) { list.append(el('li', { class: 'meta', text: 'no deaths recorded' })); return; }
  for (const d of state.deaths) {
    list.append(el('li', { class: 'death', 'data-cause': d.cause, 'data-pid': d.pid },
      el('span', { class: 'when', title: utcStamp(d.endedAt), text: utcTime(d.endedAt) }),
      el('span', { class: 'cause', text: d.cause }),
      el('span', { text: d.sentence })));
  }
}

function chart(id, pick, label) {
  const box = document.getElementById(id);
  box.replaceChildren();
  const now = Date.now();
  const pts = state.samples.filter(s => pick(s) !== null && now - Date.parse(s.at) <= HOUR)
    .map(s => [Date.parse(s.at), Number(pick(s))]);
  const latest = box.parentElement.querySelector('.latest');
  if (pts.length < 1) {
    latest.textContent = 'no samples yet';
    return;
  }
  const top = Math.max(...pts.map(p => p[1]));
  latest.textContent = 'now ' + label(pts[pts.length - 1][1]) + ' · max ' + label(top);
  // The last hour at most; less while the unit has not been sampled for that long, so that a
  // new unit's first minutes are not a sliver at the right edge.
  const start = Math.max(now - HOUR, Math.min(pts[0][0], now - 60 * 1000));
  const max = Math.max(1, top) * 1.15;
  const x = t => ((t - start) / (now - start)) * 400;
  const y = v => 118 - (v / max) * 112;
  const line = pts.map(p => x(p[0]).toFixed(1) + ',' + y(p[1]).toFixed(1));
  if (pts.length === 1) line.push('400,' + y(pts[0][1]).toFixed(1));
  const first = line[0].split(',')[0], last = line[line.length - 1].split(',')[0];
  box.append(svg('polygon', { class: 'area', points: first + ',118 ' + line.join(' ') + ' ' + last + ',118' }));
  box.append(svg('polyline', { class: 'line', points: line.join(' ') }));
}

function render() {
  renderHeader();
  const unitView = state.unit !== null;
  document.getElementById('list-view').hidden = unitView;
  document.getElementById('unit-view').hidden = !unitView;
  document.title = unitView ? state.unit + ' — Corral' : 'Corral';
  if (unitView) renderUnit(); else { renderList(); renderNotices('notices', state.notices); }
}

async function loadUnit(name) {
  const q = encodeURIComponent(name);
  const [deaths, history] = await Promise.all([
    api('/v1/deaths?unit=' + q + '&limit=50' + (allDeaths() ? '' : '&role=main,control')),
    api('/v1/units/' + q + '/history').catch(() => ({ samples: [] })),
  ]);
  if (state.unit !== name) return;
  state.deaths = deaths.deaths;
  state.samples = history.samples;
  await refreshProcesses(true);
}

async function refreshProcesses(force) {
  if (state.unit === null || (!force && Date.now() - state.processesAt < 2000)) return;
  state.processesAt = Date.now();
  const name = state.unit;
  try {
    const s = await api('/v1/units/' + encodeURIComponent(name) + '?processes');
    if (state.unit === name) { state.processes = s.processes; render(); }
  } catch (e) { say(e.message); }
}

function route() {
  const m = /^#unit=(.+)$/.exec(location.hash);
  state.unit = m ? decodeURIComponent(m[1]) : null;
  state.deaths = []; state.samples = []; state.processes = [];
  render();
  if (state.unit !== null) loadUnit(state.unit).then(render).catch(e => say(e.message));
}

function onUnits(list) {
  state.loaded = true;
  state.units = list.units;
  state.machine = list.machine;
  if (state.unit !== null) {
    const u = state.units.find(x => x.name === state.unit);
    const last = state.samples[state.samples.length - 1];
    if (u && (!last || Date.now() - Date.parse(last.at) >= 2000))
      state.samples.push({ at: new Date().toISOString(), tasks: u.tasksCurrent, memoryBytes: u.memoryCurrent });
    refreshProcesses(false);
  }
  render();
}

// The timeline shows the main and control processes' deaths, or every process's when asked: a
// service that runs short commands (date, sleep) would otherwise bury its main process's deaths.
function allDeaths() { return document.getElementById('all-deaths').checked; }

function onDeath(d) {
  const prev = state.lastDeaths[d.unit];
  if (d.role === 'main' && (!prev || prev.id < d.id)) state.lastDeaths[d.unit] = d;
  if (d.unit === state.unit && (allDeaths() || d.role !== 'process') && !state.deaths.some(x => x.id === d.id)) {
    state.deaths.unshift(d);
    refreshProcesses(true);
  }
  render();
}

function onNotice(n) {
  if (!state.notices.some(x => x.id === n.id)) state.notices.unshift(n);
  state.notices.length = Math.min(state.notices.length, 200);
  render();
}

function connect() {
  const live = document.getElementById('live');
  const es = new EventSource('/v1/stream');
  es.addEventListener('open', () => { live.textContent = 'live'; live.className = 'live on'; });
  es.addEventListener('error', () => { live.textContent = 'reconnecting…'; live.className = 'live off'; });
  es.addEventListener('units', e => onUnits(JSON.parse(e.data)));
  es.addEventListener('death', e => onDeath(JSON.parse(e.data)));
  es.addEventListener('notice', e => onNotice(JSON.parse(e.data)));
}

async function useToken(token) {
  state.token = token;
  if (token) sessionStorage.setItem('corral-token', token); else sessionStorage.removeItem('corral-token');
  const answer = await api('/v1/access').catch(e => ({ actions: false, reason: e.message }));
  state.canAct = answer.actions;
  const s = document.getElementById('token-state');
  s.textContent = token ? (answer.actions ? 'actions allowed' : answer.reason) : 'read-only';
  render();
}

document.addEventListener('DOMContentLoaded', async () => {
  document.getElementById('token-form').addEventListener('submit', e => {
    e.preventDefault();
    useToken(document.getElementById('token').value.trim());
  });
  window.addEventListener('hashchange', route);
  document.getElementById('all-deaths').addEventListener('change', () => {
    if (state.unit !== null) loadUnit(state.unit).then(render).catch(e => say(e.message));
  });
  setInterval(() => { if (state.unit === null) renderList(); }, 30000); // "… s ago" ages
  // The list is shown at once from the API, not when the live feed first speaks.
  try {
    const [units, latest, notices] = await Promise.all([api('/v1/units'), api('/v1/deaths/latest?role=main'), api('/v1/notices?limit=200')]);
    for (const d of latest.deaths) state.lastDeaths[d.unit] = d;
    state.notices = notices.notices;
    state.units = units.units;
    state.machine = units.machine;
    state.loaded = true;
  } catch (e) { say(e.message); }
  connect();
  await useToken(state.token);
  route();
});
