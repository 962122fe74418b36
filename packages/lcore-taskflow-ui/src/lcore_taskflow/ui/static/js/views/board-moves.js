/* Moving cards on the board: the move buttons (and the keyboard shortcuts that
 * press them), assigning a card to oneself.
 *
 * Moves are optimistic: the card moves at once and is marked pending; on failure
 * it goes back where it was and a toast offers Retry.  The keyboard stays on the
 * moved card.  Live changes wait while a card waits for its own request.
 */
import { shorten, STATUSES, STATUS_LABELS } from '../dom.js';
import { api, session, taskPath } from '../api.js';
import { moveTask } from '../queries.js';
import { toast, toastError, announce, errorText } from '../toast.js';
import { emit } from '../extensions.js';
import { t } from '../i18n.js';

export const isShown = (el) => Boolean(el && el.isConnected && (el.checkVisibility ? el.checkVisibility() : el.offsetParent));

export function installMoves(b) {
  b.markPending = (card, on) => {
    card.classList.toggle('is-pending', on);
    if (on) card.setAttribute('aria-busy', 'true'); else card.removeAttribute('aria-busy');
    card.querySelectorAll('[data-move]').forEach((btn) => {
      // aria-disabled, not disabled: a disabled button would drop the keyboard focus.
      if (on) btn.setAttribute('aria-disabled', 'true'); else btn.removeAttribute('aria-disabled');
    });
  };

  /** The focus stays on the card that moved; on a phone, on the column still on screen. */
  b.refocus = (id, dir, from) => {
    const opposite = { left: 'right', right: 'left', up: 'down', down: 'up' }[dir];
    const pick = (card) => card && (card.querySelector(`[data-move=${dir}]`) || card.querySelector(`[data-move=${opposite}]`)
      || card.querySelector('[data-move]') || card.querySelector('a'));
    const card = b.cards.get(id);
    if (isShown(card)) return pick(card).focus();
    const list = b.cols[from.status].list;
    const near = list.children[Math.min(from.index, list.children.length - 1)];
    return (near ? pick(near) : b.cols[from.status].tab).focus();
  };

  b.moveBy = (id, dir) => {
    const task = b.tasks.get(id);
    if (!task || b.pending.has(id)) return;
    const ids = b.idsIn(task.status);
    const i = ids.indexOf(id);
    if (dir === 'left' || dir === 'right') {
      const s = STATUSES[STATUSES.indexOf(task.status) + (dir === 'left' ? -1 : 1)];
      if (s) b.move(id, s, null, dir);
    } else if (dir === 'up' && i > 0) {
      b.move(id, task.status, ids[i - 1], dir);
    } else if (dir === 'down' && i < ids.length - 1) {
      b.move(id, task.status, ids[i + 2] ?? null, dir);
    }
  };

  b.move = async (id, status, before, dir) => {
    const task = b.tasks.get(id);
    if (!task || b.pending.has(id)) return;
    const ids = b.idsIn(task.status);
    const from = { status: task.status, index: ids.indexOf(id), before: ids[ids.indexOf(id) + 1] ?? null };
    const sameColumn = status === task.status;
    if (sameColumn && (before === from.before || before === id)) return;
    task.status = status;
    b.pending.add(id);
    if (!sameColumn) b.recount(from.status, status);
    b.place(task, before);
    b.renumber(status);
    b.updateCounts();
    b.refocus(id, dir, from);
    try {
      const answer = await moveTask(b.pid, id, status, before);
      if (answer && answer.position !== undefined) task.position = answer.position;
      b.pending.delete(id);
      b.markPending(b.cards.get(id), false);
      moved(b, task, { sameColumn, dir, from });
      emit('board:refresh', { projectId: Number(b.pid) });
    } catch (err) {
      b.pending.delete(id);
      task.status = from.status;
      if (!sameColumn) b.recount(status, from.status);
      const focusWasHere = b.cards.get(id) && b.cards.get(id).contains(document.activeElement);
      b.place(task, from.before);
      b.renumber(from.status);
      b.updateCounts();
      if (focusWasHere || document.activeElement === document.body) b.refocus(id, dir, from);
      toastError(t("Couldn't move “{title}”: {reason}", { title: shorten(task.title), reason: err.message }),
        { label: t('Retry'), run: () => b.move(id, status, before, dir) });
    }
    b.flush().catch(toastError);
  };

  /** Assign the task to the caller (shortcut a); the card is redrawn in place, focus kept. */
  b.assignToMe = async (id) => {
    const me = session.user;
    const task = b.tasks.get(id);
    if (!me || !task || b.pending.has(id)) return;
    const title = shorten(task.title);
    if (Number(task.assignee_id) === Number(me.id)) return announce(t('“{title}” is already assigned to you.', { title }));
    try {
      await api.patch(taskPath(b.pid, id), { assignee_id: Number(me.id) });
      const fresh = await api.get(taskPath(b.pid, id));
      const focus = b.focusMark();
      b.tasks.set(id, fresh);
      b.place(fresh, b.slotFor(fresh));
      b.restoreFocus(focus);
      toast(t('Assigned “{title}” to you', { title }));
    } catch (err) {
      toastError(t("Couldn't assign “{title}”: {reason}", { title, reason: errorText(err) }));
    }
    return undefined;
  };
}

/** Say where the card went (screen readers) and offer Undo. */
function moved(b, task, { sameColumn, dir, from }) {
  const title = shorten(task.title);
  const status = STATUS_LABELS[task.status];
  const n = b.idsIn(task.status).indexOf(task.id) + 1;
  const count = b.idsIn(task.status).length;
  const values = { title, status, n, count };
  let said;
  let shown;
  if (!sameColumn) {
    said = t('Moved “{title}” to {status}, position {n} of {count}.', values);
    shown = t('Moved “{title}” to {status}', values);
  } else if (dir === 'up') {
    said = t('Moved “{title}” up in {status}, position {n} of {count}.', values);
    shown = t('Moved “{title}” up in {status}', values);
  } else {
    said = t('Moved “{title}” down in {status}, position {n} of {count}.', values);
    shown = t('Moved “{title}” down in {status}', values);
  }
  announce(said);
  toast(shown, { action: { label: t('Undo'), run: () => b.move(task.id, from.status, from.before, dir) } });
}
