/* The session (token in localStorage), the share link of this tab (token in
 * sessionStorage) and the HTTP client of today's API.
 *
 * Every URL starts with the page's base prefix (<body data-base>, "" or
 * "/pm"); every call sends the bearer token and asks for JSON.  While the
 * tab shows a shared project (share.active), that token is the share
 * link's (tfs_...), never the signed-in user's.  An error answer becomes an
 * ApiError whose message is written for people: the server's own wording
 * stays in `detail`.  A 401 from any call but the login ends the session;
 * in a shared project it means the link was revoked or has expired.
 * Every call says which language the person reads (Accept-Language: the
 * SPA's current one), so the server's messages come in it too.
 */
import { t, currentLanguage } from './i18n.js';
export const base = (document.body.dataset.base || '').replace(/\/+$/, '');
const KEY = 'taskflow.session';

export const session = {
  token: null,
  user: null,
  load() {
    try {
      const saved = JSON.parse(localStorage.getItem(KEY) || 'null');
      if (saved && typeof saved.token === 'string' && saved.user) Object.assign(this, saved);
    } catch (e) {
      localStorage.removeItem(KEY);
    }
    return Boolean(this.token);
  },
  save(token, user) {
    this.token = token;
    this.user = user;
    localStorage.setItem(KEY, JSON.stringify({ token, user }));
  },
  setUser(user) { this.save(this.token, Object.assign({}, this.user, user)); },
  clear() {
    this.token = null;
    this.user = null;
    localStorage.removeItem(KEY);
  },
  isAdmin() { return Boolean(!share.active && this.user && this.user.role === 'admin'); },
};

const SHARE_KEY = 'taskflow.share';
export const SHARE_PREFIX = 'tfs_';

/**
 * The share link this tab opened (#/share/<token>): kept for the tab only
 * (sessionStorage), sent as the bearer token while `active`.
 */
export const share = {
  token: null,
  active: false,
  load() {
    this.token = sessionStorage.getItem(SHARE_KEY);
    return Boolean(this.token);
  },
  save(token) {
    this.token = token;
    sessionStorage.setItem(SHARE_KEY, token);
  },
  clear() {
    this.token = null;
    this.active = false;
    sessionStorage.removeItem(SHARE_KEY);
  },
};

export class ApiError extends Error {
  constructor(status, message, { fields = null, detail = '', retryAfter = null, body = null } = {}) {
    super(message);
    this.status = status;
    this.body = body;  // the error answer's JSON (e.g. totp_required of a login), or null
    this.fields = fields;
    this.detail = detail;
    this.retryAfter = retryAfter;
  }
}

/** "try again in N s" from a 429's Retry-After (seconds or an HTTP date). */
function retryAfterSeconds(res) {
  const raw = res.headers.get('Retry-After');
  if (!raw) return null;
  const secs = /^\d+$/.test(raw.trim()) ? Number(raw) : Math.round((Date.parse(raw) - Date.now()) / 1000);
  return Number.isFinite(secs) ? Math.max(1, secs) : null;
}

/** A sentence for people, from an error answer's status and the server's message. */
export function plainMessage(status, serverMessage, retryAfter) {
  if (status === 0) return t("Can't reach the server. Check your connection, then try again.");
  if (status === 429) {
    return retryAfter ? t('Too many attempts. Try again in {retryAfter} s.', { retryAfter }) : t('Too many attempts. Wait a moment, then try again.');
  }
  if (status === 422) return t('Some fields need your attention.');
  if (status === 403) return t("You don't have permission to do that.");
  if (status === 413) return t('That file is too large.');
  if (status >= 500) return t('The server ran into a problem. Try again; if it keeps happening, tell your administrator.');
  return serverMessage || t('The request failed (HTTP {status}).', { status });
}

/** Called with every answer of the signed-in session (extensions.js reads badge headers there). */
export const answerWatchers = [];

/**
 * Send a request; the Response when it is ok (or one of `opts.pass`, e.g. 304).
 * opts: json (body), form (FormData), headers, accept, keepSession (a 401 does not sign out).
 */
export async function request(method, path, opts = {}) {
  const headers = Object.assign({ Accept: opts.accept || 'application/json', 'Accept-Language': currentLanguage() }, opts.headers || {});
  const token = share.active ? share.token : session.token;
  if (token) headers.Authorization = 'Bearer ' + token;
  let body;
  if (opts.form) {
    body = opts.form;
  } else if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  }
  let res;
  try {
    // no-store: polls with If-None-Match must reach the server and see its 304.
    res = await fetch(base + path, { method, headers, body, credentials: 'same-origin', cache: 'no-store', keepalive: opts.keepalive });
  } catch (e) {
    throw new ApiError(0, plainMessage(0), { detail: String(e.message || e) });
  }
  if (!share.active) for (const watch of answerWatchers) watch(res);
  if (res.ok || (opts.pass || []).includes(res.status)) return res;
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  const detail = (data && (data.error || data.message)) || res.statusText;
  if (res.status === 401 && share.active) {
    // The link was revoked or has expired; the signed-in session (if any) is not touched.
    window.dispatchEvent(new CustomEvent('taskflow:share-ended', { detail }));
  } else if (res.status === 401 && !opts.keepSession) {
    session.clear();
    window.dispatchEvent(new CustomEvent('taskflow:unauthorized'));
  }
  const retryAfter = res.status === 429 ? retryAfterSeconds(res) : null;
  throw new ApiError(res.status, plainMessage(res.status, detail, retryAfter),
    { fields: (data && data.fields) || null, detail, retryAfter, body: data });
}

async function json(method, path, opts) {
  const res = await request(method, path, opts);
  const text = await res.text();
  return text ? JSON.parse(text) : {};
}

export const api = {
  get: (path) => json('GET', path),
  post: (path, body, opts) => json('POST', path, Object.assign({ json: body === undefined ? {} : body }, opts)),
  put: (path, body) => json('PUT', path, { json: body }),
  patch: (path, body) => json('PATCH', path, { json: body }),
  del: (path, opts) => json('DELETE', path, opts),
  upload: (path, formData) => json('POST', path, { form: formData }),
  /** Sign in; `totp` (a six-digit code or a recovery code) once the server asked for it. */
  login: (username, password, totp) =>
    json('POST', '/auth/login', { json: Object.assign({ username, password }, totp ? { totp } : {}), keepSession: true }),
  /** The session a single sign-on left in the (HttpOnly) cookie, as a bearer token; null if none. */
  async cookieSession() {
    try {
      const data = await json('POST', '/auth/token', { json: {}, keepSession: true,
        headers: { 'X-Requested-With': 'fetch' } });
      return data && data.token ? data : null;  // 204: no session in the cookie
    } catch (err) {
      if (err.status === 404) return null;  // no auth package
      throw err;
    }
  },
  /** A protected file as a Blob (a plain link could not send the bearer token). */
  async blob(path) {
    return (await request('GET', path, { accept: '*/*' })).blob();
  },
};

/** The team, cached for a minute: several screens need it and its listing is rate-limited. */
let usersCache = null;
export async function teamMembers() {
  if (!usersCache || usersCache.at < Date.now() - 60000) {
    const data = await api.get('/api/users/?limit=100');
    usersCache = { at: Date.now(), users: data.users || [] };
  }
  return usersCache.users;
}
export function forgetTeam() { usersCache = null; }

export const taskPath = (pid, tid) => `/api/projects/${Number(pid)}/tasks/${Number(tid)}`;

/** Where the screens of a project are: #/projects/<pid>/..., or #/shared/... in a shared project. */
export const links = {
  board: (pid) => (share.active ? '#/shared' : '#/projects/' + Number(pid)),
  task: (pid, tid) => (share.active ? '#/shared/tasks/' : `#/projects/${Number(pid)}/tasks/`) + Number(tid),
};
