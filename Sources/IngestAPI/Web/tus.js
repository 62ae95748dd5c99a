// A small tus 1.0 client for the upload widget: creation, resume from the server's offset (also after a page
// reload: the upload URL is kept in localStorage under the file's fingerprint), sha1 checksums per chunk,
// pause, cancel (termination), and automatic retry of a failed chunk with exponential backoff.
import { authHeaders, askForToken } from './api.js';

const STORE = 'reel-ingest.uploads';
const RETRY_DELAYS = [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000];

export function savedUploads() {
  try { return JSON.parse(localStorage.getItem(STORE) || '{}'); } catch { return {}; }
}
function remember(fingerprint, entry) {
  const all = savedUploads();
  if (entry) all[fingerprint] = entry; else delete all[fingerprint];
  localStorage.setItem(STORE, JSON.stringify(all));
}
export const fingerprintOf = (file) => `${file.name}|${file.size}|${file.lastModified}`;

function encodeMetadata(metadata) {
  return Object.entries(metadata).filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => {
      const utf8 = new TextEncoder().encode(String(v));
      let binary = '';
      for (const b of utf8) binary += String.fromCharCode(b);
      return `${k} ${btoa(binary)}`;
    }).join(',');
}

class HTTPFailure extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function sha1(blob) {
  if (!crypto.subtle) return null;
  const digest = await crypto.subtle.digest('SHA-1', await blob.arrayBuffer());
  let binary = '';
  for (const b of new Uint8Array(digest)) binary += String.fromCharCode(b);
  return btoa(binary);
}

export class TusUpload {
  constructor(file, { endpoint = '/api/videos/tus', metadata = {}, chunkSize = 8 * 1024 * 1024, on = {} }) {
    this.file = file;
    this.endpoint = endpoint;
    this.metadata = { filename: file.name, ...metadata };
    this.chunkSize = chunkSize;
    this.on = on;
    this.fingerprint = fingerprintOf(file);
    this.url = savedUploads()[this.fingerprint]?.url || null;
    this.offset = 0;
    this.state = 'idle';
    this.xhr = null;
    this.samples = [];
  }

  setState(state, detail) { this.state = state; this.on.state && this.on.state(state, detail); }

  async start() {
    if (this.state === 'uploading') return;
    this.setState('uploading');
    let attempt = 0;
    while (this.state === 'uploading') {
      try {
        if (!this.url) await this.create(); else await this.resync();
        while (this.state === 'uploading' && this.offset < this.file.size) {
          await this.sendChunk();
          attempt = 0;
        }
        if (this.state === 'uploading') {
          remember(this.fingerprint, null);
          this.setState('done', { job: this.job });
        }
        return;
      } catch (error) {
        if (this.state !== 'uploading') return;
        if (error.status === 401) {
          if (await askForToken('Uploads need the API token.')) continue;
          this.setState('error', 'no API token'); return;
        }
        if (error.status === 404 || error.status === 410) { this.forget(); continue; }
        if (error.status && error.status >= 400 && error.status < 500 && ![409, 423, 460].includes(error.status)) {
          this.setState('error', error.message); return;
        }
        if (attempt >= RETRY_DELAYS.length) { this.setState('error', `gave up: ${error.message}`); return; }
        const delay = RETRY_DELAYS[attempt++];
        this.setState('retrying', `${error.message}; retrying in ${delay / 1000}s`);
        await new Promise((resolve) => setTimeout(resolve, delay));
        if (this.state !== 'retrying') return;
        this.setState('uploading');
      }
    }
  }

  pause() {
    if (this.state !== 'uploading' && this.state !== 'retrying') return;
    this.setState('paused');
    if (this.xhr) this.xhr.abort();
  }

  async cancel() {
    const wasActive = this.state;
    this.setState('cancelled');
    if (this.xhr) this.xhr.abort();
    if (this.url && wasActive !== 'done') {
      await fetch(this.url, { method: 'DELETE', headers: authHeaders({ 'Tus-Resumable': '1.0.0' }) }).catch(() => {});
    }
    remember(this.fingerprint, null);
  }

  forget() { this.url = null; this.offset = 0; remember(this.fingerprint, null); }

  async create() {
    const response = await fetch(this.endpoint, {
      method: 'POST',
      headers: authHeaders({ 'Tus-Resumable': '1.0.0', 'Upload-Length': String(this.file.size),
        'Upload-Metadata': encodeMetadata(this.metadata) }),
    });
    if (response.status !== 201) throw new HTTPFailure(response.status, await errorText(response));
    this.url = new URL(response.headers.get('Location'), location.href).pathname;
    this.offset = Number(response.headers.get('Upload-Offset') || 0);
    remember(this.fingerprint, { url: this.url, name: this.file.name, size: this.file.size, at: Date.now(),
      watch: this.metadata.watch });
  }

  async resync() {
    const response = await fetch(this.url, { method: 'HEAD', headers: authHeaders({ 'Tus-Resumable': '1.0.0' }) });
    if (!response.ok) throw new HTTPFailure(response.status, `HEAD ${response.status}`);
    this.offset = Number(response.headers.get('Upload-Offset'));
    this.progress(this.offset);
  }

  async sendChunk() {
    const end = Math.min(this.offset + this.chunkSize, this.file.size);
    const chunk = this.file.slice(this.offset, end);
    const checksum = await sha1(chunk);
    const start = this.offset;
    await new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      this.xhr = xhr;
      xhr.open('PATCH', this.url);
      for (const [k, v] of Object.entries(authHeaders({ 'Tus-Resumable': '1.0.0', 'Upload-Offset': String(start),
        'Content-Type': 'application/offset+octet-stream' }))) xhr.setRequestHeader(k, v);
      if (checksum) xhr.setRequestHeader('Upload-Checksum', `sha1 ${checksum}`);
      xhr.upload.onprogress = (event) => this.progress(start + event.loaded);
      xhr.onload = () => {
        this.xhr = null;
        if (xhr.status === 204) {
          this.offset = Number(xhr.getResponseHeader('Upload-Offset'));
          const job = xhr.getResponseHeader('Reel-Ingest-Job');
          if (job) this.job = Number(job);
          this.progress(this.offset);
          resolve();
        } else {
          let message = `PATCH ${xhr.status}`;
          try { message = JSON.parse(xhr.responseText).error.message; } catch { /* not JSON */ }
          reject(new HTTPFailure(xhr.status, message));
        }
      };
      xhr.onerror = () => { this.xhr = null; reject(new Error('connection lost')); };
      xhr.onabort = () => { this.xhr = null; reject(new Error('paused')); };
      xhr.send(chunk);
    });
  }

  progress(sent) {
    const now = performance.now();
    this.samples.push([now, sent]);
    while (this.samples.length > 2 && now - this.samples[0][0] > 5000) this.samples.shift();
    const [t0, b0] = this.samples[0];
    const speed = now > t0 ? (sent - b0) / ((now - t0) / 1000) : 0;
    this.on.progress && this.on.progress({ sent, total: this.file.size, speed,
      eta: speed > 0 ? (this.file.size - sent) / speed : null });
  }
}

async function errorText(response) {
  try { return (await response.json()).error.message; } catch { return `${response.status} ${response.statusText}`; }
}
