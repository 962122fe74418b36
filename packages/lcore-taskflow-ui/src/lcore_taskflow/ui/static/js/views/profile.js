/* My profile: username and email, language, password change, what my role may do. */
import { h, badge } from '../dom.js';
import { api, session, ApiError } from '../api.js';
import { route } from '../router.js';
import { changePassword } from '../queries.js';
import { field, select, onSubmit, formValues } from '../forms.js';
import { toast } from '../toast.js';
import { card } from './common.js';
import { contributions, safeRender } from '../extensions.js';
import { showUser } from '../app.js';
import { t, availableLanguages, chooseLanguage, currentLanguage, languageName } from '../i18n.js';
import { WORKSPACE_ROLE_LABELS } from '../roles.js';

const MIN_PASSWORD = 10;  // the contract's policy; the server has the last word (422 beside the field)

const PERMISSIONS = {
  admin: [t('Own every project: edit, archive and delete it, manage its members and share links'), t('Create projects'),
    t('Add, edit, deactivate and remove team members; manage teams'), t('Send emails and see every notification'), t('Admin statistics')],
  member: [t('See the projects open to the whole workspace, and those you are added to'),
    t('In each project, what your role there allows: view, comment, edit tasks, or own it'), t('Edit your own username and email'),
    t('See the emails sent to you')],
  guest: [t('See only the projects you are added to (directly or through a team)'),
    t('In each project, what your role there allows: view, comment, edit tasks, or own it'), t('See the emails sent to you')],
};

function passwordForm() {
  const form = h('form', { class: 'stack', 'data-testid': 'password-form' },
    field(t('Current password'), h('input', { name: 'current_password', type: 'password', required: true, autocomplete: 'current-password' })),
    field(t('New password'), h('input', { name: 'new_password', type: 'password', required: true, autocomplete: 'new-password', minlength: MIN_PASSWORD }),
      t('At least {count} characters; not a common password, nor your username.', { count: MIN_PASSWORD })),
    field(t('New password again'), h('input', { name: 'confirm', type: 'password', required: true, autocomplete: 'new-password' })),
    h('div', null, h('button', { type: 'submit', class: 'btn btn-primary' }, t('Change password'))));
  return onSubmit(form, async (data) => {
    const next = String(data.get('new_password'));
    const fields = {};
    if (next.length < MIN_PASSWORD) fields.new_password = t('Use at least {count} characters.', { count: MIN_PASSWORD });
    if (next !== data.get('confirm')) fields.confirm = t("The two new passwords don't match.");
    if (Object.keys(fields).length) throw new ApiError(422, t('Some fields need your attention.'), { fields });
    try {
      const answer = await changePassword(String(data.get('current_password')), next);
      session.save(answer.token, Object.assign({}, session.user, answer.user));
    } catch (err) {
      if (err.status === 401) throw new ApiError(422, t('Some fields need your attention.'), { fields: { current_password: t('This is not your current password.') } });
      throw err;
    }
    form.reset();
    toast(t('Password changed. Your other sessions are signed out.'));
  });
}

/**
 * The language of the app, the API's messages and the emails: the profile's, or (empty)
 * the browser's.  Saved with PATCH /api/users/me, then the page reloads once in it.
 */
function languageForm(me) {
  const browser = languageName(chooseLanguage(null));
  const options = [['', t('As the browser says ({language})', { language: browser })]]
    .concat(availableLanguages().map((code) => [code, languageName(code)]));
  const form = h('form', { class: 'stack', 'data-testid': 'language-form' },
    field(t('Language'), select('language', options, me.language || '', { 'data-testid': 'language-select' }),
      t('The app, messages from the server and emails to you use it.')),
    h('div', null, h('button', { type: 'submit', class: 'btn btn-primary' }, t('Use this language'))));
  return onSubmit(form, async (data) => {
    const language = data.get('language') || null;
    await api.patch('/api/users/me', { language });
    session.setUser({ language });
    if (chooseLanguage(language) !== currentLanguage()) location.reload();
    else toast(t('Language saved'));
  });
}

route(/^profile$/, async (ctx) => {
  ctx.setTitle(t('My profile'));
  const me = await api.get('/auth/me');
  session.setUser({ id: me.id, username: me.username, role: me.role, email: me.email, language: me.language || null });
  showUser();
  const form = h('form', { class: 'stack', 'data-testid': 'profile-form' },
    field(t('Username'), h('input', { name: 'username', value: me.username, required: true, autocomplete: 'username' })),
    field(t('Email'), h('input', { name: 'email', type: 'email', value: me.email || '', required: true, autocomplete: 'email' })),
    h('div', null, h('button', { type: 'submit', class: 'btn btn-primary' }, t('Save profile'))));
  onSubmit(form, async (data) => {
    const values = formValues(data, ['username', 'email']);
    await api.put('/api/users/' + Number(me.id), values);
    session.setUser(values);
    showUser();
    toast(t('Profile saved'));
  });
  const role = PERMISSIONS[me.role] ? me.role : 'member';
  // Plugins' cards (addProfilePanel, since API version 2), after core's own.
  const panels = contributions.profilePanels.map((p) => {
    const box = h('div', { class: 'extension-panel', dataset: { extension: p.id } });
    safeRender(box, p.id, p.render, Object.assign({}, me), { signal: ctx.signal });
    return card(p.title, box);
  });
  ctx.mount(h('div', { class: 'grid-2' },
    h('div', null, card(t('Edit profile'), form), card(t('Language'), languageForm(me)), card(t('Change password'), passwordForm())),
    card(t('Account'),
      h('dl', { class: 'meta-list' },
        h('dt', null, t('User id')), h('dd', null, me.id),
        h('dt', null, t('Role')), h('dd', null, badge(WORKSPACE_ROLE_LABELS[me.role] || me.role, me.role))),
      h('p', null, h('a', { class: 'btn', href: '#/profile/security', 'data-testid': 'security-link' }, t('Security: two-factor sign-in, access tokens, sessions'))),
      h('h3', { class: 'small muted' }, t('What you can do')),
      h('ul', null, PERMISSIONS[role].map((p) => h('li', null, p))))),
  panels.length ? h('div', { class: 'grid-2' }, panels) : null);
}, { title: t('My profile') });
