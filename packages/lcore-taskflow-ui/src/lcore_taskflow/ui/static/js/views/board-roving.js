/* The board is one Tab stop: a roving tabindex keeps one card (its title and
 * buttons) in the Tab order and the arrow keys, Home and End walk the cards
 * (board-keys.js adds the shortcuts and their help sheet). */
import { STATUSES } from '../dom.js';
import { isShown } from './board-moves.js';

const ARROWS = ['ArrowDown', 'ArrowUp', 'ArrowLeft', 'ArrowRight', 'Home', 'End'];  // i18n-ignore: key names
const cardOf = (node) => node && node.closest && node.closest('.task-card');

export function installRoving(b) {
  b.setTabbable = (card, on) => {
    card.querySelectorAll('a, button').forEach((c) => {
      if (on) c.removeAttribute('tabindex'); else c.setAttribute('tabindex', '-1');
    });
  };
  const setActive = (id) => {
    if (id === b.activeId) return;
    const old = b.cards.get(b.activeId);
    if (old) b.setTabbable(old, false);
    b.activeId = id;
    const card = b.cards.get(id);
    if (card) b.setTabbable(card, true);
  };

  /** Exactly one shown card stays in the Tab order: the active one, else the first on screen. */
  b.keepRoving = () => {
    const active = b.cards.get(b.activeId);
    if (isShown(active) || (active && !b.el.isConnected)) return;
    const firsts = STATUSES.map((s) => b.cols[s].list.firstElementChild).filter(Boolean);
    // Not on screen yet (the first load): the column a phone shows, else the first card.
    const first = firsts.find((c) => isShown(c)) || firsts.find((c) => c.dataset.status === b.current) || firsts[0];
    setActive(first ? Number(first.dataset.taskId) : null);
  };

  b.el.addEventListener('focusin', (ev) => {
    const card = cardOf(ev.target);
    if (card && b.el.contains(card)) setActive(Number(card.dataset.taskId));
  });
  b.el.addEventListener('keydown', (ev) => {
    const card = cardOf(ev.target);
    if (!card || ev.altKey || ev.ctrlKey || ev.metaKey || ev.shiftKey || !ARROWS.includes(ev.key)) return;
    const next = neighbour(b, card, ev.key);
    ev.preventDefault();
    if (next) next.querySelector('[data-role=title]').focus();
  });

  /** The id of the card holding the focus, or null. */
  b.focusedId = () => {
    const card = cardOf(document.activeElement);
    return card && b.el.contains(card) ? Number(card.dataset.taskId) : null;
  };
  /** A mark of the focused card (and which of its controls), to find it again after a redraw. */
  b.focusMark = () => {
    const card = cardOf(document.activeElement);
    if (!card || !b.el.contains(card)) return null;
    return { id: Number(card.dataset.taskId), move: document.activeElement.dataset.move, role: document.activeElement.dataset.role };
  };
  b.restoreFocus = (mark) => {
    if (!mark || !(document.activeElement === document.body || !document.activeElement)) return;
    const card = b.cards.get(mark.id);
    const target = card && (card.querySelector(mark.move ? `[data-move=${mark.move}]` : '[data-role=title]') || card.querySelector('a'));
    if (target) target.focus();
  };
  /** The quick-add field of the focused card's column (else the column on screen). */
  b.focusQuickAdd = () => {
    const id = b.focusedId();
    const status = id !== null ? b.tasks.get(id).status : b.current;
    const target = b.cols[status].quick || b.cols.todo.quick;
    if (!target) return false;
    if (!isShown(target.input)) b.showColumn(status);
    target.input.focus();
    return true;
  };
}

/** The card `key` leads to from `card`: the next/previous in its column, or beside it in the next shown column. */
function neighbour(b, card, key) {
  const status = card.dataset.status;
  const inColumn = [...b.cols[status].list.children];
  const i = inColumn.indexOf(card);
  if (key === 'ArrowDown') return inColumn[i + 1];
  if (key === 'ArrowUp') return inColumn[i - 1];
  if (key === 'Home') return inColumn[0];
  if (key === 'End') return inColumn[inColumn.length - 1];
  const step = key === 'ArrowRight' ? 1 : -1;
  for (let k = STATUSES.indexOf(status) + step; k >= 0 && k < STATUSES.length; k += step) {
    const others = [...b.cols[STATUSES[k]].list.children];
    if (!others.length) continue;
    if (!isShown(others[0])) b.showColumn(STATUSES[k]);  // a phone: that column comes on screen
    return others[Math.min(i, others.length - 1)];
  }
  return null;
}
