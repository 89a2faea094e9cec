// The kkt-emu inspector page: one panel per machine with its diagram (SVG drawn by the server),
// active states highlighted live from Server-Sent Events, the actor's context, an event log with
// the events' payloads and a filter, and in mock mode a form to send the device's and the
// breaker's documented events.
// Plain browser JavaScript, no build step, no CDN: it must work with no internet access.

const MAX_ROWS = 500;

/** @type {Map<string, {el: HTMLElement, diagram: HTMLElement, stateText: HTMLElement, eventText: HTMLElement, statusText: HTMLElement, context: HTMLElement, open: Set<string>, nodes: Map<string, Element>, view: any}>} */
const panels = new Map();
let lastSeq = 0;
let filterText = '';

const $ = (selector) => document.querySelector(selector);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'class') node.className = value;
    else if (key.startsWith('data-') || key.startsWith('aria-') || key === 'role') node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) node.append(child);
  return node;
}

/** Values longer than this (as JSON) are folded into a <details>; shorter ones stay on one line. */
const INLINE_CHARS = 72;

/**
 * A JSON value as a tree of <details>: small values inline, large objects and arrays folded,
 * except the top level. `open` remembers what the person unfolded across live updates.
 */
function renderJson(value, path, open, depth = 0) {
  if (value === null || typeof value !== 'object') {
    return el('code', { class: `json ${value === null ? 'null' : typeof value}` }, JSON.stringify(value));
  }
  const text = JSON.stringify(value);
  if (text.length <= INLINE_CHARS) return el('code', { class: 'json' }, text);
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  const list = el('ul', { class: 'json-tree' });
  for (const [key, v] of entries) {
    list.append(
      el('li', {}, el('span', { class: 'json-key' }, `${key}: `), renderJson(v, `${path}.${key}`, open, depth + 1)),
    );
  }
  if (depth === 0) return list;
  const details = el(
    'details',
    { 'data-path': path },
    el('summary', {}, Array.isArray(value) ? `[${value.length} items]` : `{${entries.length} keys}`),
    list,
  );
  details.open = open.has(path);
  details.addEventListener('toggle', () => (details.open ? open.add(path) : open.delete(path)));
  return details;
}

function createPanel(machine) {
  const stateText = el('code', { 'data-role': 'state' }, '—');
  const eventText = el('span', { class: 'muted', 'data-role': 'event' });
  const statusText = el('span', { class: 'status', 'data-role': 'status' }, 'no actor');
  const diagram = el('div', { class: 'diagram', 'data-role': 'diagram' }, 'drawing…');
  const context = el('div', { class: 'context-body', 'data-role': 'context' }, '—');
  const section = el(
    'section',
    { class: 'machine', 'data-machine': machine.id, 'data-state': '', 'data-status': 'absent', 'data-svg': 'loading' },
    el('header', {}, el('h2', {}, machine.title), el('code', {}, machine.id), statusText),
    el('p', { class: 'now' }, 'state ', stateText, ' ', eventText),
    diagram,
    el('details', { class: 'context' }, el('summary', {}, 'context'), context),
  );
  if (machine.events && machine.events.length > 0) section.append(sendForm(machine));
  $('#machines').append(section);
  panels.set(machine.id, {
    el: section,
    diagram,
    stateText,
    eventText,
    statusText,
    context,
    open: new Set(),
    nodes: new Map(),
    view: null,
  });
}

/** Mock mode: send one of the machine's documented events, with its payload as JSON. */
function sendForm(machine) {
  const id = (name) => `${machine.id}-${name}`;
  const select = el('select', { id: id('event-type') });
  for (const event of machine.events) select.append(el('option', { value: event.type }, event.type));
  const payload = el('textarea', { id: id('event-payload'), rows: 2, spellcheck: false });
  const hint = el('span', { class: 'muted' });
  const result = el('p', { class: 'send-result', role: 'status', 'data-role': 'send-result' });
  const pick = () => {
    const event = machine.events.find((e) => e.type === select.value);
    payload.value = JSON.stringify(event.example);
    hint.textContent = event.description;
  };
  select.addEventListener('change', pick);
  pick();
  const form = el(
    'form',
    { class: 'send', 'data-role': 'send' },
    el('label', { htmlFor: id('event-type') }, 'Event'),
    select,
    el('label', { htmlFor: id('event-payload') }, 'Payload (JSON)'),
    payload,
    el('button', { type: 'submit' }, 'Send event'),
    hint,
    result,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    let body;
    try {
      body = { ...JSON.parse(payload.value || '{}'), type: select.value };
    } catch (error) {
      result.textContent = `the payload is not JSON: ${error.message}`;
      result.dataset.status = 'invalid';
      return;
    }
    const headers = { 'content-type': 'application/json' };
    const token = sessionStorage.getItem('kkt_api_token');
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`/inspect/machines/${encodeURIComponent(machine.id)}/events`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
    });
    const answer = await res.json().catch(() => ({}));
    result.dataset.status = String(res.status);
    result.textContent = res.ok ? `sent ${body.type}` : `${res.status} ${answer.code ?? ''}: ${answer.detail ?? ''}`;
  });
  return el('details', { class: 'send-box' }, el('summary', {}, 'send an event (mock mode)'), form);
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
  panel.context.replaceChildren(renderJson(view.context ?? null, view.machine, panel.open));
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
    const data = entry.data === null || entry.data === undefined ? '' : JSON.stringify(entry.data);
    const refs = entry.refs ?? { requests: [], keys: [], docs: [] };
    const row = el(
      'tr',
      { 'data-machine': entry.machine, 'data-event': entry.event, 'data-seq': String(entry.seq) },
      el('td', {}, timeOf(entry.at)),
      el('td', {}, entry.machine),
      el('td', {}, entry.event),
      el('td', { class: 'change', title: `${entry.from} → ${entry.to}` }, change.text),
      el('td', { class: 'data' }, data === '' ? '' : payloadCell(entry.data, data)),
    );
    if (change.same) row.classList.add('same');
    if (refs.docs.length > 0) row.dataset.docs = refs.docs.join(' ');
    // `[doc:5]` and `[receipt:<id>]` tokens let the console link straight to a document's transitions.
    const tokens = [
      ...refs.docs.map((n) => `[doc:${n}]`),
      ...refs.requests.map((r) => `[receipt:${r}]`),
      ...refs.keys.map((k) => `[key:${k}]`),
    ];
    row.dataset.search =
      `${entry.machine} ${entry.event} ${entry.from} ${entry.to} ${tokens.join(' ')} ${data}`.toLowerCase();
    row.hidden = !matches(row);
    fragment.prepend(row);
  }
  body.prepend(fragment);
  while (body.rows.length > MAX_ROWS) body.deleteRow(-1);
  $('#log-count').textContent = `${body.rows.length} shown of the latest ${MAX_ROWS}`;
}

/** A payload: its first characters, unfolded on demand into the whole tree. */
function payloadCell(value, text) {
  const summary = text.length > 60 ? `${text.slice(0, 60)}…` : text;
  return el('details', {}, el('summary', {}, el('code', {}, summary)), renderJson(value, 'log', new Set()));
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

function applyFilter(text) {
  filterText = text.trim().toLowerCase();
  for (const row of $('#log tbody').rows) row.hidden = !matches(row);
}

/** `?q=<text>` (a receipt id, a key, any text) or `?doc=<number>` from the console's links. */
function watchFilter() {
  const input = $('#log-filter');
  input.addEventListener('input', (event) => applyFilter(event.target.value));
  const params = new URLSearchParams(window.location.search);
  const doc = params.get('doc');
  const initial = doc !== null && /^\d+$/.test(doc) ? `[doc:${doc}]` : (params.get('q') ?? '');
  if (initial !== '') {
    input.value = initial;
    applyFilter(initial);
  }
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
    // For the POSTs of "send an event", which the cookie does not authorise.
    sessionStorage.setItem('kkt_api_token', token);
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
