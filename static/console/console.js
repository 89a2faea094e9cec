// The kkt-emu console: live state from Server-Sent Events (GET /console/events), the fiscal
// archive from GET /v1/kkt/documents with each document's printed slip and QR code, and in mock
// mode the emulator's controls, all through the adapter's own /v1 routes. Plain browser
// JavaScript, no build step, no CDN: it must work with no internet access.

const TOKEN_KEY = 'kkt_api_token';
/** Documents the archive list loads: the newest ones. */
const ARCHIVE_WINDOW = 500;
const TYPE_NAMES = {
  1: 'registration',
  2: 'shift open',
  3: 'receipt',
  5: 'shift close',
  6: 'ФН closure',
  11: 're-registration',
  21: 'settlement report',
  31: 'correction',
};
const OPERATION_NAMES = { 1: 'sale', 2: 'refund', 3: 'purchase', 4: 'purchase refund' };

const $ = (selector) => document.querySelector(selector);
let state = null;
/** The countdown runs between pushes: the remaining seconds and when they were received. */
let countdown = null;
let documents = [];
let archiveKey = '';
let qrUrl = null;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'class') node.className = value;
    else if (key.startsWith('data-') || key.startsWith('aria-')) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) node.append(child);
  return node;
}

// ---- API access: the token, when the adapter has one, goes as `Authorization: Bearer`. ----

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** EventSource cannot send a header: the adapter reads the same token from this cookie (GET only). */
function setCookie(value) {
  // biome-ignore lint/suspicious/noDocumentCookie: EventSource needs a cookie; the Cookie Store API is not everywhere
  document.cookie = `${TOKEN_KEY}=${encodeURIComponent(value)}; path=/; SameSite=Strict`;
}

function askToken() {
  const dialog = $('#token-dialog');
  return new Promise((resolve) => {
    $('#token-form').addEventListener(
      'submit',
      () => {
        const value = $('#token-input').value.trim();
        sessionStorage.setItem(TOKEN_KEY, value);
        setCookie(value);
        resolve(value);
      },
      { once: true },
    );
    dialog.showModal();
  });
}

async function api(method, path, body, headers = {}) {
  const send = () => {
    const h = { ...headers };
    const t = token();
    if (t) h.authorization = `Bearer ${t}`;
    if (body !== undefined) h['content-type'] = 'application/json';
    return fetch(path, { method, headers: h, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  };
  let res = await send();
  if (res.status === 401) {
    await askToken();
    res = await send();
  }
  return res;
}

async function json(res) {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A fresh Idempotency-Key per click (getRandomValues works on plain http too, randomUUID does not). */
function newKey(prefix) {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `console-${prefix}-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

// ---- Results and problem+json errors of the controls. ----

function showResult(label, res, body) {
  const box = $('#result');
  box.dataset.status = String(res.status);
  box.dataset.code = body && typeof body === 'object' && body.code ? body.code : '';
  box.className = res.ok ? 'ok' : 'problem';
  const head = el('p', {}, el('strong', {}, label), ` → ${res.status} ${res.statusText}`);
  const parts = [head];
  if (!res.ok && body && typeof body === 'object') {
    parts.push(
      el(
        'p',
        { class: 'problem-line' },
        body.code ? el('code', { 'data-role': 'code' }, body.code) : '',
        ` ${body.title ?? ''}: ${body.detail ?? ''}`,
      ),
    );
    if (Array.isArray(body.errors))
      parts.push(el('ul', {}, ...body.errors.map((e) => el('li', {}, `${e.path} ${e.message}`))));
  }
  if (res.ok && body && typeof body === 'object' && body.receipt_id)
    parts.push(
      el(
        'p',
        {},
        'Receipt ',
        el('code', {}, body.receipt_id),
        ' — ',
        el('a', { href: `/inspect?q=${encodeURIComponent(body.receipt_id)}` }, 'its machine transitions'),
      ),
    );
  const details = el('details', {}, el('summary', {}, 'answer'), el('pre', {}, JSON.stringify(body, null, 2)));
  parts.push(details);
  box.replaceChildren(...parts);
}

async function act(label, method, path, body, headers) {
  try {
    const res = await api(method, path, body, headers);
    const answer = await json(res);
    showResult(label, res, answer);
    return { res, answer };
  } catch (error) {
    const box = $('#result');
    box.dataset.status = 'failed';
    box.className = 'problem';
    box.textContent = `${label}: ${error.message}`;
    return null;
  }
}

// ---- Live state. ----

const fmtTime = (iso) => (iso ? iso.replace('T', ' ').replace(/(\d\d:\d\d:\d\d).*$/, '$1') : '—');
/** To the minute: where the seconds do not matter and space is short. */
const fmtMinute = (iso) => (iso ? fmtTime(iso).slice(0, 16) : '—');
const rub = (n) => `${Number(n).toLocaleString('ru-RU', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ₽`;

function setField(name, text, tone) {
  const node = document.querySelector(`[data-field="${name}"]`);
  if (!node) return;
  node.textContent = text;
  node.title = text;
  if (tone) node.dataset.tone = tone;
  else delete node.dataset.tone;
}

function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h} h ${String(m).padStart(2, '0')} min ${String(s % 60).padStart(2, '0')} s`;
}

function renderCountdown() {
  const shift = state?.health.components.kkt.shift;
  if (!shift) return;
  if (shift.state === 'expired') setField('shift.countdown', 'expired: close the shift', 'bad');
  else if (shift.state !== 'opened' || countdown === null) setField('shift.countdown', '—');
  else {
    const left = countdown.seconds - (performance.now() - countdown.at) / 1000;
    setField('shift.countdown', duration(left), left < 3600 ? 'warn' : undefined);
  }
}

function applyState(next) {
  const before = state;
  state = next;
  const h = next.health;
  const kkt = h.components.kkt;
  document.body.dataset.mode = next.mode;
  $('#mode').textContent = next.mode === 'mock' ? 'mock mode (emulated ККТ)' : 'production mode';
  const health = $('#health');
  health.dataset.status = h.status;
  health.textContent = `health: ${h.status}`;
  const warnings = $('#warnings');
  warnings.hidden = h.warnings.length === 0;
  warnings.textContent = h.warnings.join(' · ');

  setField(
    'device.state',
    kkt.blocked_reason ? `${kkt.state} (${kkt.blocked_reason})` : kkt.state,
    kkt.state === 'blocked' ? 'bad' : undefined,
  );
  const faults = [kkt.faults.paper_out && 'paper out', kkt.faults.cover_open && 'cover open'].filter(Boolean);
  setField('device.faults', faults.length ? faults.join(', ') : 'none', faults.length ? 'bad' : undefined);
  setField('device.queued', String(kkt.queued));
  setField('device.datetime', fmtTime(kkt.datetime));
  $('#card-device').dataset.state = kkt.state;
  $('#card-device').dataset.paperOut = String(kkt.faults.paper_out);

  setField('shift.state', kkt.shift.state, kkt.shift.state === 'expired' ? 'bad' : undefined);
  setField('shift.number', kkt.shift.number ? String(kkt.shift.number) : '—');
  setField('shift.receipts', String(kkt.shift.receipts));
  setField('shift.opened_at', fmtMinute(kkt.shift.opened_at));
  $('#card-shift').dataset.state = kkt.shift.state;
  countdown = next.shift_remaining_s === null ? null : { seconds: next.shift_remaining_s, at: performance.now() };
  renderCountdown();

  const fn = kkt.fn;
  const daysLeft = (Date.parse(fn.valid_until) - Date.parse(kkt.datetime)) / 86_400_000;
  setField('fn.number', fn.number);
  setField(
    'fn.valid_until',
    `${fmtTime(fn.valid_until).slice(0, 10)}, ${Math.floor(daysLeft)} d`,
    daysLeft < 30 ? 'warn' : undefined,
  );
  const fill = fn.capacity > 0 ? fn.last_fiscal_doc_number / fn.capacity : 0;
  setField('fn.fill', `${fn.last_fiscal_doc_number} of ${fn.capacity}`, fill > 0.9 ? 'warn' : undefined);
  $('#fn-fill').value = fill;
  $('#fn-fill').title = `${(100 * fill).toFixed(2)} % of the ФН's documents used`;
  setField('fn.unsent', fn.unsent_count > 0 ? `${fn.unsent_count} since ${fmtMinute(fn.oldest_unsent_at)}` : 'none');

  setField('cash.balance', rub(kkt.cash_balance));

  const b = h.components.buffer;
  setField('buffer.pending', String(b.pending), b.alert ? 'warn' : undefined);
  setField('buffer.synced', String(b.synced));
  setField('buffer.failed', String(b.failed), b.failed > 0 ? 'warn' : undefined);
  setField('buffer.percent', `${b.percent_full} % of ${b.capacity}`, b.blocked ? 'bad' : undefined);

  const br = h.components.circuit_breaker;
  setField('breaker.state', `${br.state} (${br.failure_count} failures)`, br.state === 'CLOSED' ? undefined : 'bad');
  $('#card-ofd').dataset.breaker = br.state;
  const ofd = h.components.ofd;
  setField('ofd.status', ofd.status);
  setField('ofd.worker', ofd.worker);
  setField('ofd.last_success_at', fmtMinute(ofd.last_success_at));
  setField(
    'ofd.last_error',
    ofd.last_error ? `${ofd.last_error.message}` : 'none',
    ofd.last_error ? 'warn' : undefined,
  );

  const hb = h.components.heartbeat;
  setField('heartbeat.state', hb.state, hb.state === 'offline' ? 'warn' : undefined);
  setField('heartbeat.beats', hb.beats === undefined ? '—' : String(hb.beats));
  setField('heartbeat.last_ok_at', fmtMinute(hb.last_ok_at));

  const controls = $('#controls');
  controls.hidden = !next.controls.emulator;
  $('#ofd-faults').hidden = !next.controls.ofd_faults;
  // The checkboxes follow the device, unless the person is about to click one.
  for (const [id, value] of [
    ['#paper-out', kkt.faults.paper_out],
    ['#cover-open', kkt.faults.cover_open],
  ]) {
    const box = $(id);
    if (document.activeElement !== box) box.checked = value;
  }

  drawChart(next.chart);

  // The archive changes with every document and with every ОФД confirmation.
  const key = `${fn.number}/${fn.last_fiscal_doc_number}/${fn.first_unsent_number}`;
  if (!before || key !== archiveKey) {
    archiveKey = key;
    loadArchive(fn.last_fiscal_doc_number);
  }
}

function connect() {
  const source = new EventSource('/console/events');
  const setConn = (value, text) => {
    document.body.dataset.conn = value;
    $('#conn').textContent = text;
  };
  source.onopen = () => setConn('live', 'live');
  source.onerror = () => setConn('reconnecting', 'reconnecting…');
  source.addEventListener('state', (event) => {
    setConn('live', 'live');
    applyState(JSON.parse(event.data));
    document.body.dataset.ready = 'true';
  });
  source.addEventListener('failure', (event) => {
    setConn('reconnecting', `state unavailable: ${JSON.parse(event.data).detail}`);
  });
}

// ---- The chart: receipts per minute as bars, pending as a line, over the last 60 minutes. ----

/** The SVG namespace: a name, never fetched (the no-external-URL test allows exactly this one). */
const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

function drawChart(minutes) {
  const chart = $('#chart');
  const W = 900;
  const H = 170;
  const left = 36;
  const bottom = 150;
  const top = 10;
  const width = W - left - 10;
  const nowMinute = Math.floor(Date.now() / 60_000) * 60_000;
  const start = nowMinute - 59 * 60_000;
  const maxReceipts = Math.max(1, ...minutes.map((m) => m.receipts));
  const maxPending = Math.max(1, ...minutes.map((m) => m.pending_max));
  const x = (at) => left + ((at - start) / 60_000) * (width / 60);
  const nodes = [
    svg('line', { x1: left, y1: bottom, x2: W - 10, y2: bottom, class: 'axis' }),
    svg('line', { x1: left, y1: top, x2: left, y2: bottom, class: 'axis' }),
  ];
  const label = (text, attrs) => {
    const t = svg('text', attrs);
    t.textContent = text;
    return t;
  };
  nodes.push(label(String(maxReceipts), { x: left - 4, y: top + 8, 'text-anchor': 'end', class: 'tick' }));
  nodes.push(label('0', { x: left - 4, y: bottom, 'text-anchor': 'end', class: 'tick' }));
  nodes.push(label('−60 min', { x: left, y: H - 2, class: 'tick' }));
  nodes.push(label('now', { x: W - 10, y: H - 2, 'text-anchor': 'end', class: 'tick' }));
  nodes.push(label(`line: pending, top = ${maxPending}`, { x: left + 6, y: top + 8, class: 'tick pending-label' }));
  const barWidth = Math.max(1, width / 60 - 2);
  for (const m of minutes) {
    if (m.at < start) continue;
    const h = ((bottom - top) * m.receipts) / maxReceipts;
    const bar = svg('rect', { x: x(m.at) + 1, y: bottom - h, width: barWidth, height: h, class: 'bar' });
    const title = svg('title', {});
    title.textContent = `${new Date(m.at).toLocaleTimeString()}: ${m.receipts} receipts, ${m.pending} pending`;
    bar.append(title);
    nodes.push(bar);
  }
  const points = minutes
    .filter((m) => m.at >= start)
    .map(
      (m) =>
        `${(x(m.at) + barWidth / 2 + 1).toFixed(1)},${(bottom - ((bottom - top) * m.pending) / maxPending).toFixed(1)}`,
    );
  if (points.length > 0) nodes.push(svg('polyline', { points: points.join(' '), class: 'pending' }));
  chart.replaceChildren(chart.querySelector('title'), ...nodes);
  const total = minutes.reduce((sum, m) => sum + m.receipts, 0);
  const last = minutes[minutes.length - 1];
  $('#chart-summary').textContent =
    `Last hour: ${total} receipts, at most ${maxReceipts === 1 && total === 0 ? 0 : maxReceipts} a minute; ` +
    `${last ? last.pending : 0} pending now. Kept in memory since the adapter started.`;
  chart.dataset.receipts = String(total);
}

// ---- The archive. ----

async function loadArchive(lastNumber) {
  const from = Math.max(1, lastNumber - ARCHIVE_WINDOW + 1);
  const res = await api('GET', `/v1/kkt/documents?from=${from}&limit=${ARCHIVE_WINDOW}`);
  if (!res.ok) {
    $('#archive-count').textContent = `archive unavailable: ${res.status}`;
    return;
  }
  const body = await res.json();
  documents = body.documents.reverse();
  renderArchive();
}

function matchesFilters(doc) {
  const type = $('#filter-type').value;
  const shift = $('#filter-shift').value;
  const sync = $('#filter-sync').value;
  if (type !== '' && String(doc.type) !== type) return false;
  if (shift !== '' && String(doc.fns.shiftNumber ?? '') !== shift) return false;
  if (sync === 'confirmed' && !doc.ofd_confirmed) return false;
  if (sync === 'unconfirmed' && doc.ofd_confirmed) return false;
  return true;
}

function typeLabel(doc) {
  const name = TYPE_NAMES[doc.type] ?? `type ${doc.type}`;
  const op = OPERATION_NAMES[doc.fns.operationType];
  return op ? `${name}: ${op}` : name;
}

function renderArchive() {
  const body = $('#documents tbody');
  const shown = documents.filter(matchesFilters);
  const rows = shown.map((doc) => {
    const open = el('button', { type: 'button', class: 'link' }, 'slip');
    open.setAttribute('aria-label', `open the slip of document ${doc.number}`);
    open.addEventListener('click', () => openSlip(doc.number));
    return el(
      'tr',
      { 'data-number': String(doc.number), 'data-type': String(doc.type), 'data-synced': String(doc.ofd_confirmed) },
      el('td', {}, String(doc.number)),
      el('td', {}, typeLabel(doc)),
      el('td', {}, fmtTime(doc.fns.dateTime)),
      el('td', {}, doc.fns.shiftNumber === undefined ? '—' : String(doc.fns.shiftNumber)),
      el('td', { class: 'num' }, doc.fns.totalSum === undefined ? '' : rub(doc.fns.totalSum / 100)),
      el('td', {}, doc.ofd_confirmed ? 'confirmed' : 'pending'),
      el('td', {}, open),
    );
  });
  body.replaceChildren(...rows);
  $('#archive-count').textContent = `${shown.length} of the latest ${documents.length} documents`;
  const current = $('#slip').dataset.number;
  for (const row of body.rows) row.classList.toggle('selected', row.dataset.number === current);
}

/** The slip as the register prints it (HTML), and the QR code as an image, both read with the token. */
async function openSlip(number) {
  const panel = $('#slip');
  panel.dataset.number = String(number);
  panel.dataset.slip = 'loading';
  $('#slip-title').textContent = `Printed slip of document ${number}`;
  $('#slip-hint').hidden = true;
  for (const row of $('#documents tbody').rows) row.classList.toggle('selected', row.dataset.number === String(number));
  const base = `/v1/kkt/documents/${number}`;
  const frame = $('#slip-frame');
  const width = $('#slip-width').value;
  const slipUrl = `${base}/slip?format=html${width === '48' ? '' : `&width=${width}`}`;
  frame.dataset.src = slipUrl;
  $('#slip-links').replaceChildren(
    el('a', { href: `${base}/slip`, target: '_blank' }, 'plain text'),
    ' · ',
    el('a', { href: `${base}`, target: '_blank' }, 'JSON'),
    ' · ',
    el('a', { href: `/inspect?doc=${number}` }, 'machine transitions'),
  );
  const [slip, qr] = await Promise.all([api('GET', slipUrl), api('GET', `${base}/qr.svg`)]);
  frame.hidden = false;
  if (slip.ok) {
    frame.srcdoc = await slip.text();
    panel.dataset.slip = 'loaded';
  } else {
    const problem = await json(slip);
    frame.srcdoc = `<p style="font-family:sans-serif">The slip is not available: ${slip.status} ${
      typeof problem === 'object' ? String(problem.detail ?? '').replace(/</g, '&lt;') : ''
    }</p>`;
    panel.dataset.slip = `failed-${slip.status}`;
  }
  if (qrUrl) URL.revokeObjectURL(qrUrl);
  qrUrl = null;
  if (qr.ok) {
    qrUrl = URL.createObjectURL(await qr.blob());
    $('#slip-qr').src = qrUrl;
    $('#slip-qr-box').hidden = false;
    panel.dataset.qr = 'loaded';
  } else {
    $('#slip-qr-box').hidden = true;
    panel.dataset.qr = `none-${qr.status}`;
  }
}

// ---- Controls. ----

function amount(id) {
  return Number($(id).value);
}

function wireControls() {
  const faults = (field) => async (event) => {
    await act(`${field} = ${event.target.checked}`, 'PUT', '/v1/_emulator/faults', { [field]: event.target.checked });
  };
  $('#paper-out').addEventListener('change', faults('paper_out'));
  $('#cover-open').addEventListener('change', faults('cover_open'));
  $('#clock-forward').addEventListener('click', () =>
    act(`clock +${$('#clock-hours').value} h`, 'POST', '/v1/_emulator/clock', {
      advance_seconds: Math.round(amount('#clock-hours') * 3600),
    }),
  );
  $('#ofd-apply').addEventListener('click', () =>
    act('ОФД faults', 'PUT', '/v1/_emulator/ofd/faults', {
      permanent_failure: $('#ofd-permanent').checked,
      failure_count: Math.round(amount('#ofd-failures')),
      latency_ms: Math.round(amount('#ofd-latency')),
    }),
  );
  $('#ofd-clear').addEventListener('click', () => {
    $('#ofd-permanent').checked = false;
    $('#ofd-failures').value = '0';
    $('#ofd-latency').value = '0';
    act('ОФД faults cleared', 'PUT', '/v1/_emulator/ofd/faults', {});
  });
  $('#ofd-sync').addEventListener('click', () => act('sync now', 'POST', '/v1/kkt/buffer/sync'));
  $('#shift-open').addEventListener('click', () => act('open shift', 'POST', '/v1/kkt/shift/open'));
  $('#shift-close').addEventListener('click', () => act('close shift', 'POST', '/v1/kkt/shift/close'));
  $('#report-x').addEventListener('click', () => act('X report', 'POST', '/v1/kkt/report/x'));
  $('#report-settlement').addEventListener('click', () =>
    act('settlement report', 'POST', '/v1/kkt/report/settlement'),
  );
  for (const kind of ['in', 'out'])
    $(`#cash-${kind}`).addEventListener('click', () =>
      act(
        `cash ${kind}`,
        'POST',
        `/v1/kkt/cash/${kind}`,
        { amount: amount('#cash-amount') },
        {
          'idempotency-key': newKey(`cash-${kind}`),
        },
      ),
    );
  $('#sale-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const price = amount('#sale-price');
    const quantity = amount('#sale-quantity');
    const total = Math.round(price * quantity * 100) / 100;
    act(
      'test sale',
      'POST',
      '/v1/kkt/receipt',
      {
        pos_id: 'console',
        type: 'sale',
        items: [
          {
            name: $('#sale-name').value,
            price,
            quantity,
            vat_rate: 22,
            payment_method: 'full_payment',
            payment_object: 'commodity',
          },
        ],
        payments: [{ type: $('#sale-payment').value, amount: total }],
        taxation_type: 'osn',
      },
      { 'idempotency-key': newKey('sale') },
    );
  });
  $('#filters').addEventListener('input', renderArchive);
  $('#slip-width').addEventListener('change', () => {
    const number = $('#slip').dataset.number;
    if (number) openSlip(Number(number));
  });
  $('#filters').addEventListener('submit', (event) => event.preventDefault());
}

async function main() {
  wireControls();
  // One authorised call first, so the token is asked for (and its cookie set) before the stream opens.
  const t = token();
  if (t) setCookie(t);
  const res = await api('GET', '/v1/kkt/status');
  if (!res.ok) throw new Error(`GET /v1/kkt/status answered ${res.status}`);
  connect();
  setInterval(renderCountdown, 1000);
}

main().catch((error) => {
  document.body.dataset.ready = 'failed';
  $('#conn').textContent = `failed: ${error.message}`;
});
