/* My profile: username and email, password change, what my role may do. */
import { h, badge } from '../dom.js';
import { api, session, ApiError } from '../api.js';
import { route } from '../router.js';
import { caps, changePassword } from '../contract.js';
import { field, onSubmit, formValues } from '../forms.js';
import { toast } from '../toast.js';
import { card } from './common.js';
import { contributions, safeRender } from '../extensions.js';
import { showUser } from '../app.js';

const MIN_PASSWORD = 10;  // the contract's policy; the server has the last word (422 beside the field)

const PERMISSIONS = {
  admin: ['Own every project: edit, archive and delete it, manage its members and share links', 'Create projects',
    'Add, edit, deactivate and remove team members; manage teams', 'Send emails and see every notification', 'Admin statistics'],
  member: ['See the projects open to the whole workspace, and those you are added to',
    'In each project, what your role there allows: view, comment, edit tasks, or own it', 'Edit your own username and email',
    'See the emails sent to you'],
  guest: ['See only the projects you are added to (directly or through a team)',
    'In each project, what your role there allows: view, comment, edit tasks, or own it', 'See the emails sent to you'],
};

function passwordForm() {
  const form = h('form', { class: 'stack', 'data-testid': 'password-form' },
    field('Current password', h('input', { name: 'current_password', type: 'password', required: true, autocomplete: 'current-password' })),
    field('New password', h('input', { name: 'new_password', type: 'password', required: true, autocomplete: 'new-password', minlength: MIN_PASSWORD }),
      `At least ${MIN_PASSWORD} characters; not a common password, nor your username.`),
    field('New password again', h('input', { name: 'confirm', type: 'password', required: true, autocomplete: 'new-password' })),
    h('div', null, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Change password')));
  return onSubmit(form, async (data) => {
    const next = String(data.get('new_password'));
    const fields = {};
    if (next.length < MIN_PASSWORD) fields.new_password = `Use at least ${MIN_PASSWORD} characters.`;
    if (next !== data.get('confirm')) fields.confirm = "The two new passwords don't match.";
    if (Object.keys(fields).length) throw new ApiError(422, 'Some fields need your attention.', { fields });
    try {
      const answer = await changePassword(String(data.get('current_password')), next);
      session.save(answer.token, Object.assign({}, session.user, answer.user));
    } catch (err) {
      if (err.status === 401) throw new ApiError(422, 'Some fields need your attention.', { fields: { current_password: 'This is not your current password.' } });
      if (caps.password === false) form.replaceWith(unavailable());
      throw err;
    }
    form.reset();
    toast('Password changed. Your other sessions are signed out.');
  });
}

const unavailable = () => h('p', { class: 'muted', 'data-testid': 'password-unavailable' }, 'This server cannot change passwords yet.');

route(/^profile$/, async (ctx) => {
  ctx.setTitle('My profile');
  const me = await api.get('/auth/me');
  session.setUser({ id: me.id, username: me.username, role: me.role, email: me.email });
  showUser();
  const form = h('form', { class: 'stack', 'data-testid': 'profile-form' },
    field('Username', h('input', { name: 'username', value: me.username, required: true, autocomplete: 'username' })),
    field('Email', h('input', { name: 'email', type: 'email', value: me.email || '', required: true, autocomplete: 'email' })),
    h('div', null, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save profile')));
  onSubmit(form, async (data) => {
    const values = formValues(data, ['username', 'email']);
    await api.put('/api/users/' + Number(me.id), values);
    session.setUser(values);
    showUser();
    toast('Profile saved');
  });
  const role = PERMISSIONS[me.role] ? me.role : 'member';
  // Plugins' cards (addProfilePanel, since API version 2), after core's own.
  const panels = contributions.profilePanels.map((p) => {
    const box = h('div', { class: 'extension-panel', dataset: { extension: p.id } });
    safeRender(box, p.id, p.render, Object.assign({}, me), { signal: ctx.signal });
    return card(p.title, box);
  });
  ctx.mount(h('div', { class: 'grid-2' },
    h('div', null, card('Edit profile', form), card('Change password', caps.password === false ? unavailable() : passwordForm())),
    card('Account',
      h('dl', { class: 'meta-list' },
        h('dt', null, 'User id'), h('dd', null, me.id),
        h('dt', null, 'Role'), h('dd', null, badge(me.role, me.role))),
      h('p', null, h('a', { class: 'btn', href: '#/profile/security', 'data-testid': 'security-link' }, 'Security: two-factor sign-in, access tokens, sessions')),
      h('h3', { class: 'small muted' }, 'What you can do'),
      h('ul', null, PERMISSIONS[role].map((p) => h('li', null, p))))),
  panels.length ? h('div', { class: 'grid-2' }, panels) : null);
}, { title: 'My profile' });
