/* Audit log (admins, #/audit): who did what, newest first; filters (an action,
 * or an area such as "auth." that matches its prefix; a person; since a day)
 * kept in the URL, paging, and the matching entries as CSV (fetched with the
 * bearer token and saved through a Blob). */
import { h, mount, formatTime } from '../dom.js';
import { api, session, teamMembers } from '../api.js';
import { route, replaceParams } from '../router.js';
import { field, select } from '../forms.js';
import { toastError } from '../toast.js';
import { card, tableWrap, empty } from './common.js';
import { t, tn } from '../i18n.js';
const LIMIT = 25;

/** "2026-12-01" (a local day) -> Unix seconds at its start. */
function dayStart(value) {
  const [y, m, d] = String(value).split('-').map(Number);
  return Math.floor(new Date(y, m - 1, d).getTime() / 1000);
}

function details(value) {
  if (!value || typeof value !== 'object' || !Object.keys(value).length) return '';
  return Object.entries(value).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(', ');
}

route(/^audit$/, async (ctx) => {
  ctx.setTitle(t('Audit log'));
  if (!session.isAdmin()) throw Object.assign(new Error("You don't have permission to see the audit log."), { status: 403 });
  const params = ctx.params;
  const users = await teamMembers();
  const query = () => {
    const q = new URLSearchParams();
    for (const key of ['action', 'user_id']) if (params.get(key)) q.set(key, params.get(key));
    if (params.get('since')) q.set('since', String(dayStart(params.get('since'))));
    return q;
  };

  const form = h('form', { class: 'stack audit-filters', role: 'search', 'aria-label': t('Filter the audit log'), 'data-testid': 'audit-filters' },
    h('div', { class: 'form-row' },
      field(t('Action'), h('input', { name: 'action', value: params.get('action') || '', maxlength: 100, autocomplete: 'off', placeholder: 'auth.login', 'data-testid': 'audit-action' }),  // i18n-ignore: an action's name
        t('An action, or an area ending in a dot (auth.) for all of it.')),
      field(t('Person'), select('user_id', [['', t('Anyone')]].concat(users.map((u) => [u.id, u.username])), params.get('user_id') || '', { 'data-testid': 'audit-user' })),
      field(t('Since'), h('input', { name: 'since', type: 'date', value: params.get('since') || '', 'data-testid': 'audit-since' }))),
    h('div', { class: 'row' },
      h('button', { type: 'submit', class: 'btn btn-primary' }, t('Show')),
      h('button', { type: 'button', class: 'btn', onclick: () => { form.reset(); for (const el of form.elements) if (el.name) el.value = ''; apply(1); } }, t('Clear'))));
  form.addEventListener('submit', (ev) => { ev.preventDefault(); apply(1); });

  const listBox = h('div', { 'data-testid': 'audit-list' });
  const pager = h('nav', { class: 'row pager', 'aria-label': t('Pages of the audit log') });
  const summary = h('p', { class: 'muted small', role: 'status', 'data-testid': 'audit-summary' });
  const csv = h('button', { type: 'button', class: 'btn', 'data-testid': 'audit-csv', onclick: download }, t('Download CSV'));

  function apply(page) {
    const data = new FormData(form);
    for (const key of ['action', 'user_id', 'since']) {
      const v = String(data.get(key) || '').trim();
      if (v) params.set(key, v); else params.delete(key);
    }
    if (page > 1) params.set('page', String(page)); else params.delete('page');
    replaceParams(params);
    load().catch(toastError);
  }

  async function download() {
    csv.disabled = true;
    try {
      const q = query();
      q.set('format', 'csv');
      const blob = await api.blob('/api/admin/audit?' + q.toString());
      const url = URL.createObjectURL(blob);
      const link = h('a', { href: url, download: 'taskflow-audit.csv' });
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 30000);
    } catch (err) {
      toastError(err);
    } finally {
      csv.disabled = false;
    }
  }

  function row(e) {
    return h('tr', { 'data-testid': 'audit-row' },
      h('td', { 'data-label': t('When') }, formatTime(e.at)),
      h('td', { class: 'wrap', 'data-label': t('Who') }, e.actor || h('span', { class: 'muted' }, t('Nobody signed in'))),
      h('td', { 'data-label': t('Action'), 'data-testid': 'audit-action-cell' }, h('code', null, e.action)),
      h('td', { class: 'wrap', 'data-label': t('Target') }, e.target || ''),
      h('td', { 'data-label': t('Address') }, e.address || ''),
      h('td', { class: 'wrap small', 'data-label': t('Details') }, details(e.details)));
  }

  async function load() {
    const page = Math.max(1, Number(params.get('page')) || 1);
    const q = query();
    q.set('page', String(page));
    q.set('limit', String(LIMIT));
    const data = await api.get('/api/admin/audit?' + q.toString());
    if (!ctx.alive()) return;
    const entries = data.entries || [];
    const pages = Math.max(1, Math.ceil((data.total || 0) / LIMIT));
    summary.textContent = data.total ? tn(data.total, '{n} entry · page {page} of {pages}', '{n} entries · page {page} of {pages}', { page, pages }) : t('No entries match.');
    mount(listBox, entries.length
      ? tableWrap(t('Audit log entries'), h('table', { class: 'table table-stack', 'data-testid': 'audit-table' },
        h('thead', null, h('tr', null, [t('When'), t('Who'), t('Action'), t('Target'), t('Address'), t('Details')].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', null, entries.map(row))))
      : empty(t('No entries match these filters.')));
    mount(pager,
      h('button', { type: 'button', class: 'btn', disabled: page <= 1, 'data-testid': 'audit-prev', onclick: () => apply(page - 1) }, t('Previous page')),
      h('button', { type: 'button', class: 'btn', disabled: page >= pages, 'data-testid': 'audit-next', onclick: () => apply(page + 1) }, t('Next page')));
  }

  await load();
  ctx.setActions(csv);
  ctx.mount(card(null, form), card(t('Entries'), summary, listBox, pager));
}, { title: t('Audit log') });
