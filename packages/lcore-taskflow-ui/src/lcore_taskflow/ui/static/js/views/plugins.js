/* Plugins (admins, #/plugins): every plugin the server knows, enabled or not,
 * with its version, core API, health, hooks, routes and migrations (collapsed),
 * and a settings form generated from the plugin's declared configuration
 * (GET /api/admin/plugins).  Runtime settings are saved with
 * PUT /api/admin/plugins/<name>/settings; a 422 shows beside its field.  A
 * secret is a password field showing "***" and is sent only when typed. */
import { h } from '../dom.js';
import { api, session } from '../api.js';
import { route } from '../router.js';
import { field, onSubmit } from '../forms.js';
import { toast } from '../toast.js';
import { card, tableWrap } from './common.js';
import { t } from '../i18n.js';
const MASK = '***';

function details(summary, testid, ...children) {
  return h('details', { class: 'plugin-details', 'data-testid': testid }, h('summary', null, summary), ...children);
}

function text(value) {
  if (Array.isArray(value)) return value.join(', ');
  return value === null || value === undefined ? '' : String(value);
}

/** One input per setting, from its type: checkbox, number, text, comma list, password. */
function control(s) {
  const attrs = { name: s.key, 'data-testid': `setting-${s.key}`, disabled: !s.runtime, autocomplete: 'off' };
  if (s.secret) return h('input', Object.assign(attrs, { type: 'password', value: s.value === MASK ? MASK : '', 'data-secret': '1' }));
  const kind = s.type.replace('?', '');
  if (kind === 'bool') return h('input', Object.assign(attrs, { type: 'checkbox', checked: Boolean(s.value) }));
  if (kind === 'int' || kind === 'float') {
    return h('input', Object.assign(attrs, { type: 'number', inputmode: kind === 'int' ? 'numeric' : 'decimal', step: kind === 'int' ? '1' : 'any', min: '0', value: text(s.value) }));
  }
  return h('input', Object.assign(attrs, { type: 'text', value: text(s.value) }));
}

function hint(s) {
  const parts = [s.help, t('{env} · {type} · default {default} · from {source}', { env: s.env, type: s.type, default: s.secret ? MASK : JSON.stringify(s.default), source: s.source })];
  if (!s.runtime) parts.push(s.restart);
  return parts.filter(Boolean).join(' — ');
}

/** The changed runtime values of the form, converted back to the types. */
function changes(form, settings) {
  const out = {};
  for (const s of settings) {
    if (!s.runtime) continue;
    const el = form.elements.namedItem(s.key);
    const kind = s.type.replace('?', '');
    let value;
    if (s.secret) {
      if (el.value === MASK || el.value === '' && s.value !== MASK) continue; // untouched
      value = el.value;
    } else if (kind === 'bool') value = el.checked;
    else if (kind === 'int' || kind === 'float') value = el.value.trim() === '' ? null : Number(el.value);
    else if (kind === 'list') value = el.value.split(',').map((x) => x.trim()).filter(Boolean);
    else value = el.value;
    if (JSON.stringify(value) !== JSON.stringify(s.value)) out[s.key] = value;
  }
  return out;
}

function settingsForm(plugin) {
  const runtime = plugin.settings.some((s) => s.runtime);
  const form = h('form', { class: 'stack', 'data-testid': `settings-${plugin.name}`, 'aria-label': t('Settings of {name}', { name: plugin.name }) },
    plugin.settings.map((s) => field(s.key, control(s), hint(s))),
    runtime ? h('div', { class: 'row' }, h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': `save-${plugin.name}` }, t('Save settings')))
      : h('p', { class: 'muted small' }, t('Every setting of this plugin needs its APP_ variable and a restart.')));
  if (!runtime) return form;
  return onSubmit(form, async () => {
    const body = changes(form, plugin.settings);
    if (!Object.keys(body).length) { toast(t('Nothing changed.')); return; }
    const out = await api.put(`/api/admin/plugins/${encodeURIComponent(plugin.name)}/settings`, body);
    plugin.settings = out.settings;
    for (const s of out.settings) {
      const el = form.elements.namedItem(s.key);
      if (el && s.secret) el.value = s.value === MASK ? MASK : '';
    }
    toast(t('Settings of {name} saved; every server applies them within a few seconds.', { name: plugin.name }));
  });
}

function state(plugin) {
  if (!plugin.enabled) return h('span', { class: 'badge', 'data-testid': 'plugin-state' }, t('disabled'));
  return h('span', { class: 'badge', 'data-testid': 'plugin-state' }, t('enabled'));
}

function health(plugin) {
  const problems = plugin.health.problems || [];
  return problems.length
    ? h('ul', { class: 'form-error small', 'data-testid': 'plugin-health' }, problems.map((p) => h('li', null, p)))
    : h('p', { class: 'muted small', 'data-testid': 'plugin-health' }, t('Healthy'));
}

function pluginCard(plugin) {
  const routes = plugin.routes.length
    ? tableWrap(t('Routes of {name}', { name: plugin.name }), h('table', { class: 'table' },
      h('thead', null, h('tr', null, [t('Method'), t('Path'), t('Name')].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', null, plugin.routes.map((r) => h('tr', null, h('td', null, r.method), h('td', { class: 'wrap' }, h('code', null, r.path)), h('td', null, r.name))))))
    : h('p', { class: 'muted small' }, t('No routes.'));
  const migrations = plugin.migrations.length
    ? h('ul', null, plugin.migrations.map((m) => h('li', null,
      m.pending.length ? t('{namespace}: applied {applied}; pending {pending}', { namespace: m.namespace, applied: m.applied.join(', ') || t('none'), pending: m.pending.join(', ') })
        : t('{namespace}: applied {applied}', { namespace: m.namespace, applied: m.applied.join(', ') || t('none') }))))
    : h('p', { class: 'muted small' }, t('No migrations.'));
  return h('section', { class: 'card', 'data-testid': 'plugin', 'data-plugin': plugin.name, 'aria-label': t('Plugin {name}', { name: plugin.name }) },
    h('h2', null, plugin.name, ' ', state(plugin)),
    h('p', { class: 'small' }, t('Version {version} · core API {core_api}', { version: plugin.version, core_api: plugin.core_api || t('not declared') }),
      plugin.project_scoped ? [' · ', t('per project')] : ''),
    plugin.description ? h('p', { class: 'muted small' }, plugin.description) : null,
    plugin.enabled ? null : h('p', { class: 'small', 'data-testid': 'plugin-enable' }, t('To enable: {enable}', { enable: plugin.enable })),
    health(plugin),
    details(t('Hooks ({length})', { length: plugin.hooks.length }), 'plugin-hooks', h('ul', { class: 'small' }, plugin.hooks.map((x) => h('li', null, h('code', null, x))))),
    details(t('Routes ({length})', { length: plugin.routes.length }), 'plugin-routes', routes),
    details(t('Migrations ({count})', { count: plugin.migrations.reduce((n, m) => n + m.applied.length + m.pending.length, 0) }), 'plugin-migrations', migrations),
    plugin.settings.length ? details(t('Settings ({length})', { length: plugin.settings.length }), 'plugin-settings', settingsForm(plugin)) : null);
}

route(/^plugins$/, async (ctx) => {
  ctx.setTitle(t('Plugins'));
  if (!session.isAdmin()) throw Object.assign(new Error("You don't have permission to see the plugins."), { status: 403 });
  const data = await api.get('/api/admin/plugins');
  if (!ctx.alive()) return;
  ctx.mount(card(null, h('p', { class: 'muted' },
    t('Enabling or disabling a plugin needs a restart; settings marked as changeable apply on every server within a few seconds.'))),
  ...data.plugins.map(pluginCard));
}, { title: t('Plugins') });
