// The upload widget: pick or drop a file, choose the folder, fill the platform's metadata, then watch it go up with
// pause, resume and cancel. Interrupted uploads resume when the same file is picked again, even after a reload.
import { get, el, bytes, duration, progressBar, toast } from './api.js';
import { TusUpload, savedUploads, fingerprintOf } from './tus.js';

const active = new Set();

export function renderUpload(view) {
  const input = el('input', { type: 'file', id: 'file-input', accept: 'video/*,.mkv,.mov,.avi,.m4v', hidden: true,
    multiple: true });
  const drop = el('div', { class: 'drop', id: 'drop', tabindex: 0, role: 'button' },
    el('b', {}, 'Drop video files here'), el('div', { class: 'muted' }, 'or click to choose'));
  const watch = el('select', { id: 'upload-watch', name: 'watch' });
  const field = (name, label, wide) => el('label', { class: wide ? 'wide' : '' }, label,
    wide ? el('textarea', { name, id: `upload-${name}`, rows: 2 }) : el('input', { type: 'text', name, id: `upload-${name}` }));
  const form = el('form', { class: 'form', id: 'upload-form', onsubmit: (e) => e.preventDefault() },
    el('label', {}, 'Folder', watch), field('title', 'Title (default: file name)'),
    field('machineModel', 'Machine model'), field('process', 'Process'),
    field('tags', 'Tags (comma-separated)'), field('customerAccess', 'Customer access (comma-separated)'),
    field('description', 'Description', true));
  const list = el('div', { class: 'uploads', id: 'uploads' });
  const pending = el('div', { id: 'pending' });
  view.replaceChildren(el('h1', {}, 'Upload'), drop, input, form, pending, list);

  get('/api/watches').then((watches) => {
    watch.replaceChildren(...watches.map((w) => el('option', { value: w.name }, w.name)));
    if (!watches.length) toast('The agent watches no folder: add one with `reel-ingest watch add`.');
  }).catch((error) => toast(error.message));

  const saved = Object.values(savedUploads());
  if (saved.length) {
    pending.append(el('div', { class: 'panel' }, el('b', {}, 'Unfinished uploads: '),
      'pick the same file again to continue where it stopped: ',
      saved.map((s) => `${s.name} (${bytes(s.size)})`).join(', ')));
  }
  for (const upload of active) list.append(upload.card);

  const start = (file) => {
    const values = Object.fromEntries(new FormData(form).entries());
    const metadata = { watch: watch.value };
    for (const [k, v] of Object.entries(values)) if (k !== 'watch' && v.trim()) metadata[k] = v.trim();
    if (!metadata.title) delete metadata.title;
    const resumed = Boolean(savedUploads()[fingerprintOf(file)]);
    const bar = el('div', { class: 'bar-slot' }, progressBar(0, true));
    const stats = el('div', { class: 'stats' }, resumed ? 'resuming…' : 'starting…');
    const buttons = el('div', { class: 'buttons' });
    const card = el('div', { class: 'panel upload', 'data-file': file.name },
      el('div', {}, el('b', {}, file.name), ` ${bytes(file.size)} → ${metadata.watch}`), buttons, bar, stats);
    // localStorage 'reel-ingest.chunkSize' overrides the 8 MiB chunks (small ones for slow links, and tests).
    const chunkSize = Number(localStorage.getItem('reel-ingest.chunkSize')) || 8 * 1024 * 1024;
    const upload = new TusUpload(file, { metadata, chunkSize, on: {
      progress: ({ sent, total, speed, eta }) => {
        bar.replaceChildren(progressBar(100 * sent / total, true));
        stats.textContent = `${bytes(sent)} of ${bytes(total)} · ${bytes(speed)}/s · ${eta != null ? duration(eta) + ' left' : ''}`;
        card.dataset.sent = sent;
      },
      state: (state, detail) => {
        card.dataset.state = state;
        renderButtons();
        if (state === 'done') {
          active.delete(upload);
          stats.replaceChildren('Done: ', detail.job ? el('a', { href: `#/video/${detail.job}` }, `job ${detail.job}`) : 'queued');
        } else if (state === 'error' || state === 'retrying') {
          stats.textContent = detail;
        } else if (state === 'cancelled') {
          active.delete(upload);
          stats.textContent = 'Cancelled';
        } else if (state === 'paused') {
          stats.textContent = `Paused at ${bytes(upload.offset)}`;
        }
      },
    } });
    upload.card = card;
    const renderButtons = () => {
      const s = upload.state;
      buttons.replaceChildren(
        ['uploading', 'retrying'].includes(s) ? el('button', { class: 'ghost pause', type: 'button', onclick: () => upload.pause() }, 'Pause') : '',
        ['paused', 'error'].includes(s) ? el('button', { class: 'resume', type: 'button', onclick: () => upload.start() }, 'Resume') : '',
        !['done', 'cancelled'].includes(s) ? el('button', { class: 'danger cancel', type: 'button', onclick: () => upload.cancel() }, 'Cancel') : '');
    };
    active.add(upload);
    list.prepend(card);
    upload.start();
  };
  input.onchange = () => { for (const file of input.files) start(file); input.value = ''; };
  drop.onclick = () => input.click();
  drop.onkeydown = (e) => { if (e.key === 'Enter' || e.key === ' ') input.click(); };
  drop.ondragover = (e) => { e.preventDefault(); drop.classList.add('over'); };
  drop.ondragleave = () => drop.classList.remove('over');
  drop.ondrop = (e) => { e.preventDefault(); drop.classList.remove('over'); for (const file of e.dataTransfer.files) start(file); };
  return () => {};
}
