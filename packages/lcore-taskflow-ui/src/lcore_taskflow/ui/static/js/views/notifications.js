/* Notifications: the email history (admins: everyone's; members: their own); compose for admins. */
import { h, badge, formatTime } from '../dom.js';
import { api, session } from '../api.js';
import { route } from '../router.js';
import { field, onSubmit, formValues } from '../forms.js';
import { toast } from '../toast.js';
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

route(/^notifications$/, async (ctx) => {
  ctx.setTitle('Notifications');
  let data;
  try {
    data = await api.get('/api/notifications/history?limit=50');
  } catch (err) {
    if (err.status !== 404) throw err;
    ctx.mount(card('Notifications are not available',
      h('p', { 'data-testid': 'notify-missing' },
        'This server does not have the notifications plugin (lcore-taskflow-notify) installed, ',
        'so there is no email history to show and nothing can be sent from here.')));
    return;
  }
  const rows = data.notifications || [];
  ctx.mount(
    session.isAdmin() ? card('Compose an email', composeForm(ctx)) : null,
    card(session.isAdmin() ? 'Email history (everyone)' : 'Emails sent to you',
      rows.length ? tableWrap('Email history', h('table', { class: 'table table-fixed table-stack', 'data-testid': 'notification-table' },
        h('thead', null, h('tr', null, ['To', 'Subject', 'Status', 'When'].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', null, rows.map((n) => h('tr', null,
          h('td', { class: 'wrap', 'data-label': 'To' }, n.recipient || n.to || ''),
          h('td', { class: 'wrap', 'data-label': 'Subject' }, n.subject),
          h('td', { 'data-label': 'Status' }, badge(n.status, n.status), n.error ? h('div', { class: 'muted small wrap' }, n.error) : null),
          h('td', { class: 'muted small', 'data-label': 'When' }, formatTime(n.created_at)))))))
        : empty('No notifications yet.')));
}, { title: 'Notifications' });
