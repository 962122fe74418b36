/* Teams: named groups of people that get a role in projects together.
 * Admins create, rename and delete them and choose their members; everyone
 * else may look (a guest sees only their own teams). */
import { h, mount, shorten } from '../dom.js';
import { api, session } from '../api.js';
import { route } from '../router.js';
import { field, onSubmit, formValues } from '../forms.js';
import { toast, toastError } from '../toast.js';
import { card, tableWrap, empty, toggle, deleteWithUndo, pendingDeletes } from './common.js';
import { userPicker } from './people.js';
import { t, tn } from '../i18n.js';
const teamPath = (id) => '/api/teams/' + Number(id);
const countText = (n) => tn(n, '{n} member', '{n} members');

function deleteTeam(team, { hide, restore }) {
  deleteWithUndo({
    key: 'team:' + team.id,
    message: t('Deleted the team “{name}”', { name: shorten(team.name) }),
    hide,
    restore,
    commit: (opts) => api.del(teamPath(team.id), opts),
  });
}

function newTeamForm() {
  const form = h('form', { class: 'stack', 'data-testid': 'new-team-form' },
    field(t('Name'), h('input', { name: 'name', required: true, maxlength: 100, autocomplete: 'off' }),
      t('Give the team a role in a project from the project’s settings.')),
    h('div', null, h('button', { type: 'submit', class: 'btn btn-primary' }, t('Create team'))));
  return onSubmit(form, async (data) => {
    const created = await api.post('/api/teams', formValues(data, ['name']));
    toast(t('Team “{name}” created: now add its members', { name: shorten(created.name) }));
    location.hash = '#/teams/' + Number(created.id);
  });
}

function teamRow(team, admin) {
  const tr = h('tr', { 'data-testid': 'team-row', dataset: { team: team.name } },
    h('td', { class: 'wrap', 'data-label': t('Team') }, h('a', { href: '#/teams/' + Number(team.id) }, team.name)),
    h('td', { 'data-label': t('Members'), 'data-testid': 'team-count' }, countText(team.member_count)));
  if (admin) {
    tr.append(h('td', { class: 'cell-actions' },
      h('a', { class: 'btn btn-small', href: '#/teams/' + Number(team.id), 'aria-label': t('Manage {name}', { name: team.name }) }, t('Manage')), ' ',
      h('button', {
        type: 'button', class: 'btn btn-small btn-danger', 'data-testid': 'delete-team', 'aria-label': t('Delete the team {name}', { name: team.name }),
        onclick: () => deleteTeam(team, { hide: () => { tr.hidden = true; }, restore: () => { tr.hidden = false; } }),
      }, t('Delete'))));
  }
  return tr;
}

route(/^teams$/, async (ctx) => {
  ctx.setTitle(t('Teams'));
  const admin = session.isAdmin();
  const data = await api.get('/api/teams');
  const teams = (data.teams || []).filter((team) => !pendingDeletes.has('team:' + team.id));
  const panel = admin ? card(t('New team'), newTeamForm()) : null;
  ctx.setActions(panel ? toggle(t('+ New team'), panel, { 'data-testid': 'new-team' }) : null);
  const heads = [t('Team'), t('Members')].concat(admin ? [t('Actions')] : []);
  ctx.mount(panel,
    h('p', { class: 'muted' }, t('A team gets a role in a project; each of its members then has that role there.')),
    card(tn(teams.length, '{n} team', '{n} teams'), teams.length
      ? tableWrap(t('Teams'), h('table', { class: 'table table-stack', 'data-testid': 'teams-table' },
        h('thead', null, h('tr', null, heads.map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', null, teams.map((team) => teamRow(team, admin)))))
      : empty(admin ? t('No teams yet: create the first one.') : t('No teams yet.'))));
}, { title: t('Teams') });

// ---------------------------------------------------------------- one team
function renameForm(ctx, team) {
  const form = h('form', { class: 'form-row', 'data-testid': 'rename-team-form' },
    field(t('Name'), h('input', { name: 'name', value: team.name, required: true, maxlength: 100, autocomplete: 'off' })),
    h('div', { class: 'field-button' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('Rename'))));
  return onSubmit(form, async (data) => {
    const saved = await api.patch(teamPath(team.id), formValues(data, ['name']));
    team.name = saved.name;
    ctx.setTitle(t('Team · {name}', { name: team.name }));
    toast(t('Team renamed'));
  });
}

route(/^teams\/(\d+)$/, async (ctx, tid) => {
  const admin = session.isAdmin();
  let team = await api.get(teamPath(tid));
  ctx.setTitle(t('Team · {name}', { name: team.name }));
  ctx.setActions(h('a', { class: 'btn', href: '#/teams' }, t('← Teams')),
    admin ? h('button', {
      type: 'button', class: 'btn btn-danger', 'data-testid': 'delete-team',
      onclick: () => deleteTeam(team, {
        hide: () => { location.hash = '#/teams'; },
        restore: () => { location.hash = '#/teams/' + Number(tid); },
      }),
    }, t('Delete team')) : null);

  const list = h('div');
  const title = h('h2', { id: 'team-members-title', tabindex: '-1' });
  async function reload() {
    team = await api.get(teamPath(tid));
    draw();
  }
  async function removeMember(m) {
    try {
      await api.del(`${teamPath(tid)}/members/${Number(m.user_id)}`);
    } catch (err) {
      toastError(err);
      return;
    }
    toast(t('Removed {username} from the team', { username: m.username }), {
      action: { label: t('Undo'), run: () => api.put(`${teamPath(tid)}/members/${Number(m.user_id)}`, {}).then(reload).catch(toastError) },
    });
    await reload().catch(toastError);
    title.focus();
  }
  function draw() {
    const members = team.members || [];
    title.textContent = countText(members.length);
    mount(list, members.length
      ? h('ul', { class: 'member-list', 'data-testid': 'team-members' }, members.map((m) => h('li', { dataset: { username: m.username } },
        h('span', { class: 'wrap' }, m.username),
        admin ? h('button', {
          type: 'button', class: 'btn btn-small btn-danger', 'data-testid': 'remove-team-member',
          'aria-label': t('Remove {username} from the team', { username: m.username }), onclick: () => removeMember(m),
        }, t('Remove')) : null)))
      : empty(t('Nobody is in this team yet.')));
  }
  draw();

  const picker = admin ? userPicker({
    label: t('Find a person'), action: t('Add'), testid: 'add-team-member',
    exclude: (u) => (team.members || []).some((m) => Number(m.user_id) === Number(u.id)),
    onPick: async (u) => {
      try {
        await api.put(`${teamPath(tid)}/members/${Number(u.id)}`, {});
      } catch (err) {
        toastError(err);
        return;
      }
      toast(t('Added {username} to the team', { username: u.username }));
      await reload().catch(toastError);
      await picker.search();
      picker.el.querySelector('input').focus();
    },
  }) : null;

  ctx.mount(h('div', { class: 'grid-2' },
    h('div', null,
      h('section', { class: 'card', 'aria-labelledby': 'team-members-title', 'data-testid': 'team-members-card' }, title, list)),
    h('div', null,
      admin ? card(t('Add people'), picker.el) : null,
      admin ? card(t('Rename the team'), renameForm(ctx, team)) : null)));
}, { title: t('Team'), notFound: t('Team not found') });
