/* The app shell: login, session restore, hash routing with a loading state,
 * an error frame with Retry, focus on the heading after each navigation,
 * live polling tied to the view, the phone menu and the skip link.
 *
 * A share link (#/share/<token>) opens the shared mode instead: the token is
 * kept for the tab (sessionStorage) and the address becomes #/shared; no
 * sign-in, no navigation, a plain header instead of the sidebar, only the
 * routes registered with {share: true}; a revoked or expired link says so. */
import { h, byId, mount } from './dom.js';
import { api, session, share, SHARE_PREFIX } from './api.js';
import { routes, route, currentLocation } from './router.js';
import { toast, errorText } from './toast.js';
import { contributions, loadPlugins, safeRender, taskflow, emit, refreshBadges, headerBadgeLinks } from './extensions.js';
import { refreshSavedViews } from './saved-views.js';
import { WORKSPACE_ROLE_LABELS } from './roles.js';
import { t } from './i18n.js';
import { followProfileLanguage, renderSignInOptions, wireLoginForm } from './login.js';
const LIVE_MS = 4000;  // the live polling's beat, the same as the board's and the task's
let current = null;   // {controller} of the view on screen
let live = null;      // the shell's timer: header badges and plugins' 'poll' listeners
let pluginsReady = null;
let mode = null;      // 'login', 'app' or 'share': what the tab shows

export function setTitle(text) {
  byId('page-title').textContent = text;
  document.title = text + ' · ' + (document.body.dataset.appName || 'TaskFlow');
}

export function setActions(...nodes) {
  mount(byId('topbar-actions'), ...nodes);
}

function setLiveStatus(text) {
  const el = byId('live-status');
  if (el.textContent !== text) el.textContent = text;
}

// ------------------------------------------------------ the shell's beat
/**
 * While the app is shown (signed in, not a share link) and the tab is
 * visible: every LIVE_MS, ask the header badges for their counts and tell
 * plugins ('poll').  The same polling as the views', on every screen.
 */
let beats = 0;  // each start gets a number: an older loop still waiting on the network ends

async function beat(mine) {
  if (mode !== 'app' || mine !== beats) return;
  if (!document.hidden) {
    try {
      await refreshBadges();
      emit('poll', {});
    } catch (err) {
      if (err.status === 0) setLiveStatus(t('Offline: live updates resume when the server is back.'));
    }
  }
  if (mode === 'app' && mine === beats) live = setTimeout(() => beat(mine), LIVE_MS);
}

function startBeat() {
  clearTimeout(live);
  beat(++beats);
}

function stopBeat() {
  clearTimeout(live);
  beats += 1;
}

function showLogin(message) {
  stopBeat();
  if (current) current.controller.abort();
  if (mode === 'share') leaveShare();
  mode = 'login';
  byId('shell').hidden = true;
  byId('login-view').hidden = false;
  const box = byId('login-error');
  box.hidden = !message;
  box.textContent = message || '';
  mount(byId('view'));
  document.title = document.body.dataset.appName || 'TaskFlow';
  renderSignInOptions();
  byId('login-username').focus();
}

export function showUser() {
  const user = session.user || {};
  byId('whoami-name').textContent = user.username || '';
  const role = byId('whoami-role');
  role.textContent = WORKSPACE_ROLE_LABELS[user.role] || user.role || '';
  role.className = 'badge badge-' + (user.role === 'admin' || user.role === 'guest' ? user.role : 'member');
  document.body.classList.toggle('is-admin', session.isAdmin());
  byId('nav-teams').hidden = !session.isAdmin();
  byId('nav-audit').hidden = !session.isAdmin();
  byId('nav-plugins').hidden = !session.isAdmin();
}

function markNav(path) {
  for (const link of byId('nav').querySelectorAll('a')) {
    const on = path === link.dataset.route || path.startsWith(link.dataset.route + '/');
    link.classList.toggle('active', on);
    if (on) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
  }
}

function errorFrame(err, r) {
  const notFound = err.status === 404;
  setTitle(notFound ? r.notFound : t('Something went wrong'));
  setActions();
  return h('section', { class: 'card error-frame', 'data-testid': 'view-error' },
    h('p', { class: 'form-error' }, notFound && r.notFoundText ? r.notFoundText : errorText(err)),
    h('div', { class: 'row' },
      notFound ? null : h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'retry-view', onclick: () => render({ focus: false }) }, t('Try again')),
      share.active ? h('a', { class: 'btn', href: '#/shared' }, t('Back to the shared project'))
        : h('a', { class: 'btn', href: '#/dashboard' }, t('Back to the dashboard'))));
}

/**
 * Render the view named by the hash.  The frame (sidebar, heading) stays; the
 * view's area shows "Loading…" until its data is in.  A newer navigation
 * aborts the older one (ctx.signal), which also stops its polling.
 */
export async function render({ focus = true } = {}) {
  if (!share.active && !session.token) return showLogin();
  if (current) current.controller.abort();
  const controller = new AbortController();
  const me = { controller };
  current = me;
  const alive = () => current === me && !controller.signal.aborted;
  const { path, params } = currentLocation();
  const view = byId('view');
  const main = byId('main');
  markNav(path);
  closeMenu();
  setLiveStatus('');
  const found = routes.filter((r) => Boolean(r.share) === share.active)
    .map((r) => [r, path.match(r.pattern)]).find(([, m]) => m);
  const r = found ? found[0] : { title: t('Page not found'), notFound: t('Page not found'), notFoundText: t('There is no page at this address.') };
  setTitle(r.title);
  setActions();
  main.setAttribute('aria-busy', 'true');
  mount(view, h('p', { class: 'loading', 'data-testid': 'loading' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), t('Loading…')));

  const ctx = {
    params,
    signal: controller.signal,
    alive,
    setTitle: (text) => { if (alive()) setTitle(text); },
    setActions: (...nodes) => { if (alive()) setActions(...nodes); },
    mount: (...nodes) => { if (alive()) mount(view, ...nodes); },
    refresh: () => { if (alive()) render({ focus: false }); },
    /** Run fn every `ms` while this view is on screen and the tab is visible. */
    poll(fn, ms) {
      let timer = null;
      const tick = async () => {
        if (!alive()) return;
        if (!document.hidden) {
          try {
            await fn();
            setLiveStatus('');
          } catch (err) {
            if (err.status === 0) setLiveStatus(t('Offline: live updates resume when the server is back.'));
          }
        }
        if (alive()) timer = setTimeout(tick, ms);
      };
      timer = setTimeout(tick, ms);
      controller.signal.addEventListener('abort', () => clearTimeout(timer));
    },
  };
  try {
    if (!found) throw Object.assign(new Error('not found'), { status: 404 });
    await found[0].view(ctx, ...found[1].slice(1));
  } catch (err) {
    if (err.status === 401 || !alive()) return;
    mount(view, errorFrame(err, r));
  } finally {
    if (alive()) {
      main.removeAttribute('aria-busy');
      if (view.querySelector('[data-testid=loading]')) mount(view);
      if (focus) byId('page-title').focus();
    }
  }
}

// ------------------------------------------------------------- plugins' nav
function addPluginNav() {
  for (const item of contributions.navItems) {
    const id = String(item.id).replace(/[^\w-]/g, '');
    byId('nav').appendChild(h('a', { href: '#/ext/' + id, dataset: { route: 'ext/' + id, extension: id } }, item.label));
    route(new RegExp('^ext/' + id + '$'), async (ctx) => {
      ctx.setTitle(item.label);
      const box = h('div', { class: 'extension-view', dataset: { extension: id } });
      ctx.mount(box);
      await safeRender(box, id, item.render, { signal: ctx.signal, params: ctx.params });
    }, { title: item.label });
  }
}

// -------------------------------------------------------------------- menu
function closeMenu() {
  byId('menu-toggle').setAttribute('aria-expanded', 'false');
  byId('shell').classList.remove('menu-open');
}

function toggleMenu() {
  const open = byId('menu-toggle').getAttribute('aria-expanded') !== 'true';
  byId('menu-toggle').setAttribute('aria-expanded', String(open));
  byId('shell').classList.toggle('menu-open', open);
}

// ------------------------------------------------------------ shared mode
/** "Shared project — read only" (viewer link) or "— you can comment" (commenter link). */
export function setShareRole(role) {
  byId('share-mode').textContent = role === 'commenter' ? t('Shared project — you can comment') : t('Shared project — read only');
}

/** A share link's token, or a message (shown as the page) when there is none or it is malformed. */
export function shareProblem() {
  if (!share.token) return [t('Incomplete share link'), t('Open the whole link you were given: it ends with a long code after “#/share/”.')];
  if (!share.token.startsWith(SHARE_PREFIX)) return [t('Not a share link'), t('This address does not hold a TaskFlow share link. Check that you copied all of it.')];
  return null;
}

function enterShare() {
  stopBeat();
  share.load();
  share.active = true;
  mode = 'share';
  byId('login-view').hidden = true;
  byId('shell').hidden = false;
  byId('shell').classList.add('is-share');
  byId('sidebar').hidden = true;
  byId('share-bar').hidden = false;
  document.body.classList.remove('is-admin');
  setShareRole('viewer');
}

function leaveShare() {
  share.active = false;
  byId('shell').classList.remove('is-share');
  byId('sidebar').hidden = false;
  byId('share-bar').hidden = true;
}

/** The link stopped working (revoked or expired): say so instead of the view. */
function shareEnded(message) {
  if (!share.active) return;
  if (current) current.controller.abort();
  current = null;
  setTitle(t('This link no longer works'));
  setActions();
  byId('share-mode').textContent = t('Shared project');
  mount(byId('view'), h('section', { class: 'card error-frame', 'data-testid': 'share-ended' },
    h('p', { class: 'form-error' }, String(message || t('This share link was revoked or has expired')).replace(/\.?$/, '.')),
    h('p', null, t('Ask the person who shared the project with you for a new link.'))));
  byId('main').removeAttribute('aria-busy');
  byId('page-title').focus();
}

/** Show what the address asks for: a shared project, the app, or the login. */
function open(focus) {
  const { path } = currentLocation();
  const link = /^share\/(.+)$/.exec(path);
  if (link) {
    // Kept for this tab only; the address no longer shows the secret.
    let token = link[1];
    try { token = decodeURIComponent(token); } catch { /* kept as it is: shareProblem() names it */ }
    share.save(token);
    history.replaceState(null, '', location.pathname + location.search + '#/shared');
  }
  if (link || path === 'shared' || path.startsWith('shared/')) {
    if (mode === 'share') return render({ focus });
    enterShare();
    return pluginsReady.then(() => render({ focus }));
  }
  if (mode === 'share') leaveShare();
  if (!session.token) return mode === 'login' ? null : showLogin();
  if (mode !== 'app') {
    showApp(focus);
    refreshUser();
    return null;
  }
  return render({ focus });
}

// ------------------------------------------------------------------- login
async function showApp(focus) {
  mode = 'app';
  byId('login-view').hidden = true;
  byId('shell').hidden = false;
  showUser();
  refreshSavedViews();
  await pluginsReady;
  render({ focus });
  startBeat();
}

async function logout() {
  try { await api.post('/auth/logout', {}); } catch { /* signing out anyway */ }
  session.clear();
  history.replaceState(null, '', location.pathname + location.search);
  showLogin();
}

/** Check a restored token with the server; a 401 shows the login (api.js clears it). */
async function refreshUser() {
  try {
    const me = await api.get('/auth/me');
    session.setUser({ id: me.id, username: me.username, role: me.role, email: me.email, language: me.language || null });
    if (followProfileLanguage(me)) return;
    showUser();
  } catch (err) {
    if (err.status !== 401) toast(errorText(err), { kind: 'error' });
  }
}

export function start() {
  wireLoginForm(() => showApp(true));
  byId('logout').addEventListener('click', logout);
  byId('menu-toggle').addEventListener('click', toggleMenu);
  byId('skip-link').addEventListener('click', (ev) => {
    ev.preventDefault();  // the hash is the router's: focus the heading instead
    (byId('shell').hidden ? byId('login-username') : byId('page-title')).focus();
  });
  window.addEventListener('hashchange', () => open(true));
  window.addEventListener('taskflow:unauthorized', () => showLogin(t('Your session has ended: please sign in again.')));
  window.addEventListener('taskflow:share-ended', (ev) => shareEnded(ev.detail));
  pluginsReady = loadPlugins().then(() => {
    addPluginNav();
    const badges = byId('header-badges');
    mount(badges, headerBadgeLinks());
    // The phone's search box sits in the header row, fixed: it must end where the badges start.
    const fit = () => document.body.style.setProperty('--header-badges',
      badges.offsetWidth ? `${badges.offsetWidth + 8}px` : '0px');
    if (window.ResizeObserver) new ResizeObserver(fit).observe(badges);
    fit();
  });
  // Back to a hidden tab: the counts catch up at once, not a beat later.
  document.addEventListener('visibilitychange', () => { if (!document.hidden && mode === 'app') startBeat(); });
  taskflow.on('login:options', () => { if (mode === 'login') renderSignInOptions(); });
  if (session.load() || /^#\/shar/.test(location.hash)) return open(false);
  // No session of ours: a single sign-on may have left one in the cookie.
  api.cookieSession().then((data) => {
    if (data) session.save(data.token, data.user);
  }, () => null).then(() => open(false));
}
