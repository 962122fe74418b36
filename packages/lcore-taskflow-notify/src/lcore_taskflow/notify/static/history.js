/* The email history (admins: everyone's; members: their own) and, for
 * admins, a compose form: the Notifications screen the ui package had before
 * notify shipped its own module.  PAGE rows at a time. */
import { card, formatTime, errorText, problemText, t } from './common.js';

const PAGE = 20;

function composeForm(taskflow, refresh) {
  const { h, api } = taskflow;
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const button = h('button', { type: 'submit', class: 'btn btn-primary' }, t('Send email'));
  const form = h('form', { class: 'stack', 'data-testid': 'compose-form' },
    error,
    h('div', { class: 'form-row' },
      h('label', { class: 'field' }, h('span', { class: 'label-text' }, t('To')), h('input', { name: 'to', type: 'email', required: true })),
      h('label', { class: 'field' }, h('span', { class: 'label-text' }, t('Subject')), h('input', { name: 'subject', required: true, maxlength: 200 }))),
    h('label', { class: 'field' }, h('span', { class: 'label-text' }, t('Message')), h('textarea', { name: 'body', required: true })),
    h('div', null, button));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    error.hidden = true;
    button.disabled = true;
    try {
      const sent = await api.post('/api/notifications/email',
        { to: String(data.get('to')).trim(), subject: String(data.get('subject')).trim(), body: String(data.get('body')) });
      taskflow.toast(t('Email to {to}: {status}', { to: sent.to, status: sent.status }));
      form.reset();
      refresh();
    } catch (err) {
      error.textContent = problemText(err);
      error.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

function historyCard(taskflow, first, admin) {
  const { h, api } = taskflow;
  const row = (n) => h('tr', null,
    h('td', { class: 'wrap', 'data-label': t('To') }, n.recipient || n.to || ''),
    h('td', { class: 'wrap', 'data-label': t('Subject') }, n.subject),
    h('td', { 'data-label': t('Status') }, h('span', { class: 'badge badge-' + String(n.status).replace(/\W/g, '') }, n.status),
      n.error ? h('div', { class: 'muted small wrap' }, n.error) : null),
    h('td', { class: 'muted small', 'data-label': t('When') }, formatTime(n.created_at)));
  const body = h('tbody', null, (first.notifications || []).map(row));
  const shown = h('p', { class: 'muted small', 'data-testid': 'notification-count', 'aria-live': 'polite' });
  const more = h('button', { type: 'button', class: 'btn', 'data-testid': 'notification-more' }, t('Show older emails'));
  let page = 1;
  const update = (total) => {
    shown.textContent = t('Showing {shown} of {total}', { shown: body.children.length, total });
    more.hidden = body.children.length >= total;
  };
  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      const next = await api.get(`/api/notifications/history?page=${page + 1}&limit=${PAGE}`);
      page += 1;
      body.append(...(next.notifications || []).map(row));
      update(next.total);
    } catch (err) {
      taskflow.toast(errorText(err), { kind: 'error', action: { label: t('Retry'), run: () => more.click() } });
    } finally {
      more.disabled = false;
    }
  });
  update(first.total ?? body.children.length);
  const title = admin ? t('Email history (everyone)') : t('Emails sent to you');
  if (!body.children.length) return card(h, title, h('p', { class: 'empty' }, t('No emails yet.')));
  return card(h, title,
    h('div', { class: 'table-wrap', role: 'region', 'aria-label': t('Email history'), tabindex: '0' },
      h('table', { class: 'table table-fixed table-stack', 'data-testid': 'notification-table' },
        h('thead', null, h('tr', null, [t('To'), t('Subject'), t('Status'), t('When')].map((x) => h('th', { scope: 'col' }, x)))),
        body)),
    shown, more);
}

export async function renderHistory(taskflow, container, refresh) {
  const data = await taskflow.api.get(`/api/notifications/history?page=1&limit=${PAGE}`);
  const admin = Boolean(taskflow.user && taskflow.user.role === 'admin');
  const parts = [admin ? card(taskflow.h, t('Compose an email'), composeForm(taskflow, refresh)) : null,
    historyCard(taskflow, data, admin)];
  container.append(...parts.filter(Boolean));
}
