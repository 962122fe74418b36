/* A task card on the board: title link, a "Blocked" badge while an open task
 * blocks it, due/priority/assignee badges, plugin badges, and (for editors)
 * move buttons that name their task. */
import { h, badge, srOnly, initials, textColorOn, STATUSES, STATUS_LABELS } from '../dom.js';
import { links } from '../api.js';
import { dueState, dueText, formatDay } from '../dates.js';
import { contributions } from '../extensions.js';
import { t, tn } from '../i18n.js';
export const PRIORITY_LABELS = { low: t('Low'), medium: t('Medium'), high: t('High') };

export function assigneeAvatar(name) {
  if (!name) return h('span', { class: 'avatar avatar-none', title: t('Unassigned') }, srOnly(t('Unassigned')), h('span', { 'aria-hidden': 'true' }, '–'));
  return h('span', { class: 'avatar', title: t('Assigned to {name}', { name }) },
    h('span', { 'aria-hidden': 'true' }, initials(name)), srOnly(t('Assigned to {name}', { name })));
}

export function dueBadge(task) {
  if (!task.due_date) return null;
  const state = dueState(task);
  return badge(dueText(task), state ? 'due-' + state : 'due', { 'data-testid': 'due-badge', title: t('Due date {date}', { date: formatDay(task.due_date) }) });
}

function pluginBadges(task) {
  return contributions.cardBadges.flatMap((fn, i) => {
    let items;
    try { items = fn(task) || []; } catch (err) { console.error('card badge plugin failed', err); return []; }
    return items.map((b) => {
      const el = h('span', { class: 'badge badge-plugin', title: b.title || null, dataset: { extension: 'badge-' + i } }, String(b.text));
      const fg = b.color ? textColorOn(b.color) : null;
      if (fg) {
        el.style.background = b.color;
        el.style.color = fg;
      }
      return el;
    });
  });
}

/** The move buttons: left/right between columns, up/down within one (when the server keeps positions). */
function moveButtons(task, reorder) {
  const i = STATUSES.indexOf(task.status);
  const quoted = `“${task.title}”`;
  const btn = (dir, label, text) => h('button', {
    type: 'button', class: 'btn btn-move', dataset: { move: dir }, 'aria-label': label,
    'data-testid': 'move-' + dir,
  }, text);
  return h('div', { class: 'moves' },
    i > 0 ? btn('left', t('Move {quoted} to {status}', { quoted, status: STATUS_LABELS[STATUSES[i - 1]] }), '◀ ' + STATUS_LABELS[STATUSES[i - 1]]) : null,
    reorder ? btn('up', t('Move {quoted} up', { quoted }), '▲') : null,
    reorder ? btn('down', t('Move {quoted} down', { quoted }), '▼') : null,
    i < 2 ? btn('right', t('Move {quoted} to {status}', { quoted, status: STATUS_LABELS[STATUSES[i + 1]] }), STATUS_LABELS[STATUSES[i + 1]] + ' ▶') : null);
}

export function taskCard(pid, task, { reorder, movable = true }) {
  const titleId = 'card-title-' + task.id;
  const due = dueState(task);
  return h('article', {
    class: 'task-card' + (due ? ' is-' + due : '') + (movable ? '' : ' is-static'), draggable: movable ? 'true' : null, 'data-testid': 'task-card',
    'aria-labelledby': titleId, dataset: { taskId: task.id, status: task.status },
  },
  h('h3', { class: 'title', id: titleId }, h('a', { href: links.task(pid, task.id), 'data-role': 'title' }, task.title)),
  h('div', { class: 'meta' },
    task.blocked_by_open > 0 ? badge(t('Blocked'), 'blocked', {
      'data-testid': 'card-blocked', title: tn(task.blocked_by_open, 'Blocked by {n} open task', 'Blocked by {n} open tasks'),
    }) : null,
    dueBadge(task),
    badge(PRIORITY_LABELS[task.priority] || task.priority, task.priority, { title: t('Priority') }),
    task.checklist && task.checklist.total > 0 ? h('span', {
      class: 'count' + (task.checklist.done === task.checklist.total ? ' is-complete' : ''), title: t('Checklist'), 'data-testid': 'card-checklist',
    }, `☑ ${task.checklist.done}/${task.checklist.total}`, srOnly(' ', t('checklist items done'))) : null,
    task.comment_count ? h('span', { class: 'count', title: t('Comments') }, `💬 ${task.comment_count}`, srOnly(' ', t('comments'))) : null,
    task.attachment ? h('span', { title: t('Has an attachment') }, '📎', srOnly(t('Has an attachment'))) : null,
    pluginBadges(task),
    assigneeAvatar(task.assignee_name)),
  movable ? moveButtons(task, reorder) : null);
}
