/* Notification settings (GET, PUT /api/users/me/notification-settings):
 * per kind × channel (inbox, email, daily digest, chat) a checkbox in a grid,
 * the time zone of the digest (PATCH /api/users/me), and personal chat URLs
 * (Apprise).  The server shows saved URLs masked and never sends their
 * secrets back, so the page cannot resend them: new URLs replace the saved
 * ones, and "Remove all" empties the list. */
import { card, errorText, problemText, t } from './common.js';

// Functions, not tables: the words come from the catalog of the language in use.
const KIND_LABELS = () => ({
  assigned: t('A task is assigned to me'),
  mentioned: t('Someone mentions me (@name)'),
  commented: t('A comment on a task I watch'),
  status_changed: t('A task I watch moves'),
  member_added: t('I am added to a project'),
});
const CHANNEL_LABELS = () => ({ inbox: t('Inbox'), email: t('Email'), digest: t('Daily digest'), chat: t('Chat') });
const COLUMN_LABELS = () => ({ digest: t('Digest') });  // one word per column head: the grid fits a phone
const PATH = '/api/users/me/notification-settings';

/** The time zones the browser knows (every IANA name in current browsers), with the saved one. */
function zones(current) {
  let all;
  try { all = Intl.supportedValuesOf('timeZone'); } catch { all = []; }
  if (!all.includes('UTC')) all = ['UTC', ...all];
  if (current && !all.includes(current)) all = [current, ...all];
  return all;
}

function grid(h, data) {
  const [kindLabels, channelLabels, columnLabels] = [KIND_LABELS(), CHANNEL_LABELS(), COLUMN_LABELS()];
  const kinds = data.kinds || Object.keys(kindLabels);
  const channels = data.channels || Object.keys(channelLabels);
  return h('table', { class: 'table notify-grid', 'data-testid': 'settings-grid' },
    h('caption', { class: 'sr-only' }, t('What you hear about, and where')),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('When')),
      channels.map((c) => h('th', { scope: 'col', title: channelLabels[c] || c }, columnLabels[c] || channelLabels[c] || c)))),
    h('tbody', null, kinds.map((kind) => h('tr', null,
      h('th', { scope: 'row', class: 'wrap' }, kindLabels[kind] || kind),
      channels.map((channel) => h('td', { 'data-label': channelLabels[channel] || channel },
        h('input', {
          type: 'checkbox', name: `${kind}.${channel}`,
          'aria-label': t('{channel}: {kind}', { channel: channelLabels[channel] || channel, kind: kindLabels[kind] || kind }),
          checked: Boolean(((data.settings || {})[kind] || {})[channel]), dataset: { kind, channel },
        })))))));
}

export async function renderSettings(taskflow, container) {
  const { h, api } = taskflow;
  const data = await api.get(PATH);
  const error = h('p', { class: 'form-error', role: 'alert', tabindex: '-1', hidden: true, 'data-testid': 'settings-error' });
  const table = grid(h, data);
  const zone = h('select', { name: 'timezone', 'data-testid': 'settings-timezone' },
    zones(data.timezone).map((z) => h('option', { value: z, selected: z === (data.timezone || 'UTC') }, z)));
  const saved = (data.apprise_urls || []);
  let clearUrls = false;
  const savedList = h('ul', { class: 'notify-urls', 'data-testid': 'apprise-urls' },
    saved.map((u) => h('li', null, h('code', { class: 'wrap' }, String(u)))));
  const removeAll = h('button', {
    type: 'button', class: 'btn btn-small', 'data-testid': 'apprise-remove-all',
    onclick: () => {
      clearUrls = true;
      savedList.replaceChildren(h('li', { class: 'muted' }, t('Removed when you save.')));
      removeAll.hidden = true;
    },
  }, t('Remove all'));
  const newUrls = h('textarea', {
    name: 'apprise_urls', rows: 2, spellcheck: 'false', autocomplete: 'off', 'data-testid': 'apprise-new',
    placeholder: 'ntfy://my-topic', 'aria-describedby': 'notify-url-hint',  // i18n-ignore: an example URL
  });
  const save = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'settings-save' }, t('Save settings'));
  const form = h('form', { class: 'stack', 'data-testid': 'settings-form' },
    error,
    h('div', { class: 'table-wrap', role: 'region', 'aria-label': t('Notification kinds and channels'), tabindex: '0' }, table),
    h('label', { class: 'field' }, h('span', { class: 'label-text' }, t('Time zone of the daily digest')), zone),
    h('fieldset', { class: 'notify-fieldset' },
      h('legend', null, t('Chat notifications (Apprise URLs)')),
      saved.length ? h('p', { class: 'small' }, t('Saved (secrets hidden):')) : h('p', { class: 'muted small', 'data-testid': 'apprise-none' }, t('No chat URLs saved.')),
      saved.length ? savedList : null,
      saved.length ? h('div', null, removeAll) : null,
      h('label', { class: 'field' }, h('span', { class: 'label-text' }, saved.length ? t('Replace them with') : t('Chat URLs')), newUrls),
      h('span', { class: 'hint', id: 'notify-url-hint' }, t('One per line, in Apprise’s format (its docs list 100+ services). Saving new URLs replaces the saved ones.'))),
    h('div', null, save));

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.hidden = true;
    const settings = {};
    for (const box of table.querySelectorAll('input[type=checkbox]')) {
      (settings[box.dataset.kind] = settings[box.dataset.kind] || {})[box.dataset.channel] = box.checked;
    }
    const body = { settings };
    const typed = newUrls.value.split(/\s+/).map((u) => u.trim()).filter(Boolean);
    if (typed.length) body.apprise_urls = typed;
    else if (clearUrls) body.apprise_urls = [];
    save.disabled = true;
    try {
      await api.put(PATH, body);
      if (zone.value !== (data.timezone || 'UTC')) await api.patch('/api/users/me', { timezone: zone.value });
      taskflow.toast(t('Notification settings saved'));
      container.replaceChildren();
      await renderSettings(taskflow, container);
      const again = container.querySelector('[data-testid=settings-save]');
      if (again) again.focus();  // the keyboard stays where it was
    } catch (err) {
      error.textContent = problemText(err) || errorText(err);
      error.hidden = false;
      error.focus();
      save.disabled = false;
    }
  });
  container.append(card(h, t('Notification settings'), form),
    h('p', { class: 'muted small' }, t('The daily digest goes out at {hour}:00 in your time zone, with what reached your digest that day.',
      { hour: Number(data.digest_hour ?? 8) })));
}
