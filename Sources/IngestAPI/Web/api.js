// The agent's API from the page: JSON requests with the token (kept in this tab's sessionStorage), live sockets
// that fall back to polling, and formatting helpers.
const TOKEN_KEY = 'reel-ingest.token';

export function token() { return sessionStorage.getItem(TOKEN_KEY) || ''; }
export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value.trim()); else sessionStorage.removeItem(TOKEN_KEY);
  document.dispatchEvent(new CustomEvent('token-changed'));
}

let askingForToken = null;
/** Opens the token dialog once; resolves with the token, or '' when cancelled. */
export function askForToken(reason) {
  if (askingForToken) return askingForToken;
  const dialog = document.getElementById('token-dialog');
  const input = document.getElementById('token-input');
  if (reason) toast(reason);
  input.value = token();
  askingForToken = new Promise((resolve) => {
    const done = (value) => {
      dialog.close();
      askingForToken = null;
      resolve(value);
    };
    document.getElementById('token-cancel').onclick = () => done('');
    document.getElementById('token-form').onsubmit = (event) => {
      event.preventDefault();
      setToken(input.value);
      done(input.value.trim());
    };
    dialog.showModal();
  });
  return askingForToken;
}

export class APIError extends Error {
  constructor(status, message, details) {
    super(message);
    this.status = status;
    this.details = details || {};
  }
}

export function authHeaders(extra = {}) {
  const headers = { ...extra };
  if (token()) headers.Authorization = `Bearer ${token()}`;
  return headers;
}

/** fetch with the token; a 401 asks for the token once and tries again. */
export async function request(method, path, { body, headers = {}, retryAuth = true, raw = false } = {}) {
  const init = { method, headers: authHeaders(headers) };
  if (body !== undefined) {
    if (body instanceof Blob || body instanceof ArrayBuffer) init.body = body;
    else { init.body = JSON.stringify(body); init.headers['Content-Type'] = 'application/json'; }
  }
  const response = await fetch(path, init);
  if (response.status === 401 && retryAuth) {
    const given = await askForToken('This needs the API token.');
    if (given) return request(method, path, { body, headers, retryAuth: false, raw });
  }
  if (raw) return response;
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    let details;
    try {
      const json = await response.json();
      if (json.error) { message = json.error.message; details = json.error.details; }
    } catch { /* not JSON */ }
    throw new APIError(response.status, message, details);
  }
  if (response.status === 204) return null;
  return response.json();
}

export const get = (path) => request('GET', path);
export const post = (path, body) => request('POST', path, { body });

/**
 * Follows a WebSocket path, calling onEvent for each JSON event. When the socket cannot stay up it polls
 * (onPoll) every few seconds and tries the socket again with backoff. Returns a function that stops it all.
 */
export function follow(path, { onEvent, onPoll, onState }) {
  let socket = null;
  let stopped = false;
  let pollTimer = null;
  let retryTimer = null;
  let delay = 1000;
  const setState = (state) => onState && onState(state);
  const startPolling = () => {
    if (pollTimer || stopped) return;
    setState('poll');
    onPoll && onPoll();
    pollTimer = setInterval(() => onPoll && onPoll(), 3000);
  };
  const stopPolling = () => { clearInterval(pollTimer); pollTimer = null; };
  const connect = () => {
    if (stopped) return;
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const protocols = ['reel-ingest'];
    if (token()) protocols.push(`reel-ingest.token.${token()}`);
    socket = new WebSocket(`${scheme}://${location.host}${path}`, protocols);
    socket.onopen = () => { delay = 1000; stopPolling(); setState('on'); };
    socket.onmessage = (message) => {
      try { onEvent(JSON.parse(message.data)); } catch (error) { console.error(error); }
    };
    socket.onclose = () => {
      socket = null;
      if (stopped) return;
      startPolling();
      retryTimer = setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  };
  const reconnect = () => { if (socket) socket.close(); };
  document.addEventListener('token-changed', reconnect);
  connect();
  return () => {
    stopped = true;
    document.removeEventListener('token-changed', reconnect);
    clearTimeout(retryTimer);
    stopPolling();
    if (socket) socket.close();
    setState('off');
  };
}

export function toast(text) {
  const element = document.getElementById('toast');
  element.textContent = text;
  element.classList.add('show');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => element.classList.remove('show'), 4000);
}

export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') element.className = value;
    else if (key.startsWith('on')) element.addEventListener(key.slice(2), value);
    else element.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function bytes(n) {
  if (n === undefined || n === null) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export function duration(seconds) {
  if (seconds === undefined || seconds === null || !isFinite(seconds)) return '';
  seconds = Math.max(0, Math.round(seconds));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h ${String(Math.floor(seconds % 3600 / 60)).padStart(2, '0')}m`;
}

export function time(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  const today = new Date().toDateString() === date.toDateString();
  return today ? date.toLocaleTimeString() : date.toLocaleString();
}

export function ago(iso) {
  if (!iso) return '';
  return duration((Date.now() - new Date(iso).getTime()) / 1000) + ' ago';
}

export function badge(state) { return el('span', { class: `badge ${state}` }, state); }

export function progressBar(percent, big = false) {
  const value = Math.max(0, Math.min(100, percent || 0));
  const fill = el('i');
  fill.style.width = `${value}%`; // CSSOM, not a style attribute: the page's CSP allows no inline styles
  return el('div', { class: big ? 'progress big' : 'progress', role: 'progressbar', 'aria-valuenow': value.toFixed(0) },
    fill, el('span', {}, `${value.toFixed(0)}%`));
}

// The job list's cursor for the page after the job `id`, as the server writes it (APIRoutes.encodeCursor: "j" and
// the id, base64url without padding); page and server ship in one binary.
export function cursorAfter(id) {
  return btoa(`j${id}`).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}
