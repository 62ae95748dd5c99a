// One video: player, stage timeline, thumbnails, outputs, retry and cancel; live over the video's WebSocket.
import { get, post, follow, el, badge, progressBar, duration, time, bytes, toast, token, askForToken } from './api.js';

const ACTIVE = ['probing', 'transcoding', 'uploading', 'distributing'];

export function renderVideo(view, id, setLive) {
  const head = el('div', { class: 'video-head' });
  const player = el('div', { id: 'player' });
  const facts = el('dl', { class: 'facts' });
  const timeline = el('tbody');
  const thumbs = el('div', { class: 'thumbs' });
  const outputs = el('tbody');
  const live = el('div', { id: 'live-status' });
  view.replaceChildren(
    el('p', {}, el('a', { href: '#/' }, '← Queue')), head,
    el('div', { class: 'video-grid' },
      el('div', {}, player, live,
        el('h2', {}, 'Stages'),
        el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'Stage'), el('th', {}, 'Started'),
          el('th', {}, 'Ended'), el('th', { class: 'num' }, 'Took'), el('th', {}, 'Outcome'))), timeline)),
      el('div', {}, el('div', { class: 'panel' }, facts),
        el('h2', {}, 'Thumbnails'), thumbs,
        el('h2', {}, 'Outputs'),
        el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'Output'), el('th', {}, 'Resolution'),
          el('th', { class: 'num' }, 'Bitrate'), el('th', { class: 'num' }, 'Size'))), outputs))));

  let playerFor = null;
  const act = async (what) => {
    if (!token() && !(await askForToken('Retry and cancel need the API token.'))) return;
    try {
      const result = await post(`/api/videos/${encodeURIComponent(id)}/${what}`);
      toast(`Job ${result.jobId}: ${result.message}`);
      refresh();
    } catch (error) { toast(error.message); }
  };

  const renderPlayer = async (video) => {
    if (!video.revision || playerFor === video.revision) return;
    playerFor = video.revision;
    try {
      const preview = await get(`/api/videos/${encodeURIComponent(id)}/preview`);
      const element = el('video', { controls: true, playsinline: true, preload: 'metadata', id: 'video' });
      const poster = video.thumbnails.find((t) => t.position === 'poster') || video.thumbnails[0];
      if (poster && poster.url) element.poster = poster.url;
      // Native HLS where the browser has it (Safari, current Chromium); the progressive MP4 otherwise.
      const hls = preview.hls && element.canPlayType('application/vnd.apple.mpegurl');
      element.src = hls ? preview.hls : preview.url;
      element.dataset.kind = hls ? 'hls' : 'mp4';
      player.replaceChildren(element, el('p', { class: 'muted' },
        `${hls ? 'HLS' : 'MP4'} from ${preview.source}`,
        preview.expiresAt ? `, link valid until ${time(preview.expiresAt)}` : ''));
    } catch (error) {
      player.replaceChildren(el('p', { class: 'error' }, `Cannot play: ${error.message}`));
    }
  };

  const render = (video, status) => {
    const job = video.job;
    const running = ACTIVE.includes(status.state);
    const buttons = el('div', { class: 'actions' });
    if (['failed', 'rejected', 'cancelled', 'published'].includes(status.state)) {
      buttons.append(el('button', { id: 'retry', type: 'button', onclick: () => act('retry-processing') },
        status.state === 'published' ? 'Publish again' : 'Retry'));
    }
    if (!['published', 'rejected', 'duplicate', 'cancelled'].includes(status.state)) {
      buttons.append(el('button', { id: 'cancel', class: 'danger', type: 'button', onclick: () => act('cancel') }, 'Cancel'));
    }
    head.replaceChildren(el('h1', {}, video.metadata.title || job.filename), badge(status.state),
      el('span', { class: 'muted' }, `job ${job.id}`), buttons);
    live.replaceChildren(running
      ? el('div', { class: 'panel' }, el('b', {}, status.stage), ' ', progressBar(status.percent, true),
        el('span', { class: 'muted' }, status.etaSeconds != null ? ` about ${duration(status.etaSeconds)} left` : ''))
      : status.lastError ? el('div', { class: 'panel error', id: 'last-error' }, status.lastError) : '');
    const meta = video.metadata;
    const rows = [
      ['Video id', el('code', {}, video.videoId)], ['Source', job.source], ['Folder', job.watch],
      ['Machine', meta.machineModel], ['Process', meta.process], ['Description', meta.description],
      ['Tags', Array.isArray(meta.tags) ? meta.tags.join(', ') : meta.tags],
      ['Attempts', `${status.attempts} of ${status.maxAttempts}`],
      ['Next attempt', status.nextAttemptAt ? time(status.nextAttemptAt) : ''],
      ['Revision', video.revision], ['Published', time(job.publishedAt)],
      ['Duplicate of', job.duplicateOf ? el('a', { href: `#/video/${job.duplicateOf}` }, `job ${job.duplicateOf}`) : ''],
    ];
    facts.replaceChildren(...rows.filter(([, v]) => v).flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
    timeline.replaceChildren(...status.stages.map((s) => el('tr', {},
      el('td', {}, badge(s.state), ' ', el('small', { class: 'muted' }, s.event)),
      el('td', {}, time(s.startedAt)), el('td', {}, time(s.finishedAt)),
      el('td', { class: 'num' }, s.seconds != null ? duration(s.seconds) : ''),
      el('td', { class: s.error ? 'error' : '', title: s.error || s.message || '' }, s.outcome || '', s.error ? `: ${s.error}` : ''))));
    thumbs.replaceChildren(...(video.thumbnails.length ? video.thumbnails.filter((t) => t.width <= 640 || t.position === 'poster')
      .map((t) => el('figure', {}, t.url ? el('img', { src: t.url, alt: `thumbnail ${t.position}`, loading: 'lazy' }) : '',
        el('figcaption', {}, `${t.position} · ${t.width}×${t.height}`)))
      : [el('p', { class: 'muted' }, 'None yet.')]));
    outputs.replaceChildren(...(video.formats.length ? video.formats.map((f) => el('tr', {},
      el('td', {}, f.url ? el('a', { href: f.url }, f.rendition || f.kind) : (f.rendition || f.kind),
        el('small', { class: 'muted' }, ` ${f.kind}`)),
      el('td', {}, f.width ? `${f.width}×${f.height}` : ''),
      el('td', { class: 'num' }, f.bitrate ? `${(f.bitrate / 1000).toFixed(0)} kb/s` : ''),
      el('td', { class: 'num' }, bytes(f.bytes))))
      : [el('tr', {}, el('td', { colspan: 4, class: 'muted' }, 'Nothing published yet.'))]));
    renderPlayer(video);
  };

  let refreshing = null;
  let again = false;
  const refresh = async () => {
    if (refreshing) { again = true; return; }
    refreshing = (async () => {
      try {
        const [video, status] = await Promise.all([get(`/api/videos/${encodeURIComponent(id)}`),
          get(`/api/videos/${encodeURIComponent(id)}/processing-status`)]);
        render(video, status);
      } catch (error) {
        head.replaceChildren(el('h1', {}, 'Video'), el('p', { class: 'error' }, error.message));
      }
    })();
    await refreshing;
    refreshing = null;
    if (again) { again = false; refresh(); }
  };
  const stop = follow(`/videos/${encodeURIComponent(id)}/processing-status`, {
    onEvent: (event) => {
      if (event.type === 'progress') {
        const bar = live.querySelector('.progress');
        if (bar) bar.replaceWith(progressBar(event.percent, true));
        return;
      }
      refresh();
    },
    onPoll: refresh,
    onState: setLive,
  });
  refresh();
  return stop;
}
