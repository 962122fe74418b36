/* Search on every screen (GET /api/search): the box above the heading, focused
 * with "/" or Ctrl+K (⌘K) unless the focus is in a field; results in a listbox
 * (a combobox: arrows move, Enter opens, Escape closes); the words that
 * matched are wrapped in <mark> elements built as DOM nodes from the
 * server's [start, end] offsets (code points of the snippet, never HTML).
 * Hidden in a shared project (no navigation there). */
import { h, mount, byId } from './dom.js';
import { api, share, links } from './api.js';
import { errorText } from './toast.js';
import { t, tn } from './i18n.js';
const LIMIT = 10;
const KINDS = { task: t('Task'), comment: t('Comment'), project: t('Project') };
let results = [];
let active = -1;
let timer = null;
let asked = 0;  // the latest request: older answers are dropped

/** The snippet as text nodes and <mark> elements (offsets count code points, as the server does). */
export function highlighted(snippet, ranges) {
  const chars = Array.from(String(snippet || ''));
  const spans = (ranges || []).map(([s, e]) => [Math.max(0, Number(s) || 0), Math.min(chars.length, Number(e) || 0)])
    .filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0]);
  const out = [];
  let at = 0;
  for (const [s, e] of spans) {
    const start = Math.max(s, at);
    if (e <= start) continue;
    if (start > at) out.push(chars.slice(at, start).join(''));
    out.push(h('mark', null, chars.slice(start, e).join('')));
    at = e;
  }
  if (at < chars.length) out.push(chars.slice(at).join(''));
  return out;
}

const input = () => byId('search-input');
const list = () => byId('search-results');

/** A sentence instead of results (nothing found, an error): beside the listbox, never in it. */
function say(text) {
  const box = byId('search-message');
  box.textContent = text;
  box.hidden = false;
  list().hidden = true;
  input().setAttribute('aria-expanded', 'false');
  byId('search-status').textContent = text;
}

function close() {
  byId('search-message').hidden = true;
  list().hidden = true;
  input().setAttribute('aria-expanded', 'false');
  input().removeAttribute('aria-activedescendant');
  active = -1;
}

function setActive(i) {
  const items = list().querySelectorAll('[role=option]');
  if (!items.length) return;
  active = (i + items.length) % items.length;
  items.forEach((el, n) => el.setAttribute('aria-selected', String(n === active)));
  input().setAttribute('aria-activedescendant', items[active].id);
  items[active].scrollIntoView({ block: 'nearest' });
}

function target(r) {
  if (r.kind === 'project') return links.board(r.project_id);
  return links.task(r.project_id, r.task_id || r.id);
}

function openResult(i) {
  const r = results[i];
  if (!r) return;
  close();
  location.hash = target(r);
}

function show(data, q) {
  results = data.results || [];
  const status = byId('search-status');
  if (!results.length) {
    say(t('Nothing matches “{q}”.', { q }));
    return;
  }
  mount(list(), results.map((r, i) => h('li', {
    id: 'search-option-' + i, role: 'option', 'aria-selected': 'false', 'data-testid': 'search-result',
    dataset: { kind: r.kind },
    onmousedown: (ev) => ev.preventDefault(),  // keep the focus in the box
    onclick: () => openResult(i),
  },
  h('span', { class: 'search-kind' }, KINDS[r.kind] || r.kind),
  h('span', { class: 'search-title' }, r.title),
  r.snippet ? h('span', { class: 'search-snippet' }, highlighted(r.snippet, r.highlights)) : null)));
  const more = data.more || (data.total || 0) > results.length;
  status.textContent = (more ? tn(results.length, '{n} result shown; type more words to narrow them.', '{n} results shown; type more words to narrow them.')
    : tn(results.length, '{n} result.', '{n} results.')) + ' ' + t('Use the arrow keys and Enter to open one.');
  active = -1;
  byId('search-message').hidden = true;
  list().hidden = false;
  input().setAttribute('aria-expanded', 'true');
}

async function run() {
  const q = input().value.trim();
  const mine = ++asked;
  if (q.length < 2) {
    results = [];
    close();
    byId('search-status').textContent = '';
    return;
  }
  try {
    const data = await api.get(`/api/search?q=${encodeURIComponent(q)}&limit=${LIMIT}`);
    if (mine === asked && document.activeElement === input()) show(data, q);
  } catch (err) {
    if (mine !== asked || err.status === 401) return;
    results = [];
    say(errorText(err));
  }
}

function typing(el) {
  return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
}

function onKey(ev) {
  const box = input();
  if (ev.target === box) {
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      if (list().hidden && results.length) show({ results, more: false }, box.value.trim());
      if (results.length) {
        ev.preventDefault();
        setActive(active + (ev.key === 'ArrowDown' ? 1 : active < 0 ? 0 : -1));
      }
    } else if (ev.key === 'Enter') {
      ev.preventDefault();
      if (results.length && !list().hidden) openResult(active < 0 ? 0 : active);
      else run();
    } else if (ev.key === 'Escape') {
      ev.preventDefault();
      if (!list().hidden) close();
      else box.blur();
    }
    return;
  }
  const shortcut = (ev.key === '/' && !ev.ctrlKey && !ev.metaKey && !ev.altKey)
    || ((ev.ctrlKey || ev.metaKey) && !ev.altKey && (ev.key === 'k' || ev.key === 'K'));
  if (!shortcut || typing(ev.target) || byId('shell').hidden || share.active) return;
  ev.preventDefault();
  box.focus();
  box.select();
}

export function initSearch() {
  const box = input();
  if (!box) return;
  box.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(run, 200);
  });
  box.addEventListener('focus', () => { if (results.length && box.value.trim().length >= 2) show({ results }, box.value.trim()); });
  byId('search').addEventListener('focusout', (ev) => { if (!byId('search').contains(ev.relatedTarget)) close(); });
  document.addEventListener('keydown', onKey);
  window.addEventListener('hashchange', close);
}
