/* The in-app inbox (GET /api/notifications/inbox, POST .../inbox/read):
 * what happened, who did it, where (a link to the task or project), when;
 * mark one, the selected or all read; pages of PAGE items; unread only.
 * The page and the filter live in the URL; new items arrive with the
 * frontend's live polling ('poll') while the first page is shown. */
import { card, formatTime, errorText, nextId, t, tn } from './common.js';

const PAGE = 20;

// Whole sentences with the actor as a placeholder: word order differs between languages.
const KIND_TEXT = {
  assigned: (actor) => t('{actor} assigned you', { actor }),
  mentioned: (actor) => t('{actor} mentioned you', { actor }),
  commented: (actor) => t('{actor} commented', { actor }),
  status_changed: (actor) => t('{actor} moved a task', { actor }),
  member_added: (actor) => t('{actor} added you to a project', { actor }),
};

/** Where an item points: the task, else the project (numbers only, never text from the item). */
export function itemLink(item) {
  const pid = Number(item.project && item.project.id);
  const tid = Number(item.task && item.task.id);
  if (pid && tid) return `#/projects/${pid}/tasks/${tid}`;
  if (pid) return `#/projects/${pid}`;
  return null;
}

/** What happened, in one line: the server's title ("alice mentioned you"), else from the kind. */
function what(item) {
  if (item.title) return item.title;
  const actor = item.actor || t('Someone');
  const sentence = KIND_TEXT[item.kind];
  return sentence ? sentence(actor) : t('{actor}: {kind}', { actor, kind: item.kind || '?' });
}

/** Where: "Project › Task". */
function where(item) {
  return [item.project && item.project.name, item.task && item.task.title].filter(Boolean).join(' › ');
}

function query(page, unread) {
  const q = new URLSearchParams({ page: String(page), limit: String(PAGE) });
  if (unread) q.set('unread', 'true');
  return '/api/notifications/inbox?' + q;
}

function hashFor(page, unread) {
  const q = new URLSearchParams();
  if (page > 1) q.set('page', String(page));
  if (unread) q.set('unread', '1');
  const s = q.toString();
  return '#/ext/notifications' + (s ? '?' + s : '');
}

export async function renderInbox(taskflow, container, ctx, { onCount }) {
  const { h, api } = taskflow;
  const page = Math.max(1, Math.floor(Number(ctx.params.get('page')) || 1));
  const unread = ctx.params.get('unread') === '1';
  let data = await api.get(query(page, unread));
  const selected = new Set();

  const status = h('p', { class: 'muted small', role: 'status', tabindex: '-1', 'data-testid': 'inbox-status' });
  const list = h('ul', { class: 'inbox', 'data-testid': 'inbox' });
  const filter = h('input', {
    type: 'checkbox', name: 'unread', checked: unread, 'data-testid': 'inbox-unread-only',
    onchange: () => { location.hash = hashFor(1, filter.checked); },
  });
  const markSelected = h('button', {
    type: 'button', class: 'btn', disabled: true, 'data-testid': 'inbox-mark-selected', onclick: () => mark([...selected]),
  }, t('Mark selected read'));
  const markAll = h('button', {
    type: 'button', class: 'btn btn-primary', 'data-testid': 'inbox-mark-all', onclick: () => mark(null),
  }, t('Mark all read'));
  const pager = h('nav', { class: 'row inbox-pager', 'aria-label': t('Inbox pages'), 'data-testid': 'inbox-pager' });

  async function mark(ids) {
    if (ids && !ids.length) return;
    const buttons = [markSelected, markAll];
    const hadFocus = buttons.includes(document.activeElement) || list.contains(document.activeElement);
    buttons.forEach((b) => { b.disabled = true; });
    try {
      await api.post('/api/notifications/inbox/read', ids ? { ids } : { all: true });
      const n = ids ? ids.length : data.unread;
      taskflow.toast(ids ? tn(n, 'Marked {n} read', 'Marked {n} read') : t('Everything is marked read'));
      await reload();
      // The button pressed is now disabled (or its row redrawn): the keyboard lands on the count.
      if (hadFocus) status.focus();
    } catch (err) {
      taskflow.toast(errorText(err), { kind: 'error' });
    } finally {
      markAll.disabled = !data.unread;
      markSelected.disabled = !selected.size;
    }
  }

  async function reload() {
    data = await api.get(query(page, unread));
    selected.clear();
    show();
  }

  function row(item) {
    const read = Boolean(item.read);
    const id = Number(item.id);
    const link = itemLink(item);
    const labelId = nextId('item');
    const box = h('input', {
      type: 'checkbox', name: 'selected', value: String(id), 'aria-labelledby': labelId,
      onchange: () => {
        if (box.checked) selected.add(id); else selected.delete(id);
        markSelected.disabled = !selected.size;
      },
    });
    const place = where(item);
    return h('li', { class: 'inbox-item' + (read ? '' : ' is-unread'), dataset: { id, read: String(read), testid: 'inbox-item' } },
      box,
      h('div', { class: 'inbox-body' },
        h('p', { class: 'inbox-what', id: labelId },
          read ? null : h('span', { class: 'badge badge-unread' }, t('New')), read ? null : ' ',
          what(item)),
        place || link ? h('p', { class: 'inbox-where small' },
          link ? h('a', { href: link, onclick: () => { if (!read) api.post('/api/notifications/inbox/read', { ids: [id] }).catch(() => {}); } },
            place || t('Open')) : place) : null,
        item.summary ? h('p', { class: 'inbox-excerpt small muted' }, item.summary) : null,
        h('p', { class: 'muted small' }, item.actor
          ? t('by {actor} · {time}', { actor: item.actor, time: formatTime(item.created) }) : formatTime(item.created))),
      read ? null : h('button', {
        type: 'button', class: 'btn btn-small', 'data-testid': 'inbox-mark-one',
        'aria-label': t('Mark read: {what}', { what: what(item) }), onclick: () => mark([id]),
      }, t('Mark read')));
  }

  function show() {
    const items = data.items || [];
    list.replaceChildren(...items.map(row));
    list.hidden = !items.length;
    const total = Number(data.total) || 0;
    const pages = Math.max(1, Math.ceil(total / PAGE));
    status.textContent = items.length
      ? t('{unread} unread · showing {first}–{last} of {total}',
        { unread: data.unread, first: (page - 1) * PAGE + 1, last: (page - 1) * PAGE + items.length, total })
      : (unread ? t('Nothing unread.') : t('Your inbox is empty.'));
    markAll.disabled = !data.unread;
    markSelected.disabled = true;
    pager.replaceChildren(
      page > 1 ? h('a', { class: 'btn', href: hashFor(page - 1, unread), 'data-testid': 'inbox-newer' }, t('← Newer')) : null,
      h('span', { class: 'muted small' }, t('Page {page} of {pages}', { page, pages })),
      page < pages ? h('a', { class: 'btn', href: hashFor(page + 1, unread), 'data-testid': 'inbox-older' }, t('Older →')) : null);
    pager.hidden = pages <= 1 && page === 1;
    onCount(data.unread);
  }

  show();
  container.append(card(h, t('Inbox'),
    h('div', { class: 'row inbox-tools' },
      h('label', { class: 'choice' }, filter, ' ', t('Unread only')), markSelected, markAll),
    status, list, pager));

  // Someone else's action arrives with the live polling: the first page follows it.
  const stop = taskflow.version >= 2 ? taskflow.on('poll', async () => {
    if (page !== 1 || selected.size || ctx.signal.aborted) return;
    const next = await api.get(query(page, unread));
    if (ctx.signal.aborted) return;
    if (next.unread !== data.unread || next.total !== data.total) {
      data = next;
      show();
    }
  }) : null;
  if (stop) ctx.signal.addEventListener('abort', stop);
}
