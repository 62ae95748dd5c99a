// The queue: counts, filters, and every job with state, stage, progress and ETA, live over the WebSocket.
import { get, follow, el, badge, progressBar, duration, ago, time, cursorAfter } from './api.js';

const PAGE = 50;
const ACTIVE = ['probing', 'transcoding', 'uploading', 'distributing'];
const STATES = ['discovered', 'stable', 'probing', 'transcoding', 'uploading', 'distributing', 'published', 'failed',
  'rejected', 'duplicate', 'cancelled'];

export function renderQueue(view, params, setLive) {
  const state = params.get('state') || '';
  const watch = params.get('watch') || '';
  const rows = new Map();
  let nextCursor = null;
  // The table holds the pages loaded (50 rows each); new jobs arriving live push the oldest rows off the end, and
  // "Older jobs" continues from the last row kept. A thousand files dropped at once must not make a thousand rows.
  let capacity = 0;

  const summary = el('div', { class: 'summary', id: 'summary' });
  const attention = el('div', { class: 'attention', id: 'attention', role: 'status' });
  const agents = el('div', { class: 'agents', id: 'agents', hidden: true });
  const stateSelect = el('select', { id: 'filter-state', 'aria-label': 'State' },
    el('option', { value: '' }, 'all states'), STATES.map((s) => el('option', { value: s, selected: s === state }, s)));
  const watchSelect = el('select', { id: 'filter-watch', 'aria-label': 'Folder' }, el('option', { value: '' }, 'all folders'));
  const applyFilters = () => {
    const query = new URLSearchParams();
    if (stateSelect.value) query.set('state', stateSelect.value);
    if (watchSelect.value) query.set('watch', watchSelect.value);
    location.hash = `#/?${query}`;
  };
  stateSelect.onchange = applyFilters;
  watchSelect.onchange = applyFilters;
  const body = el('tbody', { id: 'jobs' });
  const more = el('button', { class: 'ghost', type: 'button', hidden: true }, 'Older jobs');
  view.replaceChildren(
    el('h1', {}, 'Queue'), attention, summary, agents,
    el('div', { class: 'filters' }, stateSelect, watchSelect),
    el('table', { class: 'jobs' },
      el('thead', {}, el('tr', {},
        el('th', { class: 'num' }, '#'), el('th', {}, 'Video'), el('th', { class: 'hide-narrow' }, 'Folder'),
        el('th', {}, 'State'), el('th', {}, 'Progress'), el('th', { class: 'num' }, 'ETA'),
        el('th', { class: 'hide-narrow' }, 'Error'), el('th', { class: 'num hide-narrow' }, 'Updated'))),
      body),
    el('div', { class: 'pager' }, more));

  const matches = (job) => (!state || job.state === state) && (!watch || job.watch === watch);

  const rowFor = (job) => {
    const running = ACTIVE.includes(job.state);
    const tr = el('tr', { class: 'job', 'data-job': job.id, 'data-state': job.state,
      onclick: () => { location.hash = `#/video/${job.id}`; } },
      el('td', { class: 'num' }, job.id),
      el('td', { class: 'file' }, el('a', { href: `#/video/${job.id}` }, job.title || job.filename),
        el('small', {}, job.source)),
      el('td', { class: 'hide-narrow' }, job.watch || ''),
      el('td', {}, badge(job.state), job.attempts > 0 && job.state === 'failed'
        ? el('small', { class: 'muted' }, ` attempt ${job.attempts}`) : '',
        running && job.agent ? el('small', { class: 'muted agent' }, ` on ${job.agent}`) : ''),
      el('td', {}, running ? progressBar(job.percent) : job.state === 'published' ? progressBar(100) : ''),
      el('td', { class: 'num' }, running ? duration(job.etaSeconds) : ''),
      el('td', { class: 'error hide-narrow', title: job.error || '' }, job.error || ''),
      el('td', { class: 'num hide-narrow', title: time(job.updatedAt) }, ago(job.updatedAt)));
    return tr;
  };

  const lastRowId = () => Number(body.querySelector('tr.job:last-child')?.dataset.job ?? 0);
  const upsert = (job, flash) => {
    const existing = rows.get(job.id);
    if (!matches(job)) {
      if (existing) { existing.tr.remove(); rows.delete(job.id); }
      return;
    }
    // A job older than the last row belongs to a page not loaded yet: it shows when that page is.
    if (!existing && nextCursor && job.id < lastRowId()) return;
    const tr = rowFor(job);
    if (flash) tr.classList.add('flash');
    if (existing) existing.tr.replaceWith(tr);
    else {
      // Newest first: a new job goes on top; otherwise before the first row with a smaller id.
      const first = body.querySelector('tr.job');
      if (!first || Number(first.dataset.job) < job.id) body.prepend(tr);
      else {
        const after = [...body.querySelectorAll('tr.job')].find((r) => Number(r.dataset.job) < job.id);
        if (after) body.insertBefore(tr, after); else body.append(tr);
      }
    }
    rows.set(job.id, { job, tr });
    emptyRow.remove();
    while (capacity > 0 && rows.size > capacity) {
      const last = body.querySelector('tr.job:last-child');
      rows.delete(Number(last.dataset.job));
      last.remove();
      nextCursor = cursorAfter(lastRowId());
      more.hidden = false;
    }
  };
  const emptyRow = el('tr', {}, el('td', { colspan: 8, class: 'empty' },
    'No jobs yet. Drop a video into a watched folder, or upload one.'));

  const loadSummary = async () => {
    const status = await get('/api/videos/processing/queue-status');
    attention.replaceChildren(...(status.attention || []).map((text) => el('p', {}, text)));
    const c = status.counts;
    const chip = (value, label) => el('div', { class: 'chip' }, el('b', {}, value), el('span', {}, label));
    summary.replaceChildren(
      chip(status.waiting, 'waiting'), chip(status.running, 'running'),
      chip(c.published || 0, 'published'), chip((c.failed || 0) + (c.rejected || 0), 'failed / rejected'),
      chip(status.throughput.published, 'published last hour'),
      chip(status.oldestWaiting ? duration(status.oldestWaiting.waitingSeconds) : '–', 'oldest waiting'));
    const known = new Set([...watchSelect.options].map((o) => o.value));
    for (const w of status.watches) {
      if (w.name && !known.has(w.name)) watchSelect.append(el('option', { value: w.name, selected: w.name === watch }, w.name));
    }
  };
  // The agents sharing the database: shown once there is more than one, or one is not simply active.
  const loadAgents = async () => {
    const fleet = await get('/api/agents');
    const list = fleet.agents || [];
    agents.hidden = !list.some((a) => a.state !== 'active') && list.length < 2;
    agents.replaceChildren(el('span', { class: 'muted' }, 'Agents'), ...list.map((a) => el('span', {
      class: `agent-chip ${a.state}`, 'data-agent': a.name, 'data-state': a.state,
      title: [a.host, a.version, a.reason].filter(Boolean).join(' · ') },
    el('b', {}, a.name + (a.name === fleet.thisAgent ? ' (this page)' : '')),
    ` ${a.state} · ${a.running} running`)));
  };
  const loadWatches = async () => {
    const watches = await get('/api/watches');
    const known = new Set([...watchSelect.options].map((o) => o.value));
    for (const w of watches) {
      if (!known.has(w.name)) watchSelect.append(el('option', { value: w.name, selected: w.name === watch }, w.name));
    }
  };
  const loadPage = async (cursor) => {
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (state) query.set('state', state);
    if (watch) query.set('watch', watch);
    if (cursor) query.set('cursor', cursor);
    const page = await get(`/api/videos/processing/jobs?${query}`);
    // The first page sets the table's size; each older page adds to it.
    capacity = cursor ? rows.size + page.jobs.length : Math.max(capacity, PAGE);
    for (const job of page.jobs) upsert(job, false);
    nextCursor = page.nextCursor;
    more.hidden = !nextCursor;
    if (rows.size === 0) body.append(emptyRow);
  };
  more.onclick = () => loadPage(nextCursor);

  let summaryTimer = null;
  const refreshSummarySoon = () => {
    clearTimeout(summaryTimer);
    summaryTimer = setTimeout(() => { loadSummary().catch(() => {}); loadAgents().catch(() => {}); }, 300);
  };
  // Live events are applied once per frame, the latest per job: hundreds of jobs moving at once cost one layout.
  const pending = new Map();
  let frame = null;
  const flush = () => {
    frame = null;
    const batch = [...pending.values()];
    pending.clear();
    for (const { job, flash } of batch) upsert(job, flash);
  };
  const stop = follow('/api/videos/processing/live', {
    onEvent: (event) => {
      const previous = pending.get(event.jobId)?.job || rows.get(event.jobId)?.job;
      const job = event.job || { ...(previous || {}), id: event.jobId, videoId: event.videoId, state: event.state,
        percent: event.percent ?? (event.type === 'progress' ? event.percent : previous?.percent),
        etaSeconds: event.etaSeconds ?? previous?.etaSeconds, attempts: event.attempts,
        source: event.source, watch: event.watch, updatedAt: event.at,
        filename: previous?.filename || event.source.split('/').pop(), agent: previous?.agent,
        error: ['failed', 'rejected'].includes(event.state) || event.event === 'waiting-for-room'
          ? event.message : previous?.error };
      if (event.type === 'transition' && !ACTIVE.includes(event.state)) { job.percent = null; job.etaSeconds = null; }
      if (event.type === 'transition' && ACTIVE.includes(event.state)) { job.percent = 0; job.etaSeconds = null; }
      pending.set(job.id, { job, flash: event.type === 'transition' || pending.get(job.id)?.flash === true });
      frame ??= requestAnimationFrame(flush);
      if (event.type !== 'progress') refreshSummarySoon();
    },
    onPoll: () => { loadPage(null).catch(() => {}); loadSummary().catch(() => {}); loadAgents().catch(() => {}); },
    onState: setLive,
  });
  Promise.all([loadSummary(), loadWatches(), loadPage(null), loadAgents()]).catch((error) => {
    body.replaceChildren(el('tr', {}, el('td', { colspan: 8, class: 'empty error' }, error.message)));
  });
  return stop;
}
