/* TaskFlow app shell: login (with demo quick-fill), session restore, hash routing. */
(function (global) {
  'use strict';
  const TF = global.TF;
  const { h, byId, mount } = TF.dom;
  const { api, session, ui } = TF;
  let renderSeq = 0;

  function showLogin(message) {
    byId('shell').hidden = true;
    byId('login-view').hidden = false;
    const box = byId('login-error');
    box.hidden = !message;
    box.textContent = message || '';
    mount(byId('view'));
    byId('login-username').focus();
  }

  function showUser() {
    const user = session.user || {};
    byId('whoami-name').textContent = user.username || '';
    const role = byId('whoami-role');
    role.textContent = user.role || '';
    role.className = 'badge badge-' + (user.role === 'admin' ? 'admin' : 'member');
    document.body.classList.toggle('is-admin', session.isAdmin());
  }

  function showApp() {
    byId('login-view').hidden = true;
    byId('shell').hidden = false;
    showUser();
    render();
  }

  /** Render the view named by location.hash; a stale render never overwrites a newer one. */
  async function render() {
    if (!session.token) return showLogin();
    const path = (location.hash || '').replace(/^#\/?/, '') || 'dashboard';
    const seq = ++renderSeq;
    const view = byId('view');
    for (const link of byId('nav').querySelectorAll('a')) {
      link.classList.toggle('active', path === link.dataset.route || path.startsWith(link.dataset.route + '/'));
    }
    const ctx = {
      state: {},
      mount: (...nodes) => { if (seq === renderSeq) mount(view, ...nodes); },
      rerender: () => render(),
    };
    const match = TF.routes.map((r) => [r, path.match(r.pattern)]).find(([, m]) => m);
    try {
      if (!match) {
        ui.setTitle('Not found');
        ui.setActions();
        ctx.mount(ui.card('Page not found', h('p', null, 'There is no page here. '),
          h('a', { href: '#/dashboard' }, 'Back to the dashboard')));
        return;
      }
      await match[0].view(ctx, ...match[1].slice(1));
    } catch (err) {
      if (err.status === 401 || seq !== renderSeq) return;
      ui.setActions();
      ctx.mount(ui.card(err.status === 404 ? 'Not found' : 'Something went wrong',
        h('p', { class: 'form-error', 'data-testid': 'view-error' },
          err.describe ? err.describe() : String(err.message || err)),
        h('a', { href: '#/dashboard' }, 'Back to the dashboard')));
    }
  }

  async function login(ev) {
    ev.preventDefault();
    const button = byId('login-submit');
    const box = byId('login-error');
    box.hidden = true;
    button.disabled = true;
    try {
      const data = await api.login(byId('login-username').value.trim(), byId('login-password').value);
      session.save(data.token, data.user);
      byId('login-password').value = '';
      if (!location.hash || location.hash === '#/') location.hash = '#/dashboard';
      showApp();
    } catch (err) {
      box.textContent = err.describe ? err.describe() : String(err.message || err);
      box.hidden = false;
    } finally {
      button.disabled = false;
    }
  }

  async function logout() {
    try { await api.post('/auth/logout', {}); } catch (e) { /* signing out anyway */ }
    session.clear();
    location.hash = '';
    showLogin();
  }

  /** Check a restored token with the server; a 401 shows the login (api.js clears it). */
  async function refreshUser() {
    try {
      const me = await api.get('/auth/me');
      session.setUser({ id: me.id, username: me.username, role: me.role, email: me.email });
      showUser();
    } catch (err) {
      if (err.status && err.status !== 401) ui.flash(err.describe ? err.describe() : err.message, true);
    }
  }

  function init() {
    byId('login-form').addEventListener('submit', login);
    for (const btn of document.querySelectorAll('.demo-fill')) {
      btn.addEventListener('click', () => {
        byId('login-username').value = btn.dataset.username;
        byId('login-password').value = btn.dataset.password;
        byId('login-submit').focus();
      });
    }
    byId('logout').addEventListener('click', logout);
    global.addEventListener('hashchange', () => {
      byId('flash').hidden = true;
      if (session.token) render();
    });
    global.addEventListener('taskflow:unauthorized', () =>
      showLogin('Your session has ended: please sign in again.'));
    if (session.load()) {
      showApp();
      refreshUser();
    } else {
      showLogin();
    }
  }

  TF.app = { showUser, render };
  init();
})(window);
