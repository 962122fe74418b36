/* Translations of the single-page app: t(), tn(), the current language and its catalogs.
 *
 * English is the source language: a msgid IS the English text, so a string
 * missing from a catalog shows in English.  A catalog is a JSON object
 * {"English msgid": "Übersetzung", "{n} task": ["{n} Aufgabe", "{n} Aufgaben"]}
 * (an array holds the plural forms one/other, keyed by the singular msgid).
 *
 * The page lists the catalogs it can load as
 *   <meta name="taskflow-i18n" data-owner="ui|<plugin>" data-languages="de" content="<url prefix>">
 * (the ui's own from static/i18n/, each plugin's from <UIModule directory>/i18n/, all under
 * content-hashed URLs).  init() picks the language and loads every catalog of it before
 * the first screen renders and before any plugin's script runs.
 *
 * Nothing here touches the DOM when imported: the pure modules that use t() (dates.js)
 * stay importable by `node --test`.
 */

export const SOURCE = 'en';
const PLACEHOLDER = /\{(\w+)\}/g;

let language = SOURCE;
let sources = [];               // [{owner, languages: Set, prefix}] from the page
const catalogs = new Map();     // owner ('ui' or a plugin's module name) -> {msgid: translation}

/** The current language (a BCP-47 code, "en" or "de"). */
export const currentLanguage = () => language;

/** The languages the app can show: English plus every language the ui's catalogs provide. */
export function availableLanguages() {
  const ui = sources.find((s) => s.owner === 'ui');
  return [SOURCE, ...[...(ui ? ui.languages : [])].filter((code) => code !== SOURCE).sort()];
}

/** A language's own name ("Deutsch", "English"), as its speakers write it. */
export function languageName(code) {
  try {
    const name = new Intl.DisplayNames([code], { type: 'language' }).of(code);
    return name ? name.charAt(0).toLocaleUpperCase(code) + name.slice(1) : code;
  } catch {
    return code;
  }
}

/**
 * The language to show: the profile's `preferred` when a catalog provides it, else
 * the first of the browser's languages that one does (exact, then its primary
 * subtag: "de-AT" -> "de"), else English.
 */
export function chooseLanguage(preferred, browser = globalThis.navigator ? navigator.languages || [navigator.language] : []) {
  const have = availableLanguages();
  const match = (code) => {
    if (!code) return null;
    const wanted = String(code).toLowerCase();
    return have.find((c) => c.toLowerCase() === wanted) || have.find((c) => c.toLowerCase() === wanted.split('-')[0]) || null;
  };
  if (preferred && match(preferred)) return match(preferred);
  for (const code of browser || []) {
    const found = match(code);
    if (found) return found;
  }
  return SOURCE;
}

function fill(text, params) {
  if (!params) return text;
  return String(text).replace(PLACEHOLDER, (all, name) => (params[name] === undefined || params[name] === null ? all : String(params[name])));
}

function lookup(msgid, owner) {
  if (language === SOURCE) return undefined;
  const own = owner && owner !== 'ui' ? catalogs.get(owner) : null;
  if (own && own[msgid] !== undefined) return own[msgid];
  const ui = catalogs.get('ui');
  return ui ? ui[msgid] : undefined;
}

/** The translation of `msgid` (else msgid itself), `{name}` placeholders filled from `params`. */
export function t(msgid, params) {
  const found = lookup(msgid);
  return fill(typeof found === 'string' && found ? found : msgid, params);
}

/** The plural form for `n` of singular/plural ("{n} task", "{n} tasks"), `{n}` filled with n
 * written in the current language ("1,234 tasks", German "1.234 Aufgaben"). */
export function tn(n, singular, plural, params) {
  return pluralOf(n, singular, plural, params, lookup(singular));
}

function pluralOf(n, singular, plural, params, found) {
  const values = Object.assign({ n: typeof n === 'number' ? formatNumber(n) : n }, params || {});
  if (Array.isArray(found) && found.length) {
    let index = 1;
    try {
      index = new Intl.PluralRules(language).select(Number(n)) === 'one' ? 0 : 1;
    } catch {
      index = Number(n) === 1 ? 0 : 1;
    }
    return fill(found[Math.min(index, found.length - 1)], values);
  }
  return fill(Number(n) === 1 ? singular : plural, values);
}

/** t and tn of one plugin: its own catalog first, then the ui's. */
export function translatorFor(owner) {
  return {
    t: (msgid, params) => {
      const found = lookup(String(msgid), owner);
      return fill(typeof found === 'string' && found ? found : String(msgid), params);
    },
    tn: (n, singular, plural, params) => pluralOf(n, String(singular), String(plural), params, lookup(String(singular), owner)),
  };
}

/** Install catalogs directly ({owner: {msgid: translation}}): for tests and tools. */
export function useCatalogs(code, byOwner) {
  language = code;
  catalogs.clear();
  for (const [owner, catalog] of Object.entries(byOwner || {})) catalogs.set(owner, catalog || {});
}

/** The catalog sources the page lists (<meta name="taskflow-i18n">). */
export function readSources(doc = document) {
  sources = [...doc.querySelectorAll('meta[name="taskflow-i18n"]')].map((m) => ({
    owner: m.dataset.owner || 'ui',
    languages: new Set((m.dataset.languages || '').split(/\s+/).filter(Boolean)),
    prefix: m.content,
  }));
  return sources;
}

async function fetchCatalog(url) {
  try {
    const res = await fetch(url, { credentials: 'same-origin' });
    if (!res.ok) throw new Error('HTTP ' + res.status);
    const data = await res.json();
    return data && typeof data === 'object' && !Array.isArray(data) ? data : {};
  } catch (err) {
    console.error('taskflow: the catalog ' + url + ' could not be loaded', err);
    return {};  // that part of the app shows in English
  }
}

/** Switch to `code` and load the catalogs of every source that provides it. */
export async function setLanguage(code) {
  const wanted = availableLanguages().includes(code) ? code : SOURCE;
  const loaded = new Map();
  if (wanted !== SOURCE) {
    await Promise.all(sources.filter((s) => s.languages.has(wanted)).map(async (s) => {
      loaded.set(s.owner, await fetchCatalog(`${s.prefix}${wanted}.json`));
    }));
  }
  language = wanted;
  catalogs.clear();
  for (const [owner, catalog] of loaded) catalogs.set(owner, catalog);
  if (globalThis.document) {
    document.documentElement.lang = wanted;
    translateDocument(document);
  }
  return wanted;
}

/**
 * Translate the page's own markup (frontend.tpl): an element with `data-i18n` gets
 * t(its English text); `data-i18n-attrs="placeholder aria-label"` translates those
 * attributes.  The English stays in data-i18n-msgid*, so a second call works too.
 */
export function translateDocument(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) {
    if (el.dataset.i18nMsgid === undefined) el.dataset.i18nMsgid = el.textContent.trim();
    el.textContent = t(el.dataset.i18nMsgid);  // i18n-ignore: the msgid is the markup's own text
  }
  for (const el of root.querySelectorAll('[data-i18n-attrs]')) {
    for (const name of el.dataset.i18nAttrs.split(/\s+/).filter(Boolean)) {
      const key = 'i18nMsgid' + name.replace(/(^|-)(\w)/g, (all, dash, c) => c.toUpperCase());
      if (el.dataset[key] === undefined) el.dataset[key] = el.getAttribute(name) || '';
      el.setAttribute(name, t(el.dataset[key]));  // i18n-ignore: the markup's own text
    }
  }
}

/** Read the page's catalogs and switch to the language chosen for `preferred` (the profile's). */
export async function initLanguage(preferred) {
  readSources(document);
  return setLanguage(chooseLanguage(preferred));
}

/**
 * The locale for Intl: the browser's own variant of the current language when it has one
 * (en-GB writes 3 Dec 2026, de-AT Jänner), else the language itself.
 */
export function intlLocale() {
  const browser = globalThis.navigator ? navigator.languages || [navigator.language] : [];
  return (browser || []).find((code) => String(code).toLowerCase().split('-')[0] === language) || language;
}

/** Dates and numbers in the current language (Intl). */
export const formatNumber = (n, options) => new Intl.NumberFormat(intlLocale(), options).format(n);
export const formatDate = (date, options) => new Intl.DateTimeFormat(intlLocale(), options).format(date);
