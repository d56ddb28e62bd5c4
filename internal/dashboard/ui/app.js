// The oppstages dashboard. It calls only the admin API (/__admin/...), so everything it
// does can be scripted with curl too. Every value that comes from a request is written
// with textContent, never as HTML.
//
// The journal is polled once a second rather than streamed: EventSource cannot send an
// Authorization header, and the admin token must stay out of URLs and cookies. Polling
// with ?after=<last entry id> fetches only what is new.
'use strict';

const TOKEN_KEY = 'oppstages.adminToken';
const POLL_MS = 1000;
const FULL_REFRESH_EVERY = 10; // polls; picks up clears and resets made elsewhere
const MAX_ROWS = 500;
const MAX_STAGE_ROWS = 500;

const state = {
  token: sessionStorage.getItem(TOKEN_KEY) || '',
  sandbox: '',
  entries: [], // oldest first
  seen: new Set(),
  lastTime: '',
  lastID: 0,
  selected: null,
  polls: 0,
  timer: null,
  busy: false,
  settingsDirty: false,
  settingsGen: 0, // bumped by every change made here, so late answers can be told apart
  journalGrew: false, // new entries since the client report was last read
};

const $ = (id) => document.getElementById(id);

class AuthError extends Error {}

async function api(method, path, body) {
  const headers = {};
  if (state.token) headers.Authorization = 'Bearer ' + state.token;
  if (state.sandbox) headers['X-Mock-Sandbox'] = state.sandbox;
  const init = { method, headers, cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  if (res.status === 401) {
    showLogin(state.token ? 'The admin token was refused.' : '');
    throw new AuthError('unauthorized');
  }
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (_) { /* not JSON */ }
  if (!res.ok) {
    throw new Error((json && json.error) || (res.status + ' ' + text.slice(0, 200)));
  }
  return json;
}

// ---- login -------------------------------------------------------------------------

function showLogin(message) {
  stopPolling();
  $('app').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message || '';
  $('token').focus();
}

async function start() {
  try {
    await api('GET', '/__admin/health');
  } catch (e) {
    if (!(e instanceof AuthError)) setStatus('cannot reach the admin API: ' + e.message);
    return;
  }
  $('login').hidden = true;
  $('app').hidden = false;
  await refreshAll();
  startPolling();
}

$('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  state.token = $('token').value;
  sessionStorage.setItem(TOKEN_KEY, state.token);
  $('token').value = '';
  await start();
});

// ---- polling -----------------------------------------------------------------------

function startPolling() {
  stopPolling();
  state.timer = setInterval(poll, POLL_MS);
}

function stopPolling() {
  if (state.timer) clearInterval(state.timer);
  state.timer = null;
}

async function poll() {
  if (state.busy) return;
  state.busy = true;
  try {
    state.polls++;
    if (state.polls % FULL_REFRESH_EVERY === 0) {
      await refreshAll();
    } else {
      const wrote = await refreshJournal(false);
      await refreshFaults();
      if (wrote) await refreshStages();
      if (state.journalGrew) await refreshReport();
      if (!state.settingsDirty) await refreshSettings();
    }
    setStatus('live · ' + new Date().toLocaleTimeString());
  } catch (e) {
    if (!(e instanceof AuthError)) setStatus('error: ' + e.message);
  } finally {
    state.busy = false;
  }
}

async function refreshAll() {
  await Promise.all([refreshJournal(true), refreshFaults(), refreshStages(), refreshSandboxes(),
    state.settingsDirty ? null : refreshSettings()]);
  await refreshReport(); // after the journal: its entries open from the report
}

function setStatus(text) { $('status').textContent = text; }

// ---- sandboxes ---------------------------------------------------------------------

async function refreshSandboxes() {
  let doc;
  try { doc = await api('GET', '/__admin/sandboxes'); } catch (e) { if (e instanceof AuthError) throw e; return; }
  const list = $('sandboxes');
  list.replaceChildren();
  for (const s of (doc && doc.sandboxes) || []) {
    const opt = document.createElement('option');
    opt.value = s.name;
    list.appendChild(opt);
  }
}

$('sandbox').addEventListener('change', async () => {
  state.sandbox = $('sandbox').value.trim();
  resetJournalView();
  state.settingsDirty = false;
  state.settingsGen++;
  try { await refreshAll(); } catch (e) { if (!(e instanceof AuthError)) setStatus('error: ' + e.message); }
});

// ---- journal -----------------------------------------------------------------------

function entryKey(e) {
  if (e.id !== undefined) return 'id:' + e.id;
  return [e.time, e.method, e.path, e.query, e.status, e.durationMs].join('|');
}

function resetJournalView() {
  state.entries = [];
  state.seen = new Set();
  state.lastTime = '';
  state.lastID = 0;
  state.selected = null;
  $('detail').hidden = true;
}

// refreshJournal fetches new entries (or all of them) and reports whether any of the new
// ones changed the sandbox's stages.
async function refreshJournal(full) {
  let path = '/__admin/requests';
  if (!full && state.lastID) path += '?after=' + state.lastID;
  else if (!full && state.lastTime) path += '?since=' + encodeURIComponent(state.lastTime);
  const doc = await api('GET', path);
  const got = (doc && doc.requests) || [];
  if (full) {
    const before = state.entries.length;
    const lastKey = before ? entryKey(state.entries[before - 1]) : '';
    resetJournalView();
    state.selected = null;
    const changed = got.length !== before || (got.length && entryKey(got[got.length - 1]) !== lastKey);
    addEntries(got);
    renderJournal();
    $('journal-count').textContent = doc && doc.evicted ? '(' + doc.evicted + ' older evicted)' : '';
    return changed;
  }
  const fresh = addEntries(got);
  if (fresh.length) renderJournal();
  return fresh.some(isWrite);
}

function addEntries(list) {
  const fresh = [];
  for (const e of list) {
    const k = entryKey(e);
    if (state.seen.has(k)) continue;
    state.seen.add(k);
    state.entries.push(e);
    fresh.push(e);
    if (e.time) state.lastTime = e.time;
    if (typeof e.id === 'number' && e.id > state.lastID) state.lastID = e.id;
  }
  if (fresh.length) state.journalGrew = true;
  if (state.entries.length > MAX_ROWS * 2) {
    const dropped = state.entries.splice(0, state.entries.length - MAX_ROWS);
    for (const e of dropped) state.seen.delete(entryKey(e));
  }
  return fresh;
}

function isWrite(e) {
  return ['POST', 'PATCH', 'PUT', 'DELETE'].includes(e.method) && e.status >= 200 && e.status < 300;
}

function renderJournal() {
  const body = $('journal-table').tBodies[0];
  const rows = [];
  for (let i = state.entries.length - 1; i >= 0 && rows.length < MAX_ROWS; i--) {
    const e = state.entries[i];
    const tr = document.createElement('tr');
    tr.dataset.key = entryKey(e);
    if (state.selected === tr.dataset.key) tr.classList.add('selected');
    cell(tr, e.time ? new Date(e.time).toLocaleTimeString() : '');
    cell(tr, e.method);
    cell(tr, e.path + (e.query ? '?' + e.query : ''), 'wrap path');
    cell(tr, e.status === 0 ? 'dropped' : String(e.status), 'status s' + String(e.status || 0)[0]);
    cell(tr, e.durationMs !== undefined ? String(e.durationMs) : '');
    cell(tr, e.fault || '');
    tr.addEventListener('click', () => showDetail(e, tr));
    rows.push(tr);
  }
  body.replaceChildren(...rows);
}

function cell(tr, text, cls) {
  const td = document.createElement('td');
  td.textContent = text;
  if (cls) td.className = cls;
  tr.appendChild(td);
  return td;
}

function showDetail(e, tr) {
  state.selected = entryKey(e);
  for (const r of $('journal-table').tBodies[0].rows) r.classList.toggle('selected', r === tr);
  $('detail').hidden = false;
  $('detail-title').textContent = e.method + ' ' + e.path + (e.query ? '?' + e.query : '') + ' → ' + (e.status || 'dropped');
  $('detail-request').textContent = message(e.requestHeaders, e.requestBody, e.requestBodyTruncated);
  $('detail-response').textContent = 'HTTP ' + (e.status || '(connection dropped)') + '\n' +
    message(e.responseHeaders, e.responseBody, e.responseBodyTruncated);
  const extra = [];
  if (e.sandbox) extra.push('sandbox: ' + e.sandbox);
  if (e.operationId) extra.push('operationId: ' + e.operationId);
  if (e.fault) extra.push('fault applied: ' + e.fault);
  if (e.dropped) extra.push('connection dropped ' + e.dropped + (e.lostStatus ? ' the request; the answer lost: ' + e.lostStatus : ''));
  if (e.credentialExpired) extra.push('answered as an expired or revoked token');
  if (e.credential) extra.push('credential (keyed hash): ' + e.credential);
  for (const v of e.violations || []) extra.push('violation: ' + v);
  $('detail-extra').textContent = extra.join('\n');
}

function message(headers, body, truncated) {
  const lines = [];
  for (const [name, value] of Object.entries(headers || {})) {
    for (const v of Array.isArray(value) ? value : [value]) lines.push(name + ': ' + v);
  }
  let text = lines.join('\n');
  if (body !== undefined && body !== null && body !== '') {
    text += (text ? '\n\n' : '') + (typeof body === 'string' ? body : JSON.stringify(body, null, 2));
  }
  if (truncated) text += '\n… (truncated)';
  return text || '(no headers or body recorded)';
}

$('journal-clear').addEventListener('click', () => act(async () => {
  await api('DELETE', '/__admin/requests');
  resetJournalView();
  renderJournal();
  await refreshReport();
}, 'controls-message'));

// ---- client report ------------------------------------------------------------------

async function refreshReport() {
  state.journalGrew = false;
  const r = await api('GET', '/__admin/client-report');
  const rows = [];
  for (const c of (r && r.checks) || []) {
    const tr = document.createElement('tr');
    tr.dataset.check = c.name;
    cell(tr, c.name, 'check');
    cell(tr, c.verdict, 'verdict v-' + c.verdict);
    cell(tr, c.detail, 'detail');
    const td = cell(tr, '', 'entries');
    for (const id of c.entries || []) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'entry';
      b.textContent = String(id);
      b.title = 'open journal entry ' + id;
      b.addEventListener('click', () => act(() => openEntry(id), 'report-message'));
      td.appendChild(b);
    }
    rows.push(tr);
  }
  $('report-table').tBodies[0].replaceChildren(...rows);
  $('report-summary').textContent = r
    ? '(' + r.passed + ' passed, ' + r.failed + ' failed, ' + r.unexercised + ' unexercised' + (r.evicted ? '; ' + r.evicted + ' entries evicted' : '') + ')'
    : '';
}

// openEntry shows a journal entry's request and answer, as a click on its row does;
// an entry older than the rows on screen is fetched.
async function openEntry(id) {
  let e = state.entries.find((x) => x.id === id);
  if (!e) {
    const doc = await api('GET', '/__admin/requests?after=' + (id - 1));
    e = ((doc && doc.requests) || []).find((x) => x.id === id);
  }
  if (!e) return 'entry ' + id + ' is no longer in the journal';
  const tr = [...$('journal-table').tBodies[0].rows].find((r) => r.dataset.key === entryKey(e)) || null;
  showDetail(e, tr);
  $('detail').scrollIntoView({ block: 'nearest' });
  return '';
}

$('gauntlet').addEventListener('click', () => act(async () => {
  const r = await api('POST', '/__admin/gauntlet');
  await refreshFaults();
  return 'armed ' + ((r && r.rules) || []).length + ' rules: run your client, then read the report';
}, 'report-message'));

// ---- stages ------------------------------------------------------------------------

async function refreshStages() {
  const doc = await api('GET', '/__admin/state');
  const data = (doc && doc.data) || [];
  const rows = [];
  for (const r of data.slice(0, MAX_STAGE_ROWS)) {
    const a = r.attributes || {};
    const tr = document.createElement('tr');
    cell(tr, String(r.id));
    cell(tr, a.name == null ? '' : String(a.name), 'wrap name');
    cell(tr, a.order == null ? '' : String(a.order));
    cell(tr, String(!!a.isClosed));
    const td = cell(tr, '');
    if (a.color) {
      const sw = document.createElement('span');
      sw.className = 'swatch';
      sw.style.backgroundColor = safeColor(a.color);
      td.appendChild(sw);
      td.appendChild(document.createTextNode(String(a.color)));
    }
    cell(tr, a.updatedAt || '');
    rows.push(tr);
  }
  $('stage-table').tBodies[0].replaceChildren(...rows);
  $('stage-count').textContent = data.length > MAX_STAGE_ROWS
    ? '(first ' + MAX_STAGE_ROWS + ' of ' + data.length + ')'
    : '(' + data.length + ')';
}

// safeColor passes only plain colour names and hex values to the style.
function safeColor(c) {
  const s = String(c).trim();
  return /^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{1,30})$/.test(s) ? s : 'transparent';
}

// ---- faults ------------------------------------------------------------------------

const PRESETS = {
  '429': { status: 429, headers: { 'Retry-After': '30' } },
  '503': { status: 503, example: 'maintenance' },
  'sku': { status: 403, example: 'skuDisabled' },
  'drop': { drop: true },
  'delay': { delay: '2s' },
};

for (const b of $('presets').querySelectorAll('button[data-preset]')) {
  b.addEventListener('click', () => act(async () => {
    const rule = Object.assign({}, PRESETS[b.dataset.preset]); // every API request
    const added = await api('POST', '/__admin/faults', rule);
    await refreshFaults();
    return 'added rule ' + added.id;
  }, 'faults-message'));
}

$('fault-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  act(async () => {
    const rule = {};
    const v = (id) => $(id).value.trim();
    if (v('f-method')) rule.method = v('f-method');
    if (v('f-path')) rule.path = v('f-path');
    if (v('f-status')) rule.status = Number(v('f-status'));
    if (v('f-example')) rule.example = v('f-example');
    if (v('f-delay')) rule.delay = v('f-delay');
    if (v('f-times')) rule.times = Number(v('f-times'));
    if (v('f-probability')) rule.probability = Number(v('f-probability'));
    if (v('f-drop')) rule.drop = v('f-drop');
    if ($('f-expire').checked) rule.expireToken = true;
    const headers = {};
    for (const line of $('f-headers').value.split('\n')) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim()] = line.slice(i + 1).trim();
    }
    if (Object.keys(headers).length) rule.headers = headers;
    const added = await api('POST', '/__admin/faults', rule);
    await refreshFaults();
    return 'added rule ' + added.id;
  }, 'faults-message');
});

async function refreshFaults() {
  const doc = await api('GET', '/__admin/faults');
  const rows = [];
  for (const f of (doc && doc.faults) || []) {
    const tr = document.createElement('tr');
    tr.dataset.id = f.id;
    cell(tr, String(f.id));
    cell(tr, [f.method || 'any', f.path || '*', f.operationId || ''].filter(Boolean).join(' '), 'wrap');
    const does = [];
    if (f.status) does.push(String(f.status));
    if (f.example) does.push('example ' + f.example);
    if (f.drop) does.push(f.drop === 'after' ? 'drop after' : 'drop');
    if (f.expireToken) does.push('expire token');
    if (f.delay) does.push('delay ' + f.delay);
    for (const [k, val] of Object.entries(f.headers || {})) does.push(k + ': ' + val);
    if (f.times) does.push('×' + f.times);
    if (f.probability !== undefined && f.probability !== null) does.push('p=' + f.probability);
    cell(tr, does.join(', '), 'wrap');
    cell(tr, String(f.fired || 0), 'fired');
    const td = document.createElement('td');
    const rm = document.createElement('button');
    rm.type = 'button';
    rm.textContent = 'Remove';
    rm.addEventListener('click', () => act(async () => {
      await api('DELETE', '/__admin/faults/' + encodeURIComponent(f.id));
      await refreshFaults();
    }, 'faults-message'));
    td.appendChild(rm);
    tr.appendChild(td);
    rows.push(tr);
  }
  $('fault-table').tBodies[0].replaceChildren(...rows);
}

// ---- settings, reset, snapshot -----------------------------------------------------

// refreshSettings shows the sandbox's settings, unless they changed on this page while
// the answer was on its way: a GET sent before an Apply must not undo it on screen.
async function refreshSettings() {
  const gen = state.settingsGen;
  const s = await api('GET', '/__admin/settings');
  if (!s || state.settingsDirty || gen !== state.settingsGen) return;
  $('set-sku').checked = !!s.skuDisabled;
  $('set-rate').value = s.rateLimit;
  $('set-latency').value = s.latency || '0';
  $('set-errors').value = s.errorRate;
}

for (const id of ['set-sku', 'set-rate', 'set-latency', 'set-errors']) {
  $(id).addEventListener('input', () => { state.settingsDirty = true; state.settingsGen++; });
}

$('settings-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  act(async () => {
    const patch = {
      skuDisabled: $('set-sku').checked,
      rateLimit: Number($('set-rate').value || 0),
      latency: $('set-latency').value.trim() || '0',
      errorRate: Number($('set-errors').value || 0),
    };
    state.settingsGen++;
    await api('PATCH', '/__admin/settings', patch);
    state.settingsGen++;
    state.settingsDirty = false;
    await refreshSettings();
    return 'settings applied';
  }, 'controls-message');
});

$('reset').addEventListener('click', () => act(async () => {
  await api('POST', '/__admin/reset');
  state.settingsDirty = false;
  resetJournalView();
  await refreshAll();
  return 'sandbox reset to the seed';
}, 'controls-message'));

$('snapshot').addEventListener('click', () => act(async () => {
  const r = await api('POST', '/__admin/snapshot');
  return 'saved ' + r.stages + ' stages to ' + r.file;
}, 'controls-message'));

// act runs an action and writes its outcome (or error) into the message element.
async function act(fn, messageId) {
  const out = $(messageId);
  out.className = 'message';
  out.textContent = '…';
  try {
    const msg = await fn();
    out.className = 'message';
    out.textContent = msg || '';
  } catch (e) {
    if (e instanceof AuthError) return;
    out.className = 'message error';
    out.textContent = e.message;
  }
}

start();
