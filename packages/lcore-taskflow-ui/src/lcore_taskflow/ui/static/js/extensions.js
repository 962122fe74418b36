/* The frontend extension API: plugin ES modules and what they contribute.
 *
 * The page lists plugin modules as <link rel="modulepreload" data-plugin-script>
 * (same origin, so the CSP admits them).  Each is imported and its default
 * export is called with the `taskflow` object (documented in the README,
 * "Extending the frontend").  Contributions are kept here and rendered by the
 * screens; a plugin that throws is reported and skipped, never fatal.
 */
import { h } from './dom.js';
import { api, session, share, answerWatchers } from './api.js';
import { toast } from './toast.js';
import { t, tn, currentLanguage, translatorFor } from './i18n.js';

export const contributions = {
  navItems: [],      // {id, label, render(container, ctx)}
  taskPanels: [],    // {id, title, render(container, task, ctx)}
  cardBadges: [],    // fn(task) -> [{text, title?, color?}]
  taskFields: [],    // {name, label, render(container, task, ctx) -> {value()}}
  projectPanels: [], // {id, title, render(container, project, ctx)}
  signInOptions: [], // {id, label, href}: another way in, under the login form (since 2)
  headerBadges: [],  // {id, label, href, count(), describe?(n)} + the shell's link (v2)
  textAssists: [],   // {id, attach(textarea, ctx)} (v2)
  profilePanels: [], // {id, title, render(container, user, ctx)} (since 2)
};
const listeners = new Map();
// contribution -> the module (plugin) that added it; modules named after a project-scoped
// plugin (the page's <meta name="taskflow-scoped-modules">) show only where it is on.
const owners = new WeakMap();
const scopedModules = new Set(
  (document.querySelector('meta[name="taskflow-scoped-modules"]')?.content || '').split(/\s+/).filter(Boolean));

/** The contributions of `list` that apply in `project`: those of a project-scoped plugin only
 * where `project.plugins` (the project JSON: plugins on in it) names it.  Since 2. */
export function forProject(list, project) {
  const on = new Set((project && project.plugins) || []);
  return list.filter((item) => {
    const plugin = owners.get(item);
    return !plugin || !scopedModules.has(plugin) || on.has(plugin);
  });
}

/** Tell plugins something happened: 'board:refresh' (project id), 'task:saved' (task), 'poll' (v2). */
export function emit(event, detail) {
  for (const fn of listeners.get(event) || []) {
    const report = (err) => console.error(`taskflow plugin listener for ${event} failed`, err);
    try {
      const out = fn(detail);
      if (out && typeof out.catch === 'function') out.catch(report);
    } catch (err) { report(err); }
  }
}

/** Call a plugin's render function; its failure shows in its own box only. */
export function safeRender(container, owner, fn, ...args) {
  try {
    const out = fn(container, ...args);
    if (out && typeof out.catch === 'function') out.catch((err) => failed(container, owner, err));
    return out;
  } catch (err) {
    failed(container, owner, err);
    return null;
  }
}

function failed(container, owner, err) {
  console.error(`taskflow plugin ${owner} failed`, err);
  container.replaceChildren(h('p', { class: 'form-error' }, t('The {owner} extension could not be shown.', { owner })));
}

function required(obj, keys, what) {
  for (const key of keys) {
    if (obj == null || obj[key] === undefined) throw new TypeError(`${what} needs "${key}"`);
  }
  return obj;
}

const apiFor = {
  get: (path) => api.get(path),
  post: (path, body) => api.post(path, body),
  put: (path, body) => api.put(path, body),
  patch: (path, body) => api.patch(path, body),
  // since 2: a JSON body (e.g. a password that confirms a deletion)
  del: (path, body) => api.del(path, body === undefined ? undefined : { json: body }),
  upload: (path, formData) => api.upload(path, formData),  // since 2: multipart POST
  blob: (path) => api.blob(path),                           // since 2: a protected download
};

/**
 * Ask every header badge for its count and show it: when the app shows, on
 * each tick of the live polling (app.js), and when a module calls refresh().
 * A count that fails keeps the last one shown (the next tick tries again).
 */
export async function refreshBadges(only) {
  await Promise.all(contributions.headerBadges.filter((b) => !only || b === only).map(async (b) => {
    if (!b.link) return;
    // A count that rode along on another answer (the board's change polling) is fresh enough.
    if (!only && b.heardAt && Date.now() - b.heardAt < HEARD_MS) return;
    try {
      showCount(b, await b.count());
    } catch (err) {
      if (err && err.status === 0) throw err;  // offline: the poll says so
      console.error(`taskflow header badge ${b.id} failed`, err);
    }
  }));
}

const HEARD_MS = 4500;  // a beat and a little: a header heard since the last beat saves a request

// A badge that names a response header takes its count from any answer that carries it.
answerWatchers.push((res) => {
  for (const b of contributions.headerBadges) {
    const value = b.header && b.link ? res.headers.get(b.header) : null;
    if (value !== null && value !== undefined && /^\d+$/.test(value.trim())) {
      b.heardAt = Date.now();
      showCount(b, Number(value));
    }
  }
});

function showCount(b, value) {
  const n = Math.max(0, Math.floor(Number(value) || 0));
  const text = n > 99 ? '99+' : String(n);
  b.number.textContent = text;
  b.number.hidden = n === 0;
  b.link.dataset.count = String(n);
  b.link.setAttribute('aria-label', b.describe ? String(b.describe(n)) : (n ? `${b.label} (${n})` : b.label));
}

/** The badges' links for the header, built once the plugins are loaded. */
export function headerBadgeLinks() {
  return contributions.headerBadges.map((b) => {
    b.number = h('span', { class: 'header-badge-count', 'aria-hidden': 'true', hidden: true }, '0');
    b.link = h('a', {
      class: 'header-badge', href: b.href, 'aria-label': b.label,
      dataset: { extension: b.id, testid: 'header-badge-' + b.id },
    }, h('span', { class: 'header-badge-label', 'aria-hidden': 'true' }, b.icon || b.label), ' ', b.number);
    return b.link;
  });
}

/** Let text helpers (mention completion, ...) attach to a free-text field of the task screens. */
export function assistText(textarea, info, signal) {
  for (const a of contributions.textAssists) {
    try {
      a.attach(textarea, Object.freeze(Object.assign({}, info, { signal })));
    } catch (err) {
      console.error(`taskflow text helper ${a.id} failed`, err);
    }
  }
}

const safeHref = (href) => (/^#\/[\w\-/?=&%.]*$/.test(String(href)) ? String(href) : null);

/** The object handed to each plugin's setup(taskflow). */
export const taskflow = Object.freeze({
  version: 3,
  t,    // since 3: the translation of an English msgid, {name} placeholders filled
  tn,   // since 3: the plural form for n
  get language() { return currentLanguage(); },  // since 3: "en", "de", ...
  api: Object.freeze(apiFor),
  h,
  get user() { return session.user && !share.active ? Object.assign({}, session.user) : null; },
  toast: (message, opts) => toast(String(message), opts || {}),
  on(event, fn) {
    if (!listeners.has(event)) listeners.set(event, new Set());
    listeners.get(event).add(fn);
    return () => listeners.get(event).delete(fn);
  },
  addNavItem: (item) => { contributions.navItems.push(required(item, ['id', 'label', 'render'], 'addNavItem')); },
  addTaskPanel: (panel) => { contributions.taskPanels.push(required(panel, ['id', 'title', 'render'], 'addTaskPanel')); },
  addCardBadges: (fn) => {
    if (typeof fn !== 'function') throw new TypeError('addCardBadges needs a function');
    contributions.cardBadges.push(fn);
  },
  addTaskField: (f) => { contributions.taskFields.push(required(f, ['name', 'label', 'render'], 'addTaskField')); },
  addProjectPanel: (panel) => { contributions.projectPanels.push(required(panel, ['id', 'title', 'render'], 'addProjectPanel')); },
  addSignInOption: (option) => {
    contributions.signInOptions.push(required(option, ['id', 'label', 'href'], 'addSignInOption'));
    emit('login:options');
  },
  addHeaderBadge: (badge) => {
    required(badge, ['id', 'label', 'href', 'count'], 'addHeaderBadge');
    const href = safeHref(badge.href);
    if (!href) throw new TypeError('addHeaderBadge needs an href inside the app ("#/...")');
    const entry = {
      id: String(badge.id).replace(/[^\w-]/g, ''), label: String(badge.label), href, count: badge.count,
      icon: badge.icon ? String(badge.icon) : null, describe: typeof badge.describe === 'function' ? badge.describe : null,
      header: badge.header ? String(badge.header) : null,
    };
    contributions.headerBadges.push(entry);
    return Object.freeze({ refresh: () => refreshBadges(entry).catch(() => {}) });
  },
  addTextAssist: (assist) => { contributions.textAssists.push(required(assist, ['id', 'attach'], 'addTextAssist')); },
  addProfilePanel: (panel) => { contributions.profilePanels.push(required(panel, ['id', 'title', 'render'], 'addProfilePanel')); },
});

/** ``taskflow`` for one module: what it adds is marked as its plugin's (see forProject). */
function taskflowOf(plugin) {
  const mark = (add) => (item) => { if (item && (typeof item === 'object' || typeof item === 'function')) owners.set(item, plugin); return add(item); };
  const own = translatorFor(plugin);  // its own catalog (<module>/i18n/<lang>.json) first
  return Object.freeze(Object.create(taskflow, {
    t: { value: own.t },
    tn: { value: own.tn },
    addTaskPanel: { value: mark(taskflow.addTaskPanel) },
    addCardBadges: { value: mark(taskflow.addCardBadges) },
    addTaskField: { value: mark(taskflow.addTaskField) },
    addProjectPanel: { value: mark(taskflow.addProjectPanel) },
  }));
}

/** A module that needs a newer UI API (UIModule(ui_api=N)): a notice instead of a crash. */
function tooNew(link) {
  const wanted = Number(link.dataset.uiApi || 0);
  if (!wanted || wanted <= taskflow.version) return false;
  const plugin = link.dataset.plugin || link.href.split('/').pop();
  console.warn(`taskflow plugin ${plugin} needs UI API ${wanted}; this frontend provides ${taskflow.version}`);
  toast(t('The {plugin} plugin needs UI API version {wanted}, but this frontend provides version {version}: it is not loaded. Upgrade lcore-taskflow-ui.', { plugin, wanted, version: taskflow.version }), { kind: 'error' });
  return true;
}

/** Import every plugin module the page lists and run its setup; resolves when all are done. */
export async function loadPlugins() {
  const links = [...document.querySelectorAll('link[data-plugin-script]')].filter((l) => !tooNew(l));
  const urls = links.map((l) => l.href);
  await Promise.all(urls.map(async (url) => {
    try {
      const mod = await import(url);
      if (typeof mod.default !== 'function') throw new TypeError('its default export is not a function');
      const plugin = (new URL(url).pathname.match(/\/static\/plugins\/([^/]+)\//) || [])[1];
      await mod.default(plugin ? taskflowOf(plugin) : taskflow);
    } catch (err) {
      console.error('taskflow plugin failed to load: ' + url, err);
      toast(t('A plugin could not be loaded ({file}).', { file: url.split('/').pop() }), { kind: 'error' });
    }
  }));
}
