/* Team: members, roles and state; add, deactivate/activate and remove for admins.
 * Only admins see email addresses (the server sends null to everyone else). */
import { h, append, badge, formatTime } from '../dom.js';
import { api, session, forgetTeam } from '../api.js';
import { route } from '../router.js';
import { field, select, onSubmit, formValues } from '../forms.js';
import { toast, toastError } from '../toast.js';
import { card, tableWrap, toggle, deleteWithUndo } from './common.js';
import { WORKSPACE_ROLE_LABELS } from '../roles.js';
import { t } from '../i18n.js';
function newMemberForm(onAdded) {
  const form = h('form', { class: 'stack', 'data-testid': 'new-member-form' },
    h('div', { class: 'form-row' },
      field(t('Username'), h('input', { name: 'username', required: true, autocomplete: 'off' })),
      field(t('Email'), h('input', { name: 'email', type: 'email', required: true })),
      field(t('Password'), h('input', { name: 'password', type: 'password', required: true, autocomplete: 'new-password' })),
      field(t('Role'), select('role', [['member', WORKSPACE_ROLE_LABELS.member], ['guest', WORKSPACE_ROLE_LABELS.guest], ['admin', WORKSPACE_ROLE_LABELS.admin]], 'member'),
        t('A guest sees only the projects they are added to.'))),
    h('div', null, h('button', { type: 'submit', class: 'btn btn-primary' }, t('Add member'))));
  return onSubmit(form, async (data) => {
    const created = await api.post('/api/users/', formValues(data, ['username', 'email', 'password', 'role']));
    form.reset();
    forgetTeam();
    toast(t('{username} added to the team', { username: created.username }));
    onAdded();
  });
}

function memberRow(ctx, u, showEmail) {
  const me = session.user && Number(session.user.id) === Number(u.id);
  const tr = h('tr', { 'data-testid': 'member-row' });
  const stateCell = h('td', { 'data-label': t('Role') });
  const showState = () => {
    stateCell.replaceChildren(badge(WORKSPACE_ROLE_LABELS[u.role] || u.role, u.role === 'admin' ? 'admin' : u.role === 'guest' ? 'guest' : 'member'), u.is_active === false ? ' ' : '', u.is_active === false ? badge(t('inactive'), 'inactive') : '');
  };
  showState();
  append(tr, [
    h('td', { class: 'wrap', 'data-label': t('Member') }, h('strong', null, u.username), me ? h('span', { class: 'muted small' }, ' ', t('(you)')) : null),
    showEmail ? h('td', { class: 'wrap', 'data-label': t('Email') }, u.email || '—') : null, stateCell,
    h('td', { class: 'muted small phone-hide' }, formatTime(u.created_at))]);
  if (session.isAdmin()) {
    const activate = h('button', {
      type: 'button', class: 'btn btn-small',
      onclick: async () => {
        activate.disabled = true;
        try {
          await api.patch('/api/users/' + Number(u.id), { is_active: u.is_active === false });
          u.is_active = u.is_active === false;
          showState();
          activate.textContent = u.is_active === false ? t('Activate') : t('Deactivate');
          activate.setAttribute('aria-label', `${activate.textContent} ${u.username}`);
          forgetTeam();
          toast(`${u.username} ${u.is_active ? 'reactivated' : 'deactivated'}`);
        } catch (err) { toastError(err); } finally { activate.disabled = false; activate.focus(); }
      },
      'aria-label': `${u.is_active === false ? 'Activate' : 'Deactivate'} ${u.username}`,
    }, u.is_active === false ? t('Activate') : t('Deactivate'));
    const remove = h('button', {
      type: 'button', class: 'btn btn-small btn-danger', 'data-testid': 'remove-member', 'aria-label': t('Remove {username}', { username: u.username }),
      onclick: () => deleteWithUndo({
        key: 'user:' + u.id,
        message: t('Removed {username}', { username: u.username }),
        hide: () => { tr.hidden = true; },
        restore: () => { tr.hidden = false; },
        commit: async (opts) => { await api.del('/api/users/' + Number(u.id), opts); forgetTeam(); tr.remove(); },
      }),
    }, t('Remove'));
    tr.append(h('td', { class: 'cell-actions' }, me ? null : [activate, ' ', remove]));
  }
  return tr;
}

route(/^team$/, async (ctx) => {
  ctx.setTitle(t('Team'));
  const data = await api.get('/api/users/?limit=100');
  const panel = session.isAdmin() ? card(t('Add a team member'), newMemberForm(() => ctx.refresh())) : null;
  ctx.setActions(panel ? toggle(t('+ Add member'), panel, { 'data-testid': 'add-member' }) : null);
  const users = data.users || [];
  // Emails are the admins' to see (and each user's own, on their profile).
  const showEmail = session.isAdmin() || users.some((u) => u.email && Number(u.id) !== Number(session.user && session.user.id));
  const heads = [t('Member')].concat(showEmail ? [t('Email')] : [], [t('Role'), t('Joined')], session.isAdmin() ? [t('Actions')] : []);
  ctx.mount(panel, card(`${data.total} members`, tableWrap(t('Team members'), h('table', { class: 'table table-stack', 'data-testid': 'team-table' },
    h('thead', null, h('tr', null, heads.map((x) => h('th', { scope: 'col', class: x === 'Joined' ? 'phone-hide' : null }, x)))),
    h('tbody', null, users.map((u) => memberRow(ctx, u, showEmail)))))));
}, { title: t('Team') });
