/* TaskFlow API client: the session (token in localStorage) and fetch wrappers.
 *
 * Every call sends the bearer token and Accept: application/json; an error
 * answer {"error", "status", "fields"?} becomes a TF.ApiError.  A 401 from
 * any call but the login itself ends the session (expired or revoked token).
 */
(function (global) {
  'use strict';
  const TF = global.TF = global.TF || {};
  const KEY = 'taskflow.session';

  const session = {
    token: null,
    user: null,
    load() {
      try {
        const saved = JSON.parse(localStorage.getItem(KEY) || 'null');
        if (saved && typeof saved.token === 'string' && saved.user) {
          this.token = saved.token;
          this.user = saved.user;
        }
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
    setUser(user) {
      this.save(this.token, Object.assign({}, this.user, user));
    },
    clear() {
      this.token = null;
      this.user = null;
      localStorage.removeItem(KEY);
    },
    isAdmin() {
      return Boolean(this.user && this.user.role === 'admin');
    },
  };

  class ApiError extends Error {
    constructor(status, message, fields) {
      super(message || ('HTTP ' + status));
      this.status = status;
      this.fields = fields || null;
    }
    /** The message with its field errors, one per line. */
    describe() {
      const lines = [this.message];
      for (const [name, msg] of Object.entries(this.fields || {})) lines.push(name + ': ' + msg);
      return lines.join('\n');
    }
  }

  async function send(method, path, options) {
    const opts = options || {};
    const headers = { Accept: opts.accept || 'application/json' };
    if (session.token) headers.Authorization = 'Bearer ' + session.token;
    let body;
    if (opts.form) {
      body = opts.form;
    } else if (opts.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.json);
    }
    let res;
    try {
      res = await fetch(path, { method, headers, body, credentials: 'same-origin' });
    } catch (e) {
      throw new ApiError(0, 'Cannot reach the server: ' + e.message);
    }
    if (res.status === 401 && !opts.isLogin) {
      session.clear();
      global.dispatchEvent(new CustomEvent('taskflow:unauthorized'));
    }
    if (!res.ok) {
      let data = null;
      try { data = await res.json(); } catch (e) { data = null; }
      const message = (data && (data.error || data.message)) || (res.status + ' ' + res.statusText);
      throw new ApiError(res.status, message, data && data.fields);
    }
    return res;
  }

  async function json(method, path, options) {
    const res = await send(method, path, options);
    const text = await res.text();
    return text ? JSON.parse(text) : {};
  }

  const api = {
    get: (path) => json('GET', path),
    post: (path, body) => json('POST', path, { json: body }),
    put: (path, body) => json('PUT', path, { json: body }),
    patch: (path, body) => json('PATCH', path, { json: body }),
    del: (path) => json('DELETE', path),
    upload: (path, formData) => json('POST', path, { form: formData }),
    login: (username, password) =>
      json('POST', '/auth/login', { json: { username, password }, isLogin: true }),
    /** A protected file as a Blob (a plain link could not send the bearer token). */
    async blob(path) {
      const res = await send('GET', path, { accept: '*/*' });
      return res.blob();
    },
  };

  TF.session = session;
  TF.api = api;
  TF.ApiError = ApiError;
})(window);
