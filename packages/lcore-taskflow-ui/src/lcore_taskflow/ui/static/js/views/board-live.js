/* Other people's changes on the board: the task change feed is polled (live.js);
 * a card being dragged or waiting for its own request is never moved under the
 * user's hands: the changes wait (b.deferred) and are applied afterwards. */
import { STATUSES } from '../dom.js';
import { emit } from '../extensions.js';

export function installLive(b) {
  const applyChanges = (changes) => {
    for (const task of changes.tasks) {
      if (Number(task.project_id) !== Number(b.pid)) continue;
      const focus = b.focusMark();
      const before = b.cards.has(task.id) ? b.tasks.get(task.id).status : null;
      b.tasks.set(task.id, task);
      if (b.shows(task)) {
        b.place(task, b.slotFor(task)).classList.add('is-updated');
        b.recount(before, task.status);
      } else {
        b.removeCard(task.id);
        b.recount(before, null);
      }
      if (focus && focus.id === task.id) b.restoreFocus(focus);
    }
    for (const id of changes.deleted) {
      if (b.cards.has(id)) b.recount(b.tasks.get(id).status, null);
      b.tasks.delete(id);
      b.removeCard(id);
    }
    // Unfiltered, the server's own counts are the truth (cards beyond the loaded pages included).
    const counts = changes.taskCounts;
    if (counts && !Object.values(b.filters).some(Boolean)) for (const s of STATUSES) b.cols[s].total = counts[s] ?? b.cols[s].total;
    b.updateCounts();
    emit('board:refresh', { projectId: Number(b.pid) });
  };

  b.poll = async () => {
    const changes = await b.watcher.poll();
    if (!changes || !b.ctx.alive()) return;
    b.deferred.push(changes);
    await b.flush();
  };

  /** Apply the changes received, unless a card is held or waiting for its own request: then later. */
  b.flush = async () => {
    if (b.dragging !== null || b.pending.size || !b.deferred.length) return undefined;
    const batch = b.deferred.splice(0);
    if (batch.some((c) => c.reload)) return b.load();
    batch.forEach(applyChanges);
    return undefined;
  };
}
