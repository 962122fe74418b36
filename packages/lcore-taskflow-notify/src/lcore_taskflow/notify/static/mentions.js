/* "@" completion of user names in the task screens' comment and description
 * fields (taskflow.addTextAssist).  The field becomes an ARIA combobox whose
 * listbox sits below it: typing "@al" lists the people whose name matches
 * and can see the task's project (GET /api/users/search, .../members);
 * ArrowDown/ArrowUp move, Enter or Tab inserts "@username ", Escape closes,
 * a click inserts too.  Not after a letter or a dot (an email address). */
import { nextId, t, tn } from './common.js';

const LIMIT = 8;
// "@" at the start or after a character that cannot end an email's local part, then a name so far.
const TRIGGER = /(^|[^\w.+@-])@([\w.-]{0,40})$/u;

/**
 * Who can see a project, as a test on a user row: admins always; in a
 * workspace project every member but guests; otherwise its members (people
 * and teams' people, GET .../members).  The server notifies only them, so
 * only they are offered.  Without an answer (a failed call) everyone is.
 */
async function projectAudience(api, projectId) {
  try {
    const [project, members] = await Promise.all([
      api.get(`/api/projects/${Number(projectId)}`), api.get(`/api/projects/${Number(projectId)}/members`)]);
    const ids = new Set((members.users || []).map((m) => Number(m.user_id)));
    const workspace = project.visibility !== 'private';
    return (u) => u.role === 'admin' || ids.has(Number(u.id)) || (workspace && u.role !== 'guest');
  } catch {
    return () => true;
  }
}

/** The "@name" being typed just before the caret, as {start, query}, or null. */
export function mentionAt(text, caret) {
  const m = TRIGGER.exec(text.slice(0, caret));
  if (!m) return null;
  return { start: caret - m[2].length - 1, query: m[2] };
}

export function attachMentions(taskflow, textarea, ctx) {
  const { h, api } = taskflow;
  const listId = nextId('mentions');
  const list = h('ul', { id: listId, class: 'mention-list', role: 'listbox', 'aria-label': t('People to mention'), hidden: true, 'data-testid': 'mention-list' });
  const status = h('p', { class: 'sr-only', role: 'status', 'data-testid': 'mention-status' });
  const anchor = textarea.closest('label') || textarea;
  anchor.after(list, status);
  textarea.setAttribute('role', 'combobox');
  textarea.setAttribute('aria-autocomplete', 'list');
  textarea.setAttribute('aria-controls', listId);
  textarea.setAttribute('aria-expanded', 'false');

  let people = [];
  let active = -1;
  let found = null;   // {start, query} of the "@name" the list is for
  let asked = 0;
  let timer = null;
  let audience = null;   // a promise of the test above, asked once per field

  function close() {
    list.hidden = true;
    list.replaceChildren();
    people = [];
    active = -1;
    textarea.setAttribute('aria-expanded', 'false');
    textarea.removeAttribute('aria-activedescendant');
  }

  function setActive(i) {
    const items = list.querySelectorAll('[role=option]');
    if (!items.length) return;
    active = (i + items.length) % items.length;
    items.forEach((el, n) => el.setAttribute('aria-selected', String(n === active)));
    textarea.setAttribute('aria-activedescendant', items[active].id);
    items[active].scrollIntoView({ block: 'nearest' });
  }

  function insert(i) {
    const person = people[i];
    if (!person || !found || !person.username.toLowerCase().startsWith(found.query.toLowerCase())) return;
    const text = textarea.value;
    const end = found.start + 1 + found.query.length;
    const add = '@' + person.username + ' ';
    textarea.value = text.slice(0, found.start) + add + text.slice(end);
    const caret = found.start + add.length;
    textarea.setSelectionRange(caret, caret);
    textarea.dispatchEvent(new Event('input', { bubbles: true }));  // forms mark themselves changed
    close();
    status.textContent = t('Mentioned {username}.', { username: person.username });
    textarea.focus();
  }

  function show(users) {
    people = users.slice(0, LIMIT);
    if (!people.length) {
      close();
      status.textContent = found && found.query ? t('No one who can see this project is called “{query}”.', { query: found.query }) : '';
      return;
    }
    list.replaceChildren(...people.map((u, i) => h('li', {
      id: `${listId}-${i}`, role: 'option', 'aria-selected': 'false', 'data-testid': 'mention-option',
      dataset: { username: u.username },
      onmousedown: (ev) => ev.preventDefault(),  // the caret stays in the field
      onclick: () => insert(i),
    }, h('span', { class: 'mention-name' }, '@' + u.username))));
    list.hidden = false;
    textarea.setAttribute('aria-expanded', 'true');
    setActive(0);
    status.textContent = tn(people.length, '{n} person matches. Arrow keys choose, Enter inserts, Escape closes.',
      '{n} people match. Arrow keys choose, Enter inserts, Escape closes.');
  }

  async function lookup() {
    const mine = ++asked;
    found = mentionAt(textarea.value, textarea.selectionStart);
    if (!found || textarea.selectionStart !== textarea.selectionEnd) return close();
    try {
      const q = encodeURIComponent(found.query);
      audience = audience || projectAudience(api, ctx.projectId);
      const [data, sees] = await Promise.all([
        api.get(found.query ? `/api/users/search?q=${q}` : '/api/users/?limit=20'), audience]);
      if (mine !== asked || document.activeElement !== textarea) return;
      const wanted = found.query.toLowerCase();
      const me = taskflow.user && taskflow.user.id;
      show((data.users || []).filter((u) => u.id !== me && u.is_active !== false && sees(u)
        && String(u.username).toLowerCase().startsWith(wanted)));
    } catch {
      if (mine === asked) close();
    }
  }

  textarea.addEventListener('input', () => {
    clearTimeout(timer);
    // The list on screen follows every keystroke at once (narrowed by what was typed since),
    // so Enter never inserts a name chosen for an older "@...".
    const now = mentionAt(textarea.value, textarea.selectionStart);
    if (!now || !found || now.start !== found.start || !now.query.startsWith(found.query)) {
      close();
      found = null;
    } else if (!list.hidden) {
      found = now;
      show(people.filter((u) => String(u.username).toLowerCase().startsWith(now.query.toLowerCase())));
    }
    if (now) timer = setTimeout(lookup, 120);
  });
  textarea.addEventListener('keydown', (ev) => {
    if (list.hidden) return;
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      ev.preventDefault();
      setActive(active + (ev.key === 'ArrowDown' ? 1 : -1));
    } else if (ev.key === 'Enter' || ev.key === 'Tab') {
      if (active < 0 || !found) return;
      ev.preventDefault();
      insert(active);
    } else if (ev.key === 'Escape') {
      ev.preventDefault();
      ev.stopPropagation();
      close();
    }
  });
  textarea.addEventListener('blur', () => setTimeout(() => { if (document.activeElement !== textarea) close(); }, 0));
  if (ctx.signal) ctx.signal.addEventListener('abort', () => clearTimeout(timer));
}
