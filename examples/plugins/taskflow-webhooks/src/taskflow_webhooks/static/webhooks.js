/* taskflow-webhooks in the frontend: a "Webhooks" panel in project settings.
 *
 * Admins see the project's webhooks, add one (URL, secret, events), switch one
 * off, delete it, and read its delivery log with a Retry for failed ones.
 * A generated secret is shown once, in a panel with a Copy button that stays
 * until it is dismissed.
 * Members see why the panel is empty.  ES module, DOM built with taskflow.h:
 * nothing inline, so the page's strict CSP holds.
 */
export default function setup(taskflow) {
  const { h, api } = taskflow;
  const { t } = translations(taskflow);

  taskflow.addProjectPanel({
    id: 'webhooks',
    title: t('Webhooks'),
    async render(container, project) {
      if ((taskflow.user || {}).role !== 'admin') {
        container.append(h('p', { class: 'muted', 'data-testid': 'webhooks-admin-only' },
          t('Only admins configure webhooks.')));
        return;
      }
      const base = `/api/webhooks/projects/${Number(project.id)}`;
      const list = h('ul', { class: 'webhooks-list', 'data-testid': 'webhooks-list' });
      const [{ events }] = await Promise.all([api.get('/api/webhooks/events')]);

      async function show() {
        const { webhooks } = await api.get(base);
        list.replaceChildren(...webhooks.map(hookItem));
        if (!webhooks.length) list.append(h('li', { class: 'muted' }, t('No webhooks yet.')));
      }

      function describeHook(hook) {
        const params = { events: hook.events.join(', '), hint: hook.secret_hint };
        return hook.active ? t('{events} · secret {hint}', params) : t('(off) {events} · secret {hint}', params);
      }

      function hookItem(hook) {
        const log = h('div', { class: 'webhooks-log', hidden: true });
        const item = h('li', { 'data-testid': 'webhook' },
          h('div', { class: 'webhooks-head' },
            h('code', { class: 'wrap' }, hook.url),
            h('span', { class: 'muted' }, ' ', describeHook(hook))),
          h('div', { class: 'row' },
            h('button', { type: 'button', class: 'btn btn-small', onclick: () => toggleLog(hook, log) }, t('Deliveries')),
            h('button', { type: 'button', class: 'btn btn-small', onclick: async () => {
              await api.patch(`/api/webhooks/${hook.id}`, { active: !hook.active });
              await show();
            } }, hook.active ? t('Switch off') : t('Switch on')),
            h('button', { type: 'button', class: 'btn btn-small', 'aria-label': t('Delete webhook {url}', { url: hook.url }), onclick: async () => {
              await api.del(`/api/webhooks/${hook.id}`);
              taskflow.toast(t('Webhook deleted'));
              await show();
            } }, t('Delete'))),
          log);
        return item;
      }

      async function toggleLog(hook, log) {
        log.hidden = !log.hidden;
        if (log.hidden) return;
        const { deliveries } = await api.get(`/api/webhooks/${hook.id}/deliveries?limit=20`);
        const rows = deliveries.map((d) => h('tr', null,
          h('td', null, String(d.id)), h('td', null, d.event_type), h('td', null, d.status),
          h('td', null, String(d.attempts)), h('td', { class: 'wrap' }, d.error || (d.response_status ? t('HTTP {status}', { status: d.response_status }) : '')),
          h('td', null, d.status === 'failed' ? h('button', { type: 'button', class: 'btn btn-small', onclick: async () => {
            await api.post(`/api/webhooks/${hook.id}/deliveries/${d.id}/retry`);
            log.hidden = true;
            await toggleLog(hook, log);
          } }, t('Retry')) : '')));
        log.replaceChildren(deliveries.length
          ? h('table', { class: 'table' },
            h('thead', null, h('tr', null, ['#', t('Event'), t('Status'), t('Attempts'), t('Answer'), ''].map((text) => h('th', { scope: 'col' }, text)))),
            h('tbody', null, rows))
          : h('p', { class: 'muted' }, t('No deliveries yet.')));
      }

      const url = h('input', { name: 'webhook_url', type: 'url', required: true, placeholder: 'https://example.com/hook', 'aria-label': t('Webhook URL') });  // i18n-ignore: an example URL
      const secret = h('input', { name: 'webhook_secret', minlength: 16, placeholder: t('secret (empty: generate one)'), 'aria-label': t('Webhook secret') });
      const boxes = events.map((type) => h('label', { class: 'webhooks-event' },
        h('input', { type: 'checkbox', name: 'webhook_event', value: type, checked: type.startsWith('task.') }), type));
      const form = h('form', { class: 'stack', 'data-testid': 'webhooks-form' },
        url, secret, h('fieldset', { class: 'webhooks-events' }, h('legend', null, t('Events')), boxes),
        h('div', null, h('button', { type: 'submit', class: 'btn btn-primary' }, t('Add webhook'))));
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        const chosen = [...form.querySelectorAll('input[name=webhook_event]:checked')].map((i) => i.value);
        const body = { url: url.value, events: chosen };
        if (secret.value) body.secret = secret.value;
        try {
          const created = await api.post(base, body);
          form.reset();
          await show();
          // A secret shown once stays on screen until it is dismissed: never in a toast that fades.
          if (created.secret) showSecret(created.secret);
          else taskflow.toast(t('Webhook added'));
        } catch (err) {
          taskflow.toast(err.message, { kind: 'error' });
        }
      });
      const fresh = h('div', { class: 'webhooks-fresh' });

      /** The new webhook's secret with a Copy button, until "Done". */
      function showSecret(value) {
        const input = h('input', { value, readonly: true, class: 'webhooks-secret', 'aria-label': t('The webhook secret'), 'data-testid': 'webhook-secret' });
        const note = h('p', { class: 'small', role: 'status', 'data-testid': 'webhook-copy-status' });
        const copy = h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'webhook-copy', onclick: async () => {
          let copied;
          try {
            await navigator.clipboard.writeText(value);
            copied = true;
          } catch {
            input.focus();
            input.select();
            try { copied = document.execCommand('copy'); } catch { copied = false; }
          }
          note.textContent = copied ? t('Copied.') : t('Copying did not work here: the secret is selected, copy it with Ctrl+C (⌘C on a Mac).');
        } }, t('Copy secret'));
        const done = h('button', { type: 'button', class: 'btn', 'data-testid': 'webhook-secret-done', onclick: () => {
          fresh.replaceChildren();
          form.querySelector('button[type=submit]').focus();
        } }, t('Done'));
        fresh.replaceChildren(h('section', { class: 'webhooks-secret-box', role: 'group', 'aria-labelledby': 'webhook-secret-title', 'data-testid': 'webhook-secret-box' },
          h('h3', { id: 'webhook-secret-title' }, t('Webhook added: copy its secret now')),
          h('p', null, t('It is shown only this once. Your receiver checks each delivery’s signature with it.')),
          h('div', { class: 'webhooks-copy-row' }, input, copy),
          note,
          h('div', null, done)));
        copy.focus();
      }

      container.append(list, fresh, form);
      await show();
    },
  });
}

/** The frontend's translation functions (UI API 3; the catalog is this folder's
 * i18n/<lang>.json), else English with the {placeholders} filled: an older frontend runs it too. */
function translations(taskflow) {
  if (taskflow.version >= 3 && typeof taskflow.t === 'function' && typeof taskflow.tn === 'function') {
    return { t: taskflow.t, tn: taskflow.tn };
  }
  const fill = (text, params) => String(text).replace(/\{(\w+)\}/g,
    (whole, key) => (params && Object.prototype.hasOwnProperty.call(params, key) ? String(params[key]) : whole));
  return { t: fill, tn: (n, singular, plural, params) => fill(n === 1 ? singular : plural, { ...params, n }) };
}
