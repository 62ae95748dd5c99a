// The page's router: #/ (queue), #/video/ID (one video), #/upload (the upload widget).
import { token, askForToken, setToken } from './api.js';
import { renderQueue } from './queue.js';
import { renderVideo } from './video.js';
import { renderUpload } from './upload.js';

const view = document.getElementById('view');
const liveBadge = document.getElementById('live');
const tokenButton = document.getElementById('token-button');
let stop = () => {};

function setLive(state) {
  // Only views that follow a socket show the badge; the upload form has none.
  liveBadge.hidden = state === 'off';
  liveBadge.className = `live ${state}`;
  liveBadge.textContent = { on: 'live', poll: 'polling' }[state] || state;
}

function showToken() { tokenButton.textContent = token() ? 'Token set' : 'Set token'; }
tokenButton.onclick = async () => { if (token()) setToken(''); else await askForToken(); };
document.addEventListener('token-changed', showToken);
showToken();

function route() {
  stop();
  setLive('off');
  const [path, query] = location.hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(query || '');
  const parts = (path || '/').split('/').filter(Boolean);
  document.querySelectorAll('[data-nav]').forEach((a) => a.classList.toggle('active',
    a.dataset.nav === (parts[0] === 'upload' ? 'upload' : parts[0] === 'video' ? '' : 'queue')));
  if (parts[0] === 'video' && parts[1]) stop = renderVideo(view, decodeURIComponent(parts[1]), setLive);
  else if (parts[0] === 'upload') stop = renderUpload(view);
  else stop = renderQueue(view, params, setLive);
}
window.addEventListener('hashchange', route);
route();
