/* Finding a person: a search box over GET /api/users/search?q= whose results
 * are buttons ("Add alice").  Emails show only where the server sends them
 * (admins; everyone else gets null). */
import { h, mount } from '../dom.js';
import { api, session } from '../api.js';
import { field } from '../forms.js';
import { errorText } from '../toast.js';
import { t, tn } from '../i18n.js';
const DELAY_MS = 250;

/**
 * userPicker({label, action, testid, exclude(user) -> bool, onPick(user) -> Promise})
 * -> {el, search(), clear()}.  A pick that throws leaves its button usable again.
 */
export function userPicker({ label = t('Find a person'), action = t('Add'), testid = 'user-picker', exclude = () => false, onPick }) {
  const input = h('input', {
    type: 'search', name: 'q', autocomplete: 'off', maxlength: 100, 'data-testid': testid + '-search',
  });
  const status = h('p', { class: 'picker-status', role: 'status', 'data-testid': testid + '-status' });
  const list = h('ul', { class: 'pick-list', 'data-testid': testid + '-results' });
  let timer = null;
  let seq = 0;

  function result(u) {
    const button = h('button', {
      type: 'button', class: 'btn btn-small', 'aria-label': `${action} ${u.username}`, 'data-testid': testid + '-pick',
      onclick: async () => {
        button.disabled = true;
        try {
          await onPick(u);
        } finally {
          button.disabled = false;
        }
      },
    }, action);
    return h('li', { class: 'pick' },
      h('span', { class: 'pick-name' }, h('strong', null, u.username), u.email ? h('span', { class: 'muted small' }, ' ' + u.email) : null),
      button);
  }

  async function search() {
    clearTimeout(timer);
    const q = input.value.trim();
    const mine = ++seq;
    if (!q) {
      mount(list);
      status.textContent = '';
      return;
    }
    status.textContent = t('Searching…');
    try {
      const data = await api.get('/api/users/search?q=' + encodeURIComponent(q));
      if (mine !== seq) return;
      const users = (data.users || []).filter((u) => u.is_active !== false && !exclude(u));
      mount(list, users.slice(0, 20).map(result));
      status.textContent = users.length
        ? tn(users.length, '{n} person to add matches “{q}”.', '{n} people to add match “{q}”.', { q })
        : t('Nobody to add matches “{q}”.', { q });
    } catch (err) {
      if (mine === seq) status.textContent = errorText(err);
    }
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(search, DELAY_MS);
  });
  // Enter searches at once (the box is not in a form).
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') {
      ev.preventDefault();
      search();
    }
  });
  const el = h('div', { class: 'picker', 'data-testid': testid },
    field(label, input, session.isAdmin() ? t('Type part of a username or email address.') : t('Type part of a username.')), status, list);
  return {
    el,
    search,
    clear() {
      input.value = '';
      search();
    },
  };
}
