/* The frontend extension API: plugin ES modules and what they contribute.
 *
 * The page lists plugin modules as <link rel="modulepreload" data-plugin-script>
 * (same origin, so the CSP admits them).  Each is imported and its default
 * export is called with the `taskflow` object (documented in the README,
 * "Extending the frontend").  Contributions are kept here and rendered by the
 * screens; a plugin that throws is reported and skipped, never fatal.
 */
import { h } from './dom.js';
import { api, session, share } from './api.js';
import { toast } from './toast.js';

export const contributions = {
  navItems: [],      // {id, label, render(container, ctx)}
  taskPanels: [],    // {id, title, render(container, task, ctx)}
  cardBadges: [],    // fn(task) -> [{text, title?, color?}]
  taskFields: [],    // {name, label, render(container, task, ctx) -> {value()}}
  projectPanels: [], // {id, title, render(container, project, ctx)}
  signInOptions: [], // {id, label, href}: another way in, under the login form (since 2)
};
const listeners = new Map();

/** Tell plugins something happened: 'board:refresh' (project id), 'task:saved' (task). */
export function emit(event, detail) {
  for (const fn of listeners.get(event) || []) {
    try { fn(detail); } catch (err) { console.error(`taskflow plugin listener for ${event} failed`, err); }
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
  container.replaceChildren(h('p', { class: 'form-error' }, `The ${owner} extension could not be shown.`));
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
  del: (path) => api.del(path),
};

/** The object handed to each plugin's setup(taskflow). */
export const taskflow = Object.freeze({
  version: 2,
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
});

/** A module that needs a newer UI API (UIModule(ui_api=N)): a notice instead of a crash. */
function tooNew(link) {
  const wanted = Number(link.dataset.uiApi || 0);
  if (!wanted || wanted <= taskflow.version) return false;
  const plugin = link.dataset.plugin || link.href.split('/').pop();
  console.warn(`taskflow plugin ${plugin} needs UI API ${wanted}; this frontend provides ${taskflow.version}`);
  toast(`The ${plugin} plugin needs UI API version ${wanted}, but this frontend provides version ${taskflow.version}: it is not loaded. Upgrade lcore-taskflow-ui.`, { kind: 'error' });
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
      await mod.default(taskflow);
    } catch (err) {
      console.error('taskflow plugin failed to load: ' + url, err);
      toast(`A plugin could not be loaded (${url.split('/').pop()}).`, { kind: 'error' });
    }
  }));
}
