/* Notification settings (GET, PUT /api/users/me/notification-settings):
 * per kind × channel (inbox, email, daily digest) a checkbox in a grid, the
 * time zone of the digest, and personal chat URLs (Apprise), which the server
 * sends back masked (their secrets never reach the page again). */
import { card, errorText, problemText } from './common.js';

export const KINDS = [
  ['assigned', 'A task is assigned to me'],
  ['mentioned', 'Someone mentions me (@name)'],
  ['commented', 'A comment on a task I watch'],
  ['status_changed', 'A task I watch moves'],
  ['member_added', 'I am added to a project'],
];
export const CHANNELS = [['inbox', 'Inbox'], ['email', 'Email'], ['digest', 'Daily digest']];
const PATH = '/api/users/me/notification-settings';

/** The time zones the browser knows (every IANA name in current browsers), the current one first. */
function zones(current) {
  let all = [];
  try { all = Intl.supportedValuesOf('timeZone'); } catch (e) { all = []; }
  if (!all.includes('UTC')) all = ['UTC', ...all];
  if (current && !all.includes(current)) all = [current, ...all];
  return all;
}

export async function renderSettings(taskflow, container) {
  const { h, api } = taskflow;
  let data = await api.get(PATH);
  const kinds = () => data.kinds || data.settings || {};

  const error = h('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'settings-error' });
  const grid = h('table', { class: 'table notify-grid', 'data-testid': 'settings-grid' },
    h('caption', { class: 'sr-only' }, 'What you hear about, and where'),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'When'), CHANNELS.map(([, label]) => h('th', { scope: 'col' }, label)))),
    h('tbody', null, KINDS.map(([kind, label]) => h('tr', null,
      h('th', { scope: 'row', class: 'wrap' }, label),
      CHANNELS.map(([channel, channelLabel]) => h('td', { 'data-label': channelLabel },
        h('input', {
          type: 'checkbox', name: `${kind}.${channel}`, 'aria-label': `${channelLabel}: ${label}`,
          checked: Boolean((kinds()[kind] || {})[channel]), dataset: { kind, channel },
        })))))));

  const browserZone = (() => { try { return Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return 'UTC'; } })();
  const zone = h('select', { name: 'timezone', 'data-testid': 'settings-timezone' },
    zones(data.timezone || browserZone).map((z) => h('option', { value: z, selected: z === (data.timezone || 'UTC') }, z)));

  const urlList = h('ul', { class: 'notify-urls', 'data-testid': 'apprise-urls' });
  let urls = [...(data.apprise_urls || [])];   // as the server shows them: masked
  const showUrls = () => {
    urlList.replaceChildren(...urls.map((u, i) => h('li', null,
      h('code', { class: 'wrap' }, String(u)),
      h('button', {
        type: 'button', class: 'btn btn-small', 'aria-label': 'Remove ' + u,
        onclick: () => { urls.splice(i, 1); showUrls(); },
      }, 'Remove'))));
    urlList.hidden = !urls.length;
  };
  showUrls();
  const newUrl = h('input', { name: 'apprise_url', type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder: 'e.g. ntfy://my-topic', 'data-testid': 'apprise-new' });

  const save = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'settings-save' }, 'Save settings');
  const form = h('form', { class: 'stack', 'data-testid': 'settings-form' },
    error,
    h('div', { class: 'table-wrap', role: 'region', 'aria-label': 'Notification kinds and channels', tabindex: '0' }, grid),
    h('label', { class: 'field' }, h('span', { class: 'label-text' }, 'Time zone of the daily digest'), zone),
    h('fieldset', { class: 'notify-fieldset' },
      h('legend', null, 'Chat notifications (Apprise URLs)'),
      h('p', { class: 'muted small' }, 'Where else to hear about what reaches your inbox: a chat service URL in Apprise’s format. Saved URLs are shown with their secrets hidden.'),
      urlList,
      h('label', { class: 'field' }, h('span', { class: 'label-text' }, 'Add a URL'), newUrl)),
    h('div', null, save));

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.hidden = true;
    const next = {};
    for (const box of grid.querySelectorAll('input[type=checkbox]')) {
      (next[box.dataset.kind] = next[box.dataset.kind] || {})[box.dataset.channel] = box.checked;
    }
    const body = { kinds: next, timezone: zone.value, apprise_urls: urls.concat(newUrl.value.trim() ? [newUrl.value.trim()] : []) };
    save.disabled = true;
    try {
      await api.put(PATH, body);
      data = await api.get(PATH);
      urls = [...(data.apprise_urls || [])];
      newUrl.value = '';
      showUrls();
      taskflow.toast('Notification settings saved');
    } catch (err) {
      error.textContent = problemText(err) || errorText(err);
      error.hidden = false;
      error.focus && error.setAttribute('tabindex', '-1');
      error.focus();
    } finally {
      save.disabled = false;
    }
  });
  container.append(card(h, 'Notification settings', form));
}
