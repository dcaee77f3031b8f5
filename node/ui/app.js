// The Shoal dashboard. It reads this peer's GET API (same origin, no token) and follows its
// event stream (GET /v1/events as server-sent events). Every name, zone, state and reason on
// the page comes from gossip and may be hostile: the DOM is built with createElement and
// textContent only, never from HTML text.
'use strict';

(function () {
  const REFRESH_MS = 2000;     // the tables are re-read this often, and after each event
  const MAX_EVENTS = 200;      // events kept on the page
  const byId = (id) => document.getElementById(id);
  let usageAgainAt = 0;       // GET /v1/usage answered 404 (not measured): ask again then
  let refreshTimer = null;
  let refreshing = false;
  let members = [];
  const down = new Set();      // peers ticked in the what-if view
  // `#snapshot`: read once, no stream and no timer, so `chromium --headless --screenshot
  // --virtual-time-budget=...` (whose virtual time waits for open requests) can finish.
  const snapshot = location.hash === '#snapshot';

  // Tests read these: the page was not reloaded, and how many refreshes it made.
  document.body.dataset.pageId = String(Math.random()).slice(2);
  document.body.dataset.refreshes = '0';

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function cell(content) {
    const td = document.createElement('td');
    if (content instanceof Node) td.appendChild(content);
    else if (content !== undefined && content !== null) td.textContent = String(content);
    return td;
  }

  function row(cells) {
    const tr = document.createElement('tr');
    for (const c of cells) tr.appendChild(cell(c));
    return tr;
  }

  function stateText(s) {
    // Only known states become a class name; anything else is shown as text alone.
    const known = ['alive', 'suspect', 'dead', 'left', 'pending', 'starting', 'running', 'healthy',
                   'unhealthy', 'stopping', 'exited', 'failed', 'unplaced'];
    return el('span', s, known.includes(s) ? 'state state-' + s : 'state');
  }

  // "used / capacity" with a bar, or the capacity alone when usage is unknown.
  function gauge(used, capacity, unit) {
    const span = el('span');
    if (typeof used === 'number' && typeof capacity === 'number' && capacity > 0) {
      const m = document.createElement('meter');
      m.min = 0;
      m.max = capacity;
      m.value = Math.min(used, capacity);
      m.low = capacity * 0.7;
      m.high = capacity * 0.9;
      m.optimum = 0;
      span.appendChild(m);
      span.appendChild(document.createTextNode(used + ' / ' + capacity + unit));
    } else if (typeof capacity === 'number' && capacity > 0) {
      span.textContent = capacity + unit;
    }
    return span;
  }

  async function getJson(path) {
    const r = await fetch(path, { cache: 'no-store', credentials: 'same-origin',
                                  headers: { Accept: 'application/json' } });
    if (!r.ok) {
      let msg = 'HTTP ' + r.status;
      try { msg = (await r.json()).error || msg; } catch (_) { /* not JSON */ }
      const e = new Error(path + ': ' + msg);
      e.status = r.status;
      throw e;
    }
    return r.json();
  }

  async function usage() {
    if (Date.now() < usageAgainAt) return null;
    try {
      return await getJson('/v1/usage');
    } catch (e) {
      if (e.status === 404) usageAgainAt = Date.now() + 30000;  // no bars; an upgrade may add it
      return null;
    }
  }

  function list(v) { return Array.isArray(v) ? v : []; }

  function renderMembers(ms, use) {
    const peers = new Map();
    if (use) for (const p of list(use.peers)) peers.set(p.peer, p);
    byId('members-body').replaceChildren(...ms.map((m) => {
      const u = peers.get(m.name);
      const tr = row([m.name, m.zone, stateText(m.state), m.ready ? 'yes' : 'no',
                      gauge(u ? u.cpu_milli : undefined, u ? u.cpu_capacity_milli : m.cpu_milli, 'm'),
                      gauge(u ? u.memory_mib : undefined,
                            u ? u.memory_capacity_mib : m.memory_mib, ' MiB')]);
      tr.dataset.member = String(m.name);
      tr.dataset.state = String(m.state);
      return tr;
    }));
  }

  function renderServices(ss) {
    byId('services-body').replaceChildren(...ss.map((s) => {
      const tr = row([s.name, s.replicas, s.running, s.healthy,
                      s.deployment === null || s.deployment === undefined ? '—' : s.deployment,
                      s.version]);
      tr.dataset.service = String(s.name);
      return tr;
    }));
  }

  function ports(hp) {
    if (!hp || typeof hp !== 'object') return '';
    return Object.keys(hp).sort().map((k) => k + ':' + hp[k]).join(' ');
  }

  function renderInstances(ps, use) {
    const found = new Map();
    if (use) for (const i of list(use.instances)) found.set(i.service + '/' + i.index + '@' + i.peer, i);
    byId('instances-body').replaceChildren(...ps.map((i) => {
      const u = found.get(i.service + '/' + i.index + '@' + i.peer);
      const tr = row([i.service + '/' + i.index, i.peer === null ? '—' : i.peer, stateText(i.state),
                      ports(i.host_ports), u ? u.cpu_milli + 'm' : '', u ? u.rss_mib + ' MiB' : '']);
      tr.dataset.instance = i.service + '/' + i.index;
      tr.dataset.peer = i.peer === null ? '' : String(i.peer);
      tr.dataset.state = String(i.state);
      return tr;
    }));
  }

  function renderHeader(st) {
    byId('peer').textContent = 'peer ' + st.name;
    byId('summary').textContent = st.alive + ' of ' + st.members + ' members alive, ' + st.ready +
                                  ' ready · view ' + st.view_hash;
    byId('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
  }

  function renderWhatIfPeers(ms) {
    const names = ms.map((m) => String(m.name));
    for (const n of Array.from(down)) if (!names.includes(n)) down.delete(n);
    byId('what-if-peers').replaceChildren(...names.map((n) => {
      const label = el('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.checked = down.has(n);
      box.dataset.peer = n;
      box.addEventListener('change', () => { if (box.checked) down.add(n); else down.delete(n); });
      label.appendChild(box);
      label.appendChild(document.createTextNode(' ' + n));
      return label;
    }));
  }

  function setError(text) {
    const p = byId('error');
    p.textContent = text || '';
    p.hidden = !text;
  }

  async function refresh() {
    if (refreshing) return;
    refreshing = true;
    clearTimeout(refreshTimer);
    try {
      const [ms, ss, ps, st] = await Promise.all([
        getJson('/v1/members'), getJson('/v1/services'), getJson('/v1/ps'), getJson('/v1/status')]);
      const use = await usage();
      members = list(ms);
      renderMembers(members, use);
      renderServices(list(ss));
      renderInstances(list(ps), use);
      renderHeader(st);
      renderWhatIfPeers(members);
      setError(null);
      document.body.dataset.refreshes = String(Number(document.body.dataset.refreshes) + 1);
    } catch (e) {
      setError('Cannot read this peer: ' + e.message);
    } finally {
      refreshing = false;
      if (!snapshot) refreshTimer = setTimeout(refresh, REFRESH_MS);
    }
  }

  // Soon, once per burst of events.
  function refreshSoon() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, 150);
  }

  function addEvent(e) {
    const where = e.service === null || e.service === undefined ? ''
      : '  ' + e.service + (e.index === null || e.index === undefined ? '' : '/' + e.index);
    const li = el('li', e.ts + '  ' + e.kind + '  ' + e.peer + where +
                        (e.reason ? '  ' + e.reason : ''));
    li.dataset.kind = String(e.kind);
    li.dataset.peer = String(e.peer);
    const ol = byId('events-list');
    ol.insertBefore(li, ol.firstChild);
    while (ol.children.length > MAX_EVENTS) ol.removeChild(ol.lastChild);
  }

  function follow() {
    const es = new EventSource('/v1/events');
    es.onopen = () => { byId('live').className = 'on'; };
    es.onmessage = (m) => {
      let e;
      try { e = JSON.parse(m.data); } catch (_) { return; }
      if (e && typeof e === 'object') addEvent(e);
      refreshSoon();
    };
    es.onerror = () => {
      byId('live').className = 'off';
      // The browser retries by itself after a dropped connection; a refused one (503: too
      // many streams) closes the source, so try again later.
      if (es.readyState === EventSource.CLOSED) setTimeout(follow, 5000);
    };
  }

  async function whatIf() {
    const out = byId('what-if-result');
    if (down.size === 0) {
      out.replaceChildren(el('p', 'Tick one or more peers first.', 'muted'));
      return;
    }
    const names = Array.from(down).sort();
    try {
      const r = await getJson('/v1/what-if?down=' + encodeURIComponent(names.join(',')));
      const parts = [el('p', 'If ' + names.join(', ') + ' went down:')];
      const moves = list(r.moves), unplaced = list(r.unplaced);
      if (moves.length === 0 && unplaced.length === 0) parts.push(el('p', 'nothing would move.'));
      if (moves.length > 0) {
        const t = el('table');
        t.appendChild(row(['Moves', 'from', 'to']));
        for (const m of moves) t.appendChild(row([m.service + '/' + m.index, m.from, m.to]));
        t.id = 'what-if-moves';
        parts.push(t);
      }
      if (unplaced.length > 0) {
        const t = el('table');
        t.appendChild(row(['Unplaced', 'from', 'reason']));
        for (const u of unplaced) t.appendChild(row([u.service + '/' + u.index, u.from, u.reason]));
        t.id = 'what-if-unplaced';
        parts.push(t);
      }
      out.replaceChildren(...parts);
    } catch (e) {
      out.replaceChildren(el('p', e.message));
    }
  }

  byId('what-if-run').addEventListener('click', whatIf);
  if (snapshot) {
    byId('live').textContent = 'snapshot';
    byId('live').title = 'read once: reload for the current view';
  }
  refresh();
  if (!snapshot) {
    follow();
  } else {
    getJson('/v1/events').then((r) => list(r.events).forEach(addEvent)).catch(() => {});
  }
})();
