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

const teamPath = (id) => '/api/teams/' + Number(id);
const countText = (n) => `${n} member${n === 1 ? '' : 's'}`;

function deleteTeam(team, { hide, restore }) {
  deleteWithUndo({
    key: 'team:' + team.id,
    message: `Deleted the team “${shorten(team.name)}”`,
    hide,
    restore,
    commit: (opts) => api.del(teamPath(team.id), opts),
  });
}

function newTeamForm() {
  const form = h('form', { class: 'stack', 'data-testid': 'new-team-form' },
    field('Name', h('input', { name: 'name', required: true, maxlength: 100, autocomplete: 'off' }),
      'Give the team a role in a project from the project’s settings.'),
    h('div', null, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create team')));
  return onSubmit(form, async (data) => {
    const created = await api.post('/api/teams', formValues(data, ['name']));
    toast(`Team “${shorten(created.name)}” created: now add its members`);
    location.hash = '#/teams/' + Number(created.id);
  });
}

function teamRow(team, admin) {
  const tr = h('tr', { 'data-testid': 'team-row', dataset: { team: team.name } },
    h('td', { class: 'wrap', 'data-label': 'Team' }, h('a', { href: '#/teams/' + Number(team.id) }, team.name)),
    h('td', { 'data-label': 'Members', 'data-testid': 'team-count' }, countText(team.member_count)));
  if (admin) {
    tr.append(h('td', { class: 'cell-actions' },
      h('a', { class: 'btn btn-small', href: '#/teams/' + Number(team.id), 'aria-label': `Manage ${team.name}` }, 'Manage'), ' ',
      h('button', {
        type: 'button', class: 'btn btn-small btn-danger', 'data-testid': 'delete-team', 'aria-label': `Delete the team ${team.name}`,
        onclick: () => deleteTeam(team, { hide: () => { tr.hidden = true; }, restore: () => { tr.hidden = false; } }),
      }, 'Delete')));
  }
  return tr;
}

route(/^teams$/, async (ctx) => {
  ctx.setTitle('Teams');
  const admin = session.isAdmin();
  const data = await api.get('/api/teams');
  const teams = (data.teams || []).filter((t) => !pendingDeletes.has('team:' + t.id));
  const panel = admin ? card('New team', newTeamForm()) : null;
  ctx.setActions(panel ? toggle('+ New team', panel, { 'data-testid': 'new-team' }) : null);
  const heads = ['Team', 'Members'].concat(admin ? ['Actions'] : []);
  ctx.mount(panel,
    h('p', { class: 'muted' }, 'A team gets a role in a project; each of its members then has that role there.'),
    card(`${teams.length} team${teams.length === 1 ? '' : 's'}`, teams.length
      ? tableWrap('Teams', h('table', { class: 'table table-stack', 'data-testid': 'teams-table' },
        h('thead', null, h('tr', null, heads.map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', null, teams.map((t) => teamRow(t, admin)))))
      : empty(admin ? 'No teams yet: create the first one.' : 'No teams yet.')));
}, { title: 'Teams' });

// ---------------------------------------------------------------- one team
function renameForm(ctx, team) {
  const form = h('form', { class: 'form-row', 'data-testid': 'rename-team-form' },
    field('Name', h('input', { name: 'name', value: team.name, required: true, maxlength: 100, autocomplete: 'off' })),
    h('div', { class: 'field-button' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Rename')));
  return onSubmit(form, async (data) => {
    const saved = await api.patch(teamPath(team.id), formValues(data, ['name']));
    team.name = saved.name;
    ctx.setTitle(`Team · ${team.name}`);
    toast('Team renamed');
  });
}

route(/^teams\/(\d+)$/, async (ctx, tid) => {
  const admin = session.isAdmin();
  let team = await api.get(teamPath(tid));
  ctx.setTitle(`Team · ${team.name}`);
  ctx.setActions(h('a', { class: 'btn', href: '#/teams' }, '← Teams'),
    admin ? h('button', {
      type: 'button', class: 'btn btn-danger', 'data-testid': 'delete-team',
      onclick: () => deleteTeam(team, {
        hide: () => { location.hash = '#/teams'; },
        restore: () => { location.hash = '#/teams/' + Number(tid); },
      }),
    }, 'Delete team') : null);

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
    toast(`Removed ${m.username} from the team`, {
      action: { label: 'Undo', run: () => api.put(`${teamPath(tid)}/members/${Number(m.user_id)}`, {}).then(reload).catch(toastError) },
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
          'aria-label': `Remove ${m.username} from the team`, onclick: () => removeMember(m),
        }, 'Remove') : null)))
      : empty('Nobody is in this team yet.'));
  }
  draw();

  const picker = admin ? userPicker({
    label: 'Find a person', action: 'Add', testid: 'add-team-member',
    exclude: (u) => (team.members || []).some((m) => Number(m.user_id) === Number(u.id)),
    onPick: async (u) => {
      try {
        await api.put(`${teamPath(tid)}/members/${Number(u.id)}`, {});
      } catch (err) {
        toastError(err);
        return;
      }
      toast(`Added ${u.username} to the team`);
      await reload().catch(toastError);
      await picker.search();
      picker.el.querySelector('input').focus();
    },
  }) : null;

  ctx.mount(h('div', { class: 'grid-2' },
    h('div', null,
      h('section', { class: 'card', 'aria-labelledby': 'team-members-title', 'data-testid': 'team-members-card' }, title, list)),
    h('div', null,
      admin ? card('Add people', picker.el) : null,
      admin ? card('Rename the team', renameForm(ctx, team)) : null)));
}, { title: 'Team', notFound: 'Team not found' });
