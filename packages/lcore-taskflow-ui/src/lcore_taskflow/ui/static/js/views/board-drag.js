/* Drag and drop on the board: a card dropped in a column goes before the card
 * under the pointer (or at the end); live changes wait while a card is held. */
import { toastError } from '../toast.js';

export function installDrag(b) {
  const clearDropMarks = () => {
    b.el.querySelectorAll('.drop-before').forEach((c) => c.classList.remove('drop-before'));
    b.el.querySelectorAll('.drag-over').forEach((c) => c.classList.remove('drag-over'));
  };

  /** The id of the card the pointer at height `y` is above, in `status` (null: the end). */
  const dropTarget = (status, y) => {
    for (const card of b.cols[status].list.children) {
      const id = Number(card.dataset.taskId);
      if (id === b.dragging) continue;
      const box = card.getBoundingClientRect();
      if (y < box.top + box.height / 2) return id;
    }
    return null;
  };

  b.wireDrop = (status) => {
    const { col } = b.cols[status];
    col.addEventListener('dragover', (ev) => {
      if (b.dragging === null) return;
      ev.preventDefault();
      ev.dataTransfer.dropEffect = 'move';
      clearDropMarks();
      col.classList.add('drag-over');
      const before = dropTarget(status, ev.clientY);
      if (before !== null) b.cards.get(before).classList.add('drop-before');
    });
    col.addEventListener('dragleave', (ev) => { if (!col.contains(ev.relatedTarget)) col.classList.remove('drag-over'); });
    col.addEventListener('drop', (ev) => {
      ev.preventDefault();
      const id = Number(ev.dataTransfer.getData('text/plain'));
      const before = dropTarget(status, ev.clientY);
      clearDropMarks();
      b.dragging = null;
      if (b.tasks.has(id)) b.move(id, status, before, 'right');
    });
  };

  /** A card's move buttons and dragging. */
  b.wireCard = (card, id) => {
    card.addEventListener('click', (ev) => {
      const btn = ev.target.closest('[data-move]');
      // The second click of a double-click would land on the card that slid under the pointer.
      if (btn && ev.detail < 2) b.moveBy(id, btn.dataset.move);
    });
    card.addEventListener('dragstart', (ev) => {
      if (!b.movable || b.pending.has(id)) return ev.preventDefault();
      b.dragging = id;
      ev.dataTransfer.setData('text/plain', String(id));
      ev.dataTransfer.effectAllowed = 'move';
      card.classList.add('dragging');
      return undefined;
    });
    card.addEventListener('dragend', () => {
      b.dragging = null;
      card.classList.remove('dragging');
      clearDropMarks();
      b.flush().catch(toastError);
    });
  };
}
