/* Project settings for per-project access (docs/access.md): the members
 * (people and teams with their roles), who can see the project (visibility
 * and the role of workspace members) and share links.
 *
 * Owners (and admins) manage them; anyone who can see the project may read
 * the members.  Refusals are shown where they happen: removing or demoting
 * the last owner (409) says so in the members card, not in a passing toast;
 * a new share link stays on screen with its Copy button until dismissed.
 */
import { h, mount, badge, formatTime } from '../dom.js';
import { api, session } from '../api.js';
import { field, select, onSubmit, nextId } from '../forms.js';
import { toast, errorText, announce } from '../toast.js';
import { today } from '../dates.js';
import { ROLE_LABELS, ROLE_HINTS, roleOptions } from '../roles.js';
import { card, tableWrap, empty } from './common.js';
import { userPicker } from './people.js';
import { t, intlLocale } from '../i18n.js';
const WORKSPACE_ROLES = ['viewer', 'commenter', 'editor'];
const SHARE_ROLES = [['viewer', t('Can view')], ['commenter', t('Can view and comment')]];
const shareRoleLabel = (role) => (SHARE_ROLES.find(([r]) => r === role) || [role, role])[1];

export const roleBadge = (role) => badge(ROLE_LABELS[role] || role, 'role-' + role, { 'data-testid': 'role-badge' });

/** A day (YYYY-MM-DD, local) -> the last second of it, in seconds since the epoch. */
function endOfDay(day) {
  const [y, m, d] = String(day).split('-').map(Number);
  return Math.floor(new Date(y, m - 1, d, 23, 59, 59).getTime() / 1000);
}

function formatDay(seconds) {
  if (seconds === null || seconds === undefined) return '';
  return new Date(Number(seconds) * 1000).toLocaleDateString(intlLocale(), { dateStyle: 'medium' });
}

// ------------------------------------------------------------------ members
/** The members card; with `manage`, roles can be changed, members added and removed. */
export function membersCard(project, { manage }) {
  const pid = Number(project.id);
  const base = `/api/projects/${pid}/members`;
  const me = session.user ? Number(session.user.id) : null;
  const problem = h('p', { class: 'banner banner-error', role: 'alert', hidden: true, 'data-testid': 'members-error' });
  const peopleBox = h('div');
  const teamsBox = h('div');
  const teamAdd = h('div');
  let members = { users: [], teams: [] };
  let allTeams = [];

  const fail = (err) => {
    problem.textContent = errorText(err);
    problem.hidden = false;
    // The focus stays on the control used; the message comes into view (and is read out: role=alert).
    problem.scrollIntoView({ block: 'nearest' });
  };
  const ok = () => { problem.hidden = true; };

  /** Reload and redraw; then focus the control named by `focusKey` (the focus survives the redraw). */
  async function load(focusKey) {
    members = await api.get(base);
    draw();
    if (focusKey) {
      const target = el.querySelector(`[data-focus-key="${focusKey}"]`);
      if (target) target.focus();
    }
  }

  async function change(kind, id, name, role, menu, control) {
    ok();
    try {
      await api.put(`${base}/${kind}/${id}`, { role });
    } catch (err) {
      menu.value = menu.dataset.role;  // back to the role they still have
      fail(err);
      await load(control.dataset.focusKey).catch(() => {});
      return;
    }
    toast(t('{name} is now {role} of this project', { name, role: ROLE_LABELS[role].toLowerCase() }));
    await load(control.dataset.focusKey).catch(fail);
  }

  async function remove(kind, id, name, role) {
    ok();
    try {
      await api.del(`${base}/${kind}/${id}`);
    } catch (err) {
      fail(err);
      return;
    }
    toast(t('Removed {name} from this project', { name }), {
      action: {
        label: t('Undo'),
        run: async () => {
          try {
            await api.put(`${base}/${kind}/${id}`, { role });
            await load();
          } catch (err) { fail(err); }
        },
      },
    });
    await load().catch(fail);
    heading.focus();
  }

  /** A role menu and its Save button (a menu that saved on every change would save while arrowing through it). */
  function roleEditor(kind, id, name, role) {
    const key = `${kind}-${id}`;
    const menu = select('role', roleOptions(), role, {
      'aria-label': t('Role of {name}', { name }), 'data-testid': 'member-role', dataset: { focusKey: key + '-role', role },
    });
    const save = h('button', {
      type: 'button', class: 'btn btn-small', 'data-testid': 'member-save', 'aria-label': t('Save the role of {name}', { name }),
      dataset: { focusKey: key + '-save' },
      onclick: async () => {
        if (menu.value === role) return;
        save.disabled = true;
        try { await change(kind, id, name, menu.value, menu, save); } finally { save.disabled = false; }
      },
    }, t('Save'));
    return h('div', { class: 'role-edit' }, menu, save);
  }

  function removeButton(kind, id, name, role) {
    return h('button', {
      type: 'button', class: 'btn btn-small btn-danger', 'data-testid': 'member-remove',
      'aria-label': t('Remove {name} from this project', { name }),
      onclick: () => remove(kind, id, name, role),
    }, t('Remove'));
  }

  function personRow(u) {
    const direct = u.via === 'direct';
    return h('tr', { 'data-testid': 'member-row', dataset: { username: u.username } },
      h('td', { class: 'wrap', 'data-label': t('Person') }, h('strong', null, u.username),
        Number(u.user_id) === me ? h('span', { class: 'muted small' }, ' ', t('(you)')) : null),
      h('td', { 'data-label': t('Role') }, manage && direct ? roleEditor('users', u.user_id, u.username, u.role) : roleBadge(u.role)),
      h('td', { class: 'wrap', 'data-label': t('Access'), 'data-testid': 'member-via' }, direct ? t('Direct') : t('Through the team {via}', { via: u.via })),
      manage ? h('td', { class: 'cell-actions' }, direct ? removeButton('users', u.user_id, u.username, u.role) : null) : null);
  }

  function teamRow(team) {
    return h('tr', { 'data-testid': 'member-team-row', dataset: { team: team.name } },
      h('td', { class: 'wrap', 'data-label': t('Team') }, h('strong', null, team.name)),
      h('td', { 'data-label': t('Role') }, manage ? roleEditor('teams', team.team_id, t('the team {name}', { name: team.name }), team.role) : roleBadge(team.role)),
      manage ? h('td', { class: 'cell-actions' }, removeButton('teams', team.team_id, t('the team {name}', { name: team.name }), team.role)) : null);
  }

  function draw() {
    const heads = (cols) => h('thead', null, h('tr', null, cols.map((x) => h('th', { scope: 'col' }, x))));
    mount(peopleBox, members.users.length
      ? tableWrap(t('People in this project'), h('table', { class: 'table table-stack', 'data-testid': 'members-table' },
        heads([t('Person'), t('Role'), t('Access')].concat(manage ? [t('Actions')] : [])),
        h('tbody', null, members.users.map(personRow))))
      : empty(project.visibility === 'private' ? t('Nobody has been added yet.') : t('Nobody has been added: workspace members see it with their workspace role.')));
    mount(teamsBox, members.teams.length
      ? tableWrap(t('Teams in this project'), h('table', { class: 'table table-stack', 'data-testid': 'member-teams-table' },
        heads([t('Team'), t('Role')].concat(manage ? [t('Actions')] : [])),
        h('tbody', null, members.teams.map(teamRow))))
      : empty(t('No team has a role in this project.')));
    if (manage) drawTeamAdd();
  }

  // ------------------------------------------------------------ adding
  const newRole = select('role', roleOptions(), 'editor', { 'data-testid': 'add-member-role' });
  const picker = manage ? userPicker({
    label: t('Find a person'), action: t('Add'), testid: 'add-member',
    exclude: (u) => members.users.some((m) => Number(m.user_id) === Number(u.id) && m.via === 'direct'),
    onPick: async (u) => {
      ok();
      try {
        await api.put(`${base}/users/${Number(u.id)}`, { role: newRole.value });
      } catch (err) {
        fail(err);
        return;
      }
      toast(t('Added {username} as {role}', { username: u.username, role: ROLE_LABELS[newRole.value].toLowerCase() }));
      await load().catch(fail);
      await picker.search();
      picker.el.querySelector('input').focus();
    },
  }) : null;

  function drawTeamAdd() {
    const free = allTeams.filter((team) => !members.teams.some((m) => Number(m.team_id) === Number(team.id)));
    if (!free.length) {
      mount(teamAdd, h('p', { class: 'muted small' }, allTeams.length ? t('Every team already has a role here.')
        : t('There are no teams yet.'), session.isAdmin() && !allTeams.length ? [' ', h('a', { href: '#/teams' }, t('Create one on the Teams page.'))] : null));
      return;
    }
    const form = h('form', { class: 'form-row', 'data-testid': 'add-team-form' },
      field(t('Team'), select('team_id', free.map((team) => [team.id, team.name]), free[0].id)),
      field(t('Role'), select('role', roleOptions(), 'editor')),
      h('div', { class: 'field-button' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('Add team'))));
    onSubmit(form, async (data) => {
      ok();
      const team = free.find((x) => String(x.id) === String(data.get('team_id')));
      await api.put(`${base}/teams/${Number(data.get('team_id'))}`, { role: data.get('role') });
      toast(t('The team {name} has the role {role}', { name: team ? team.name : '', role: ROLE_LABELS[data.get('role')] }));
      await load(`teams-${Number(data.get('team_id'))}-role`);
    });
    mount(teamAdd, form);
  }

  const headingId = nextId('members');
  const heading = h('h2', { id: headingId, tabindex: '-1' }, t('Members'));
  const el = h('section', { class: 'card', 'aria-labelledby': headingId, 'data-testid': 'members-card' },
    heading,
    h('p', { class: 'muted small' }, t('Each person gets the highest of their own role and their teams’ roles.'), ' ',
      Object.entries(ROLE_HINTS).map(([r, text]) => t('{role}: {hint}.', { role: ROLE_LABELS[r], hint: text })).join(' ')),
    problem,
    h('h3', null, t('People')), peopleBox,
    h('h3', null, t('Teams')), teamsBox,
    manage ? h('div', { class: 'add-members' },
      h('h3', null, t('Add a person')),
      h('div', { class: 'form-row' }, field(t('Role to give'), newRole)),
      picker.el,
      h('h3', null, t('Add a team')),
      teamAdd) : null);

  const ready = Promise.all([
    load(),
    manage ? api.get('/api/teams').then((d) => { allTeams = d.teams || []; draw(); }) : null,
  ]);
  return { el, ready };
}

// ------------------------------------------------------------------- access
function choice(name, value, current, title, hint) {
  const hintId = nextId('hint');
  return h('label', { class: 'choice' },
    h('input', { type: 'radio', name, value, checked: value === current, 'aria-describedby': hintId, 'data-testid': `${name}-${value}` }),
    h('span', null, h('strong', null, title), h('span', { class: 'hint', id: hintId }, hint)));
}

/** Who can see the project: everyone in the workspace (with a role) or only its members. */
export function accessCard(project) {
  const roleMenu = select('workspace_role', roleOptions(WORKSPACE_ROLES), project.workspace_role || 'editor', { 'data-testid': 'workspace-role' });
  const form = h('form', { class: 'stack', 'data-testid': 'access-form' },
    h('fieldset', { class: 'choices' }, h('legend', null, t('Who can see this project')),
      choice('visibility', 'workspace', project.visibility || 'workspace', t('Everyone in the workspace'),
        t('Every member has the role below; guests only when added under Members.')),
      choice('visibility', 'private', project.visibility || 'workspace', t('Private'),
        t('Only the people and teams under Members (and admins).'))),
    field(t('Role of workspace members'), roleMenu, t('Members added under Members keep their own role if it is higher.')),
    h('div', null, h('button', { type: 'submit', class: 'btn btn-primary' }, t('Save access'))));
  const sync = () => { roleMenu.disabled = form.elements.visibility.value === 'private'; };
  form.addEventListener('change', sync);
  sync();
  onSubmit(form, async (data) => {
    const values = { visibility: data.get('visibility') };
    if (values.visibility === 'workspace') values.workspace_role = data.get('workspace_role');
    await api.put('/api/projects/' + Number(project.id), Object.assign({ name: project.name }, values));
    Object.assign(project, values);
    toast(values.visibility === 'private' ? t('The project is private now') : t('Everyone in the workspace can see the project'));
  });
  return card(t('Who can see it'), form);
}

// -------------------------------------------------------------- share links
/** Share links: create (shown once, with Copy, until dismissed), list with their state, revoke. */
export function sharesCard(project) {
  const base = `/api/projects/${Number(project.id)}/shares`;
  const freshBox = h('div', { class: 'fresh-share' });
  const listBox = h('div');
  let freshId = null;

  const form = h('form', { class: 'stack', 'data-testid': 'share-form' },
    h('div', { class: 'form-row' },
      field(t('Access'), select('role', SHARE_ROLES, 'viewer', { 'data-testid': 'share-role' })),
      field(t('Expires on (optional)'), h('input', { name: 'expires_at', type: 'date', min: today(), 'data-testid': 'share-expires' }),
        t('Empty: until revoked.')),
      field(t('Label (optional)'), h('input', { name: 'label', maxlength: 100, autocomplete: 'off', 'data-testid': 'share-label' }),
        t('Who it is for, e.g. “For the client”.'))),
    h('div', null, h('button', { type: 'submit', class: 'btn btn-primary' }, t('Create link'))));

  function showFresh(made, role, label) {
    freshId = made.id;
    const titleId = nextId('fresh');
    const input = h('input', { value: made.url, readonly: true, class: 'share-url', 'aria-label': t('The new share link'), 'data-testid': 'share-url' });
    const note = h('p', { class: 'small', role: 'status', 'data-testid': 'copy-status' });
    const copy = h('button', {
      type: 'button', class: 'btn btn-primary', 'data-testid': 'copy-share',
      onclick: async () => {
        let copied = false;
        try {
          await navigator.clipboard.writeText(made.url);
          copied = true;
        } catch (e) {
          input.focus();
          input.select();
          try { copied = document.execCommand('copy'); } catch (e2) { copied = false; }
        }
        note.textContent = copied ? t('Copied: paste it where you want to share it.')
          : t('Copying did not work here: the link is selected, copy it with Ctrl+C (⌘C on a Mac).');
      },
    }, t('Copy link'));
    const done = h('button', {
      type: 'button', class: 'btn', 'data-testid': 'dismiss-share',
      onclick: () => {
        mount(freshBox);
        freshId = null;
        form.querySelector('button[type=submit]').focus();
      },
    }, t('Done'));
    mount(freshBox, h('section', { class: 'new-share', 'aria-labelledby': titleId, 'data-testid': 'new-share' },
      h('h3', { id: titleId }, label ? t('New link “{label}”', { label }) : t('New link')),
      h('p', null, role === 'commenter'
        ? t('Copy it now: it is shown only this once. Anyone who has it can open this project without signing in and comment on its tasks.')
        : t('Copy it now: it is shown only this once. Anyone who has it can open this project without signing in, read only.')),
      h('div', { class: 'copy-row' }, input, copy),
      note,
      h('div', { class: 'row' }, done)));
    copy.focus();
    announce(t('Share link created. Copy it now: it is shown only once.'));
  }

  onSubmit(form, async (data) => {
    const role = data.get('role');
    const body = { role };
    if (data.get('expires_at')) body.expires_at = endOfDay(data.get('expires_at'));
    const label = String(data.get('label') || '').trim();
    if (label) body.label = label;
    const made = await api.post(base, body);
    form.reset();
    await load();
    showFresh(made, role, label);
  });

  async function revoke(s, button) {
    button.disabled = true;
    try {
      await api.del(`${base}/${Number(s.id)}`);
    } catch (err) {
      button.disabled = false;
      toast(errorText(err), { kind: 'error' });
      return;
    }
    if (freshId === s.id) mount(freshBox);
    toast(s.label ? t('Revoked the link “{label}”: it stopped working', { label: s.label }) : t('Revoked the link: it stopped working'));
    await load();
    form.querySelector('button[type=submit]').focus();
  }

  function row(s) {
    const name = s.label || t('No label');
    const button = h('button', {
      type: 'button', class: 'btn btn-small btn-danger', 'data-testid': 'revoke-share',
      'aria-label': s.label ? t('Revoke the link “{label}”', { label: s.label }) : t('Revoke the link without a label'),
      onclick: () => revoke(s, button),
    }, t('Revoke'));
    return h('tr', { 'data-testid': 'share-row', dataset: { shareId: s.id, expired: s.expired ? '1' : '0' } },
      h('td', { class: 'wrap', 'data-label': t('Label') }, s.label ? h('strong', null, s.label) : h('span', { class: 'muted' }, name)),
      h('td', { 'data-label': t('Access') }, shareRoleLabel(s.role)),
      h('td', { 'data-label': t('Expires') }, s.expires_at ? formatDay(s.expires_at) : t('Never')),
      h('td', { 'data-label': t('State'), 'data-testid': 'share-state' }, s.expired ? badge(t('Expired'), 'inactive') : badge(t('Active'), 'done')),
      h('td', { class: 'muted small', 'data-label': t('Created') }, formatTime(s.created_at)),
      h('td', { class: 'cell-actions' }, button));
  }

  async function load() {
    const data = await api.get(base);
    const shares = data.shares || [];
    mount(listBox, shares.length
      ? tableWrap(t('Share links'), h('table', { class: 'table table-stack', 'data-testid': 'shares-table' },
        h('thead', null, h('tr', null, [t('Label'), t('Access'), t('Expires'), t('State'), t('Created'), t('Actions')].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', null, shares.map(row))))
      : empty(t('No share links yet.')));
  }

  const el = card(t('Share links'),
    h('p', { class: 'muted small' }, t('A share link opens this project’s board without an account: read only, or able to comment. Revoking it ends access at once.')),
    form, freshBox, h('h3', null, t('Links')), listBox);
  el.dataset.testid = 'shares-card';
  return { el, ready: load() };
}
