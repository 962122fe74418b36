/* Toasts: messages that float over the page (the layout never shifts), with
 * an optional action (Undo, Retry).  They stay while the pointer or the focus
 * is on them; an error with an action stays until it is used or dismissed.
 * announce() speaks a short sentence to screen readers without showing it.
 */
import { h, byId } from './dom.js';
import { t } from './i18n.js';
const LIFETIME = { success: 5000, info: 5000, error: 10000 };
const MAX_SHOWN = 3;

/**
 * The page keeps room under its last controls for the toasts' height
 * (--toasts-space, used by .main's bottom padding): whatever they cover can
 * be scrolled out from under them.
 */
function keepClear(region) {
  if (region.dataset.watched) return;
  region.dataset.watched = '1';
  const update = () => document.body.style.setProperty('--toasts-space', Math.ceil(region.offsetHeight) + 'px');
  new ResizeObserver(update).observe(region);
  update();
}

/**
 * toast('Saved') / toast(msg, {kind: 'error', action: {label: 'Retry', run}})
 * Answers {close()}.
 */
export function toast(message, { kind = 'success', action = null, timeout } = {}) {
  const region = byId('toasts');
  let timer = null;
  const close = () => {
    clearTimeout(timer);
    el.remove();
  };
  const el = h('div', {
    class: 'toast toast-' + kind, 'data-testid': 'toast', dataset: { kind },
    role: kind === 'error' ? 'alert' : null,
  },
  h('p', { class: 'toast-text' }, message),
  action ? h('button', {
    type: 'button', class: 'btn btn-small toast-action', 'data-testid': 'toast-action',
    onclick: () => { close(); action.run(); },
  }, action.label) : null,
  h('button', { type: 'button', class: 'btn btn-small toast-close', 'aria-label': t('Dismiss this message'), onclick: close }, '×'));

  const life = timeout ?? (kind === 'error' && action ? 0 : LIFETIME[kind] + (action ? 3000 : 0));
  const arm = () => { if (life) timer = setTimeout(close, life); };
  const hold = () => clearTimeout(timer);
  el.addEventListener('mouseenter', hold);
  el.addEventListener('focusin', hold);
  el.addEventListener('mouseleave', () => { if (!el.contains(document.activeElement)) arm(); });
  el.addEventListener('focusout', (ev) => { if (!el.contains(ev.relatedTarget)) arm(); });
  region.appendChild(el);
  // At most three at a time: the oldest go first (an error still waiting for its action stays).
  while (region.children.length > MAX_SHOWN) {
    const oldest = [...region.children].find((x) => !(x.dataset.kind === 'error' && x.querySelector('.toast-action')))
      || region.firstElementChild;
    oldest.remove();
  }
  keepClear(region);
  arm();
  return { close, el };
}

/** The message of any error, for a toast or a form. */
export const errorText = (err) => String((err && err.message) || err);

export function toastError(err, action) {
  return toast(errorText(err), { kind: 'error', action });
}

/** Say something to screen-reader users (the region is polite: it waits its turn). */
export function announce(text) {
  const el = byId('announcer');
  el.textContent = '';
  // A new text node in a later task is announced even when the text repeats.
  setTimeout(() => { el.textContent = text; }, 50);
}
