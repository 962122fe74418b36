// The few browser globals the SPA's modules read when they load or run, for `node --test`:
// storage, the page's base prefix, the hash location and history.  Import this module
// first (then the SPA's modules with await import()), and only in tests.
class MemoryStorage {
  #items = new Map();
  getItem(key) { return this.#items.has(key) ? this.#items.get(key) : null; }
  setItem(key, value) { this.#items.set(key, String(value)); }
  removeItem(key) { this.#items.delete(key); }
  clear() { this.#items.clear(); }
}

export const BASE = '/pm';
globalThis.localStorage = new MemoryStorage();
globalThis.sessionStorage = new MemoryStorage();
globalThis.window = new EventTarget();
// Node 18 (Debian 12's) has Event but not CustomEvent; api.js sends one on a 401
globalThis.CustomEvent ??= class CustomEvent extends Event {
  constructor(type, init = {}) { super(type, init); this.detail = init.detail ?? null; }
};
globalThis.document = { body: { dataset: { base: BASE + '/' } } };
globalThis.location = { hash: '' };
globalThis.history = {
  state: null,
  calls: [],
  replaceState(state, title, url) { this.calls.push(url); location.hash = url; },
};

/** The static/js directory of the ui package, as a file URL to import from. */
export const JS = new URL('../../src/lcore_taskflow/ui/static/js/', import.meta.url);
