/* Notifications: the email history (admins: everyone's; members: their own); compose for admins. */
import { h, badge, formatTime } from '../dom.js';
import { api, session } from '../api.js';
import { route } from '../router.js';
import { field, onSubmit, formValues } from '../forms.js';
import { toast, toastError } from '../toast.js';
import { card, tableWrap, empty } from './common.js';

function composeForm(ctx) {
  const form = h('form', { class: 'stack', 'data-testid': 'compose-form' },
    h('div', { class: 'form-row' },
      field('To', h('input', { name: 'to', type: 'email', required: true })),
      field('Subject', h('input', { name: 'subject', required: true, maxlength: 200 }))),
    field('Message', h('textarea', { name: 'body', required: true })),
    h('div', null, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Send email')));
  return onSubmit(form, async (data) => {
    const sent = await api.post('/api/notifications/email', formValues(data, ['to', 'subject', 'body']));
    toast(`Email to ${sent.to}: ${sent.status}`);
    ctx.refresh();
  });
}

const PAGE = 20;

function notificationRow(n) {
  return h('tr', null,
    h('td', { class: 'wrap', 'data-label': 'To' }, n.recipient || n.to || ''),
    h('td', { class: 'wrap', 'data-label': 'Subject' }, n.subject),
    h('td', { 'data-label': 'Status' }, badge(n.status, n.status), n.error ? h('div', { class: 'muted small wrap' }, n.error) : null),
    h('td', { class: 'muted small', 'data-label': 'When' }, formatTime(n.created_at)));
}

/** The history table, PAGE rows at a time: "Show older emails" appends the next page. */
function historyCard(first) {
  const body = h('tbody', null, (first.notifications || []).map(notificationRow));
  const shown = h('p', { class: 'muted small', 'data-testid': 'notification-count', 'aria-live': 'polite' });
  const more = h('button', { type: 'button', class: 'btn', 'data-testid': 'notification-more' }, 'Show older emails');
  let page = 1;
  const update = (total) => {
    shown.textContent = `Showing ${body.children.length} of ${total}`;
    more.hidden = body.children.length >= total;
  };
  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      const next = await api.get(`/api/notifications/history?page=${page + 1}&limit=${PAGE}`);
      page += 1;
      body.append(...(next.notifications || []).map(notificationRow));
      update(next.total);
    } catch (err) {
      toastError(err, { label: 'Retry', run: () => more.click() });
    } finally {
      more.disabled = false;
    }
  });
  update(first.total ?? body.children.length);
  const title = session.isAdmin() ? 'Email history (everyone)' : 'Emails sent to you';
  if (!body.children.length) return card(title, empty('No notifications yet.'));
  return card(title,
    tableWrap('Email history', h('table', { class: 'table table-fixed table-stack', 'data-testid': 'notification-table' },
      h('thead', null, h('tr', null, ['To', 'Subject', 'Status', 'When'].map((x) => h('th', { scope: 'col' }, x)))),
      body)),
    shown, more);
}

route(/^notifications$/, async (ctx) => {
  ctx.setTitle('Notifications');
  let data;
  try {
    data = await api.get(`/api/notifications/history?page=1&limit=${PAGE}`);
  } catch (err) {
    if (err.status !== 404) throw err;
    ctx.mount(card('Notifications are not available',
      h('p', { 'data-testid': 'notify-missing' },
        'This server does not have the notifications plugin (lcore-taskflow-notify) installed, ',
        'so there is no email history to show and nothing can be sent from here.')));
    return;
  }
  ctx.mount(session.isAdmin() ? card('Compose an email', composeForm(ctx)) : null, historyCard(data));
}, { title: 'Notifications' });
