/* My profile › Security (#/profile/security): two-factor sign-in (set up with a
 * QR code, confirm with a code, recovery codes shown once with a Download
 * button, turn off with the password), personal access tokens (created with
 * the secret shown once with Copy until dismissed, listed, revoked) and the
 * sessions that still work (end one, or all the others).
 *
 * The server has no "is two-factor on?" read: the card offers setup, and a
 * setup refused with 409 says it is on already; turning it off is always
 * offered (a 404 says it was not on). */
import { h, mount, badge, formatTime } from '../dom.js';
import { api, session, ApiError } from '../api.js';
import { route } from '../router.js';
import { field, onSubmit, nextId } from '../forms.js';
import { toast, toastError, announce, errorText } from '../toast.js';
import { card, tableWrap, empty } from './common.js';
import { t, tn } from '../i18n.js';
/** Put `text` on the clipboard; when the browser refuses, select `input` and say how. */
async function copyText(text, input, note) {
  let copied = false;
  try {
    await navigator.clipboard.writeText(text);
    copied = true;
  } catch (e) {
    input.focus();
    input.select();
    try { copied = document.execCommand('copy'); } catch (e2) { copied = false; }
  }
  note.textContent = copied ? t('Copied.') : t('Copying did not work here: it is selected, copy it with Ctrl+C (⌘C on a Mac).');
}

/** Save text as a .txt file (a Blob: no request, nothing left on the server). */
function saveText(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
  const link = h('a', { href: url, download: name });
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30000);
}

// ------------------------------------------------------------- two-factor
function twoFactorCard(me) {
  const status = h('p', { 'data-testid': 'totp-status', role: 'status' });
  const setupBox = h('div', { 'data-testid': 'totp-setup-box' });
  const start = h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'totp-start', onclick: begin }, t('Set up two-factor sign-in'));

  async function begin() {
    start.disabled = true;
    let setup;
    try {
      setup = await api.post('/auth/totp', {});
    } catch (err) {
      start.disabled = false;
      if (err.status === 409) {
        status.textContent = t('Two-factor sign-in is on for your account. To set it up again (a new phone), turn it off first.');
        return;
      }
      toastError(err);
      return;
    }
    start.hidden = true;
    showSetup(setup);
  }

  function showSetup(setup) {
    const secretId = nextId('secret');
    const form = h('form', { class: 'stack', 'data-testid': 'totp-confirm-form' },
      field(t('Code from the app'), h('input', {
        name: 'code', required: true, inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 20,
        spellcheck: 'false', 'data-testid': 'totp-code',
      }), t('Six digits; the app shows a new one every 30 seconds.')),
      h('div', { class: 'row' },
        h('button', { type: 'submit', class: 'btn btn-primary' }, t('Turn on')),
        h('button', { type: 'button', class: 'btn', onclick: cancel }, t('Cancel'))));
    onSubmit(form, async (data) => {
      const answer = await api.post('/auth/totp/confirm', { code: String(data.get('code')).replace(/\s+/g, '') });
      showRecovery(answer.recovery_codes || []);
    });
    mount(setupBox, h('div', { class: 'totp-setup', 'data-testid': 'totp-setup' },
      h('ol', { class: 'steps' },
        h('li', null, t('Scan this QR code with an authenticator app (or type the key below into it).')),
        h('li', null, t('Enter the code the app shows, to check that it works.'))),
      h('img', { class: 'qr', src: setup.qr_svg, alt: t('QR code to add TaskFlow to your authenticator app'), width: '200', height: '200', 'data-testid': 'totp-qr' }),
      h('p', { class: 'small' }, h('span', { id: secretId }, t('Key for typing in:')), ' ',
        h('code', { class: 'secret', 'aria-labelledby': secretId, 'data-testid': 'totp-secret' }, setup.secret)),
      form));
    form.querySelector('input').focus();
  }

  function cancel() {
    mount(setupBox);
    start.hidden = false;
    start.disabled = false;
    start.focus();
  }

  function showRecovery(codes) {
    status.textContent = t('Two-factor sign-in is on. Each sign-in now asks for a code from your app.');
    const titleId = nextId('rec');
    const text = codes.join('\n') + '\n';
    const done = h('button', { type: 'button', class: 'btn', 'data-testid': 'recovery-done', onclick: () => { mount(setupBox); start.hidden = false; start.disabled = false; status.focus(); } }, t('Done'));
    mount(setupBox, h('section', { class: 'new-share', 'aria-labelledby': titleId, 'data-testid': 'recovery-codes' },
      h('h3', { id: titleId }, t('Your recovery codes')),
      h('p', null, t('Keep them somewhere safe: each works once, instead of a code, if you lose your phone. They are shown only this once.')),
      h('ul', { class: 'recovery-list' }, codes.map((c) => h('li', null, h('code', null, c)))),
      h('div', { class: 'row' },
        h('button', {
          type: 'button', class: 'btn btn-primary', 'data-testid': 'recovery-download',
          onclick: () => saveText(`${me.username}-recovery-codes.txt`, text),
        }, t('Download (.txt)')),
        done)));
    announce(t('Two-factor sign-in is on. Save your recovery codes now: they are shown only once.'));
    setupBox.querySelector('[data-testid=recovery-download]').focus();
  }

  const off = h('form', { class: 'stack', 'data-testid': 'totp-off-form' },
    field(t('Your password'), h('input', { name: 'password', type: 'password', required: true, autocomplete: 'current-password' }),
      t('To turn two-factor sign-in off.')),
    h('div', null, h('button', { type: 'submit', class: 'btn btn-danger' }, t('Turn off two-factor sign-in'))));
  onSubmit(off, async (data) => {
    try {
      await api.del('/auth/totp', { json: { password: String(data.get('password')) } });
    } catch (err) {
      if (err.status === 404) {
        off.reset();
        status.textContent = t('Two-factor sign-in is not on for your account.');
        return;
      }
      throw err;
    }
    off.reset();
    status.textContent = t('Two-factor sign-in is off: signing in needs only your password.');
    toast(t('Two-factor sign-in turned off'));
  });
  status.tabIndex = -1;
  const el = card('Two-factor sign-in',
    h('p', { class: 'muted small' }, t('A code from an app on your phone, asked for after your password.')),
    status, h('div', null, start), setupBox,
    h('h3', null, t('Turn it off')), off);
  el.dataset.testid = 'totp-card';
  return el;
}

// ----------------------------------------------------------------- tokens
const SCOPES = [['read', t('Read'), t('look at everything you can see')], ['write', t('Write'), t('change things too')],
  ['admin', t('Admin'), t('act as an admin (admins only)')]];

function tokensCard(me) {
  const freshBox = h('div');
  const listBox = h('div');
  const scopes = SCOPES.filter(([s]) => s !== 'admin' || me.role === 'admin');
  const form = h('form', { class: 'stack', 'data-testid': 'token-form' },
    h('div', { class: 'form-row' },
      field(t('Name'), h('input', { name: 'name', required: true, maxlength: 100, autocomplete: 'off', 'data-testid': 'token-name' }),
        t('What it is for, e.g. “Nightly report”.')),
      field(t('Expires after (days)'), h('input', { name: 'expires_in_days', type: 'number', min: 1, max: 365, value: '30', required: true, 'data-testid': 'token-days' }),
        t('1 to 365.'))),
    h('fieldset', { class: 'choices' }, h('legend', null, t('Scopes')),
      scopes.map(([value, label, hint]) => h('label', { class: 'choice' },
        h('input', { type: 'checkbox', name: 'scopes', value, checked: value === 'read', 'data-testid': 'token-scope-' + value }),
        h('span', null, h('strong', null, label), h('span', { class: 'small muted' }, hint))))),
    h('div', null, h('button', { type: 'submit', class: 'btn btn-primary' }, t('Create token'))));

  function showFresh(made) {
    const titleId = nextId('tok');
    const input = h('input', { value: made.token, readonly: true, class: 'share-url', 'aria-label': t('The new token'), 'data-testid': 'token-secret' });
    const note = h('p', { class: 'small', role: 'status', 'data-testid': 'token-copy-status' });
    const copy = h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'token-copy', onclick: () => copyText(made.token, input, note) }, t('Copy'));
    mount(freshBox, h('section', { class: 'new-share', 'aria-labelledby': titleId, 'data-testid': 'new-token' },
      h('h3', { id: titleId }, t('New token “{name}”', { name: made.name })),
      h('p', null, t('Copy it now: it is shown only this once. Send it as “Authorization: Bearer …”.')),
      h('div', { class: 'copy-row' }, input, copy),
      note,
      h('div', { class: 'row' }, h('button', {
        type: 'button', class: 'btn', 'data-testid': 'token-dismiss',
        onclick: () => { mount(freshBox); form.querySelector('button[type=submit]').focus(); },
      }, t('Done')))));
    copy.focus();
    announce(t('Token created. Copy it now: it is shown only once.'));
  }

  onSubmit(form, async (data) => {
    const chosen = data.getAll('scopes');
    const days = Number(data.get('expires_in_days'));
    const fields = {};
    if (!chosen.length) fields.scopes = t('Choose at least one scope.');
    if (!Number.isInteger(days) || days < 1 || days > 365) fields.expires_in_days = t('A whole number of days from 1 to 365.');
    if (Object.keys(fields).length) throw new ApiError(422, t('Some fields need your attention.'), { fields });
    const made = await api.post('/auth/tokens', { name: String(data.get('name')).trim(), scopes: chosen, expires_in_days: days });
    form.reset();  // back to its defaults: 30 days, read only
    form.elements.expires_in_days.value = '30';
    form.querySelectorAll('input[name=scopes]').forEach((el) => { el.checked = el.value === 'read'; });
    await load();
    showFresh(made);
  });

  async function revoke(token, button) {
    button.disabled = true;
    try {
      await api.del('/auth/tokens/' + Number(token.id));
    } catch (err) {
      button.disabled = false;
      toastError(err);
      return;
    }
    toast(t('Revoked the token “{name}”: it stopped working', { name: token.name }));
    await load();
    form.querySelector('button[type=submit]').focus();
  }

  function row(token) {
    const button = h('button', {
      type: 'button', class: 'btn btn-small btn-danger', 'data-testid': 'token-revoke',
      'aria-label': t('Revoke the token “{name}”', { name: token.name }), onclick: () => revoke(token, button),
    }, t('Revoke'));
    return h('tr', { 'data-testid': 'token-row', dataset: { tokenId: token.id } },
      h('td', { class: 'wrap', 'data-label': t('Name') }, h('strong', null, token.name)),
      h('td', { 'data-label': t('Scopes') }, (token.scopes || []).join(', ')),
      h('td', { 'data-label': t('Expires') }, formatTime(token.expires_at), ' ', token.expired ? badge(t('Expired'), 'inactive') : null),
      h('td', { 'data-label': t('Last used') }, token.last_used_at ? formatTime(token.last_used_at) : t('Never')),
      h('td', { class: 'cell-actions' }, button));
  }

  async function load() {
    const data = await api.get('/auth/tokens');
    const tokens = data.tokens || [];
    mount(listBox, tokens.length
      ? tableWrap(t('Access tokens'), h('table', { class: 'table table-stack', 'data-testid': 'tokens-table' },
        h('thead', null, h('tr', null, [t('Name'), t('Scopes'), t('Expires'), t('Last used'), t('Actions')].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', null, tokens.map(row))))
      : empty(t('No access tokens yet.')));
  }

  const el = card(t('Access tokens'),
    h('p', { class: 'muted small' }, t('For scripts and other programs. A token never manages tokens, sessions, passwords or two-factor sign-in.')),
    form, freshBox, h('h3', null, t('Your tokens')), listBox);
  el.dataset.testid = 'tokens-card';
  return { el, ready: load() };
}

// --------------------------------------------------------------- sessions
function sessionsCard() {
  const listBox = h('div');
  const others = h('button', { type: 'button', class: 'btn btn-danger', 'data-testid': 'sessions-end-others', onclick: endOthers }, t('End all other sessions'));

  async function end(s, button) {
    button.disabled = true;
    try {
      await api.del('/auth/sessions/' + encodeURIComponent(s.id));
    } catch (err) {
      button.disabled = false;
      toastError(err);
      return;
    }
    toast(t('Session ended: it stopped working'));
    await load();
    others.focus();
  }

  async function endOthers() {
    others.disabled = true;
    try {
      const data = await api.get('/auth/sessions');
      const rest = (data.sessions || []).filter((s) => !s.current);
      const failed = [];
      for (const s of rest) {
        try { await api.del('/auth/sessions/' + encodeURIComponent(s.id)); } catch (err) { if (err.status !== 404) failed.push(err); }
      }
      if (failed.length) toast(tn(failed.length, '{n} session could not be ended: {reason}', '{n} sessions could not be ended: {reason}', { reason: errorText(failed[0]) }), { kind: 'error' });
      else toast(rest.length ? tn(rest.length, 'Ended {n} other session', 'Ended {n} other sessions') : t('There were no other sessions'), { kind: rest.length ? 'success' : 'info' });
      await load();
    } catch (err) {
      toastError(err);
    } finally {
      others.disabled = false;
    }
  }

  function row(s) {
    const button = s.current ? null : h('button', {
      type: 'button', class: 'btn btn-small btn-danger', 'data-testid': 'session-end',
      'aria-label': t('End the session of {client} from {address}', { client: s.client || t('an unknown client'), address: s.address || t('an unknown address') }),
      onclick: () => end(s, button),
    }, t('End'));
    return h('tr', { 'data-testid': 'session-row', dataset: { current: s.current ? '1' : '0' } },
      h('td', { class: 'wrap', 'data-label': t('Client') }, s.client || t('Unknown'), s.via && s.via !== 'password' ? h('span', { class: 'muted small' }, ` (${s.via})`) : null),
      h('td', { 'data-label': t('Address') }, s.address || t('Unknown')),
      h('td', { 'data-label': t('Signed in') }, formatTime(s.created_at)),
      h('td', { 'data-label': t('Last seen') }, formatTime(s.last_seen_at)),
      h('td', { class: 'cell-actions' }, s.current ? badge(t('This session'), 'done') : button));
  }

  async function load() {
    const data = await api.get('/auth/sessions');
    const rows = data.sessions || [];
    others.hidden = !rows.some((s) => !s.current);
    mount(listBox, rows.length
      ? tableWrap(t('Sessions'), h('table', { class: 'table table-stack', 'data-testid': 'sessions-table' },
        h('thead', null, h('tr', null, [t('Client'), t('Address'), t('Signed in'), t('Last seen'), t('Actions')].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', null, rows.map(row))))
      : empty(t('No sessions.')));
  }

  const el = card(t('Sessions'),
    h('p', { class: 'muted small' }, t('Where you are signed in. Ending a session signs it out at once.')),
    listBox, h('div', { class: 'row' }, others));
  el.dataset.testid = 'sessions-card';
  return { el, ready: load() };
}

route(/^profile\/security$/, async (ctx) => {
  ctx.setTitle(t('Security'));
  const me = await api.get('/auth/me');
  session.setUser({ id: me.id, username: me.username, role: me.role, email: me.email });
  const tokens = tokensCard(me);
  const sessions = sessionsCard();
  await Promise.all([tokens.ready, sessions.ready]);
  ctx.setActions(h('a', { class: 'btn', href: '#/profile' }, t('Back to my profile')));
  ctx.mount(h('div', { class: 'stack security' }, twoFactorCard(me), tokens.el, sessions.el));
}, { title: t('Security') });
