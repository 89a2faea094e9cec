// The kkt-emu inspector page: one panel per machine with its diagram (SVG drawn by the server),
// active states highlighted live from Server-Sent Events, and an event log with a filter.
// Plain browser JavaScript, no build step, no CDN: it must work with no internet access.

const MAX_ROWS = 500;

/** @type {Map<string, {el: HTMLElement, diagram: HTMLElement, stateText: HTMLElement, eventText: HTMLElement, statusText: HTMLElement, nodes: Map<string, Element>, view: any}>} */
const panels = new Map();
let lastSeq = 0;
let filterText = '';

const $ = (selector) => document.querySelector(selector);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'class') node.className = value;
    else if (key.startsWith('data-')) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) node.append(child);
  return node;
}

function createPanel(machine) {
  const stateText = el('code', { 'data-role': 'state' }, '—');
  const eventText = el('span', { class: 'muted', 'data-role': 'event' });
  const statusText = el('span', { class: 'status', 'data-role': 'status' }, 'no actor');
  const diagram = el('div', { class: 'diagram', 'data-role': 'diagram' }, 'drawing…');
  const section = el(
    'section',
    { class: 'machine', 'data-machine': machine.id, 'data-state': '', 'data-status': 'absent', 'data-svg': 'loading' },
    el('header', {}, el('h2', {}, machine.title), el('code', {}, machine.id), statusText),
    el('p', { class: 'now' }, 'state ', stateText, ' ', eventText),
    diagram,
  );
  $('#machines').append(section);
  panels.set(machine.id, { el: section, diagram, stateText, eventText, statusText, nodes: new Map(), view: null });
}

async function loadDiagram(machine) {
  const panel = panels.get(machine.id);
  try {
    const res = await fetch(machine.svg);
    if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
    const text = await res.text();
    // Our own server drew it; drop the XML prolog so it can sit inside the page.
    panel.diagram.innerHTML = text.slice(Math.max(0, text.indexOf('<svg')));
    // A wide diagram gets the whole row, or its labels become unreadable.
    const box = panel.diagram.querySelector('svg')?.viewBox?.baseVal;
    if (box && box.height > 0 && box.width / box.height > 1.6) panel.el.classList.add('wide');
    for (const node of panel.diagram.querySelectorAll('[data-state-id]')) {
      panel.nodes.set(node.getAttribute('data-state-id'), node);
    }
    panel.el.dataset.svg = 'loaded';
    highlight(panel);
  } catch (error) {
    panel.diagram.textContent = `diagram unavailable: ${error.message}`;
    panel.el.dataset.svg = 'failed';
  }
}

function applyView(view) {
  const panel = panels.get(view.machine);
  if (!panel) return;
  panel.view = view;
  const { dataset } = panel.el;
  dataset.state = view.state;
  dataset.status = view.status;
  dataset.active = view.active.join(' ');
  dataset.session = view.sessionId;
  panel.stateText.textContent = view.state || '—';
  panel.statusText.textContent = view.status;
  panel.eventText.textContent = view.event ? `after ${view.event}` : '';
  highlight(panel);
}

function highlight(panel) {
  const active = new Set(panel.view ? panel.view.active : []);
  for (const [id, node] of panel.nodes) node.classList.toggle('active', active.has(id));
}

function timeOf(ms) {
  const d = new Date(ms);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** The leaves that changed: `printer.ready → printer.printing`; the full states are in the tooltip. */
function changeOf(entry) {
  const from = entry.from ? entry.from.split(' ') : [];
  const to = entry.to ? entry.to.split(' ') : [];
  const left = from.filter((s) => !to.includes(s));
  const right = to.filter((s) => !from.includes(s));
  if (left.length === 0 && right.length === 0) return { text: `= ${entry.to}`, same: true };
  return { text: `${left.join(' ') || '∅'} → ${right.join(' ')}`, same: false };
}

function matches(row) {
  return filterText === '' || row.dataset.search.includes(filterText);
}

function addLog(entries) {
  const body = $('#log tbody');
  const fragment = document.createDocumentFragment();
  for (const entry of entries) {
    if (entry.seq <= lastSeq) continue;
    lastSeq = entry.seq;
    const change = changeOf(entry);
    const row = el(
      'tr',
      { 'data-machine': entry.machine, 'data-event': entry.event, 'data-seq': String(entry.seq) },
      el('td', {}, timeOf(entry.at)),
      el('td', {}, entry.machine),
      el('td', {}, entry.event),
      el('td', { class: 'change', title: `${entry.from} → ${entry.to}` }, change.text),
    );
    if (change.same) row.classList.add('same');
    row.dataset.search = `${entry.machine} ${entry.event} ${entry.from} ${entry.to}`.toLowerCase();
    row.hidden = !matches(row);
    fragment.prepend(row);
  }
  body.prepend(fragment);
  while (body.rows.length > MAX_ROWS) body.deleteRow(-1);
  $('#log-count').textContent = `${body.rows.length} shown of the latest ${MAX_ROWS}`;
}

function showStats(stats) {
  if (!stats) return;
  $('#stats').textContent = stats.dropped > 0 ? `${stats.dropped} updates dropped (slow connection)` : '';
}

function connect() {
  const source = new EventSource('/inspect/events');
  const setConn = (state, text) => {
    document.body.dataset.conn = state;
    $('#conn').textContent = text;
  };
  source.onopen = () => setConn('live', 'live');
  source.onerror = () => setConn('reconnecting', 'reconnecting…');
  source.addEventListener('snapshot', (event) => {
    const data = JSON.parse(event.data);
    // A snapshot replaces everything: after a reconnect or after updates were dropped.
    lastSeq = 0;
    $('#log tbody').replaceChildren();
    for (const view of data.states) applyView(view);
    addLog(data.log);
    showStats(data.stats);
    setConn('live', 'live');
  });
  source.addEventListener('state', (event) => {
    for (const view of JSON.parse(event.data)) applyView(view);
  });
  source.addEventListener('log', (event) => addLog(JSON.parse(event.data).entries));
}

function watchFilter() {
  $('#log-filter').addEventListener('input', (event) => {
    filterText = event.target.value.trim().toLowerCase();
    for (const row of $('#log tbody').rows) row.hidden = !matches(row);
  });
}

/**
 * With KKT_API_TOKEN set the inspector's data needs the token. EventSource cannot send a header,
 * so the page asks once and keeps it in a SameSite=Strict cookie the adapter reads on GET only.
 */
async function fetchMachines() {
  let res = await fetch('/inspect/machines');
  if (res.status === 401) {
    const token = window.prompt('This adapter needs its API token (KKT_API_TOKEN):');
    if (!token) throw new Error('the API token is needed');
    // biome-ignore lint/suspicious/noDocumentCookie: EventSource needs a cookie; the Cookie Store API is not everywhere
    document.cookie = `kkt_api_token=${encodeURIComponent(token)}; path=/; SameSite=Strict`;
    res = await fetch('/inspect/machines');
  }
  if (!res.ok) throw new Error(`GET /inspect/machines answered ${res.status}`);
  return res;
}

async function main() {
  watchFilter();
  const res = await fetchMachines();
  const { machines } = await res.json();
  for (const machine of machines) createPanel(machine);
  for (const machine of machines) if (machine.actor) applyView(machine.actor);
  connect();
  await Promise.all(machines.map(loadDiagram));
  document.body.dataset.ready = 'true';
}

main().catch((error) => {
  document.body.dataset.ready = 'failed';
  $('#conn').textContent = `failed: ${error.message}`;
});
