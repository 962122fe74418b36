/* The board's keyboard shortcuts and their help sheet ("?").
 *
 *   n               the quick-add field of the focused card's column
 *   / or Ctrl+K     the search box (search.js owns those keys)
 *   Shift+← / →     move the focused card to the previous / next column
 *   Shift+↑ / ↓     move it up / down in its column
 *   a               assign the focused card to me
 *   Enter           open the focused card (its title is a link)
 *   ← → ↑ ↓         walk the cards (board.js, roving tabindex)
 *
 * Single keys never fire while the focus is in a field, and never with
 * Ctrl/Alt/Meta, so typing and the browser's own shortcuts are untouched.
 * The listener lives as long as the view (ctx.signal).
 */
import { h } from '../dom.js';
import { t } from '../i18n.js';
const SHEET = [
  ['n', t('New task in the focused card’s column (quick add)'), true],
  ['/ or Ctrl+K', t('Search everything'), false],
  ['← → ↑ ↓', t('Go to the card beside, above or below'), false],
  [t('Shift+← / Shift+→'), t('Move the focused card to the previous / next column'), true],
  [t('Shift+↑ / Shift+↓'), t('Move the focused card up / down'), true],
  ['a', t('Assign the focused card to me'), true],
  [t('Enter'), t('Open the focused card'), false],
  ['?', t('Show this help'), false],
];

const typing = (el) => Boolean(el && el.closest && el.closest('input, textarea, select, [contenteditable=""], [contenteditable=true]'));

let sheet = null;

/** The help sheet: a modal <dialog> (focus stays inside, Escape closes, focus returns). */
function helpSheet(editable) {
  if (sheet) sheet.remove();
  const close = h('button', { type: 'button', class: 'btn', 'data-testid': 'shortcuts-close' }, t('Close'));
  sheet = h('dialog', { class: 'shortcuts-sheet', 'aria-labelledby': 'shortcuts-title', 'data-testid': 'shortcuts-sheet' },
    h('h2', { id: 'shortcuts-title' }, t('Keyboard shortcuts')),
    h('dl', { class: 'shortcut-list' }, SHEET.filter(([, , edit]) => editable || !edit).map(([keys, what]) => [
      h('dt', null, h('kbd', null, keys)), h('dd', null, what)])),
    editable ? null : h('p', { class: 'muted small' }, t('Moving, assigning and adding need the editor role in an active project.')),
    h('div', { class: 'row' }, close));
  close.addEventListener('click', () => sheet.close());
  document.body.appendChild(sheet);
  return sheet;
}

export function openHelp(editable) {
  const dialog = helpSheet(editable);
  dialog.showModal();
  dialog.querySelector('[data-testid=shortcuts-close]').focus();
}

/** A button that opens the help sheet (for mouse users, and to show that there is one). */
export function shortcutsButton(editable) {
  return h('button', {
    type: 'button', class: 'btn phone-hide', 'data-testid': 'shortcuts-help', 'aria-keyshortcuts': '?',
    onclick: () => openHelp(editable),
  }, t('Shortcuts'), h('span', { class: 'kbd-hint', 'aria-hidden': 'true' }, '?'));
}

/** Wire the shortcuts to `board` (createBoard's answer) for the life of the view. */
export function boardShortcuts(ctx, board, { editable }) {
  const onKey = (ev) => {
    if (ev.defaultPrevented || ev.ctrlKey || ev.altKey || ev.metaKey || typing(ev.target)) return;
    if (sheet && sheet.open) return;
    const id = board.focusedId();
    let handled = true;
    if (ev.key === '?') {
      openHelp(editable);
    } else if (ev.shiftKey && id !== null && editable && ev.key.startsWith('Arrow')) {
      board.moveBy(id, { ArrowLeft: 'left', ArrowRight: 'right', ArrowUp: 'up', ArrowDown: 'down' }[ev.key]);
    } else if (ev.key === 'n' && editable && !ev.shiftKey) {
      handled = board.focusQuickAdd();
    } else if (ev.key === 'a' && editable && id !== null && !ev.shiftKey) {
      board.assignToMe(id);
    } else {
      handled = false;
    }
    if (handled) ev.preventDefault();
  };
  document.addEventListener('keydown', onKey);
  ctx.signal.addEventListener('abort', () => {
    document.removeEventListener('keydown', onKey);
    if (sheet) sheet.remove();
    sheet = null;
  });
}
