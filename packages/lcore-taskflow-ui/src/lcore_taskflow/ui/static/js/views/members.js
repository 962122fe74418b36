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

const WORKSPACE_ROLES = ['viewer', 'commenter', 'editor'];
const SHARE_ROLES = [['viewer', 'Can view'], ['commenter', 'Can view and comment']];
const shareRoleLabel = (role) => (SHARE_ROLES.find(([r]) => r === role) || [role, role])[1];

export const roleBadge = (role) => badge(ROLE_LABELS[role] || role, 'role-' + role, { 'data-testid': 'role-badge' });

/** A day (YYYY-MM-DD, local) -> the last second of it, in seconds since the epoch. */
function endOfDay(day) {
  const [y, m, d] = String(day).split('-').map(Number);
  return Math.floor(new Date(y, m - 1, d, 23, 59, 59).getTime() / 1000);
}

function formatDay(seconds) {
  if (seconds === null || seconds === undefined) return '';
  return new Date(Number(seconds) * 1000).toLocaleDateString([], { dateStyle: 'medium' });
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
    toast(`${name} is now ${ROLE_LABELS[role].toLowerCase()} of this project`);
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
    toast(`Removed ${name} from this project`, {
      action: {
        label: 'Undo',
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
      'aria-label': `Role of ${name}`, 'data-testid': 'member-role', dataset: { focusKey: key + '-role', role },
    });
    const save = h('button', {
      type: 'button', class: 'btn btn-small', 'data-testid': 'member-save', 'aria-label': `Save the role of ${name}`,
      dataset: { focusKey: key + '-save' },
      onclick: async () => {
        if (menu.value === role) return;
        save.disabled = true;
        try { await change(kind, id, name, menu.value, menu, save); } finally { save.disabled = false; }
      },
    }, 'Save');
    return h('div', { class: 'role-edit' }, menu, save);
  }

  function removeButton(kind, id, name, role) {
    return h('button', {
      type: 'button', class: 'btn btn-small btn-danger', 'data-testid': 'member-remove',
      'aria-label': `Remove ${name} from this project`,
      onclick: () => remove(kind, id, name, role),
    }, 'Remove');
  }

  function personRow(u) {
    const direct = u.via === 'direct';
    return h('tr', { 'data-testid': 'member-row', dataset: { username: u.username } },
      h('td', { class: 'wrap', 'data-label': 'Person' }, h('strong', null, u.username),
        Number(u.user_id) === me ? h('span', { class: 'muted small' }, ' (you)') : null),
      h('td', { 'data-label': 'Role' }, manage && direct ? roleEditor('users', u.user_id, u.username, u.role) : roleBadge(u.role)),
      h('td', { class: 'wrap', 'data-label': 'Access', 'data-testid': 'member-via' }, direct ? 'Direct' : `Through the team ${u.via}`),
      manage ? h('td', { class: 'cell-actions' }, direct ? removeButton('users', u.user_id, u.username, u.role) : null) : null);
  }

  function teamRow(t) {
    return h('tr', { 'data-testid': 'member-team-row', dataset: { team: t.name } },
      h('td', { class: 'wrap', 'data-label': 'Team' }, h('strong', null, t.name)),
      h('td', { 'data-label': 'Role' }, manage ? roleEditor('teams', t.team_id, `the team ${t.name}`, t.role) : roleBadge(t.role)),
      manage ? h('td', { class: 'cell-actions' }, removeButton('teams', t.team_id, `the team ${t.name}`, t.role)) : null);
  }

  function draw() {
    const heads = (cols) => h('thead', null, h('tr', null, cols.map((x) => h('th', { scope: 'col' }, x))));
    mount(peopleBox, members.users.length
      ? tableWrap('People in this project', h('table', { class: 'table table-stack', 'data-testid': 'members-table' },
        heads(['Person', 'Role', 'Access'].concat(manage ? ['Actions'] : [])),
        h('tbody', null, members.users.map(personRow))))
      : empty(project.visibility === 'private' ? 'Nobody has been added yet.' : 'Nobody has been added: workspace members see it with their workspace role.'));
    mount(teamsBox, members.teams.length
      ? tableWrap('Teams in this project', h('table', { class: 'table table-stack', 'data-testid': 'member-teams-table' },
        heads(['Team', 'Role'].concat(manage ? ['Actions'] : [])),
        h('tbody', null, members.teams.map(teamRow))))
      : empty('No team has a role in this project.'));
    if (manage) drawTeamAdd();
  }

  // ------------------------------------------------------------ adding
  const newRole = select('role', roleOptions(), 'editor', { 'data-testid': 'add-member-role' });
  const picker = manage ? userPicker({
    label: 'Find a person', action: 'Add', testid: 'add-member',
    exclude: (u) => members.users.some((m) => Number(m.user_id) === Number(u.id) && m.via === 'direct'),
    onPick: async (u) => {
      ok();
      try {
        await api.put(`${base}/users/${Number(u.id)}`, { role: newRole.value });
      } catch (err) {
        fail(err);
        return;
      }
      toast(`Added ${u.username} as ${ROLE_LABELS[newRole.value].toLowerCase()}`);
      await load().catch(fail);
      await picker.search();
      picker.el.querySelector('input').focus();
    },
  }) : null;

  function drawTeamAdd() {
    const free = allTeams.filter((t) => !members.teams.some((m) => Number(m.team_id) === Number(t.id)));
    if (!free.length) {
      mount(teamAdd, h('p', { class: 'muted small' }, allTeams.length ? 'Every team already has a role here.'
        : 'There are no teams yet.', session.isAdmin() && !allTeams.length ? [' ', h('a', { href: '#/teams' }, 'Create one on the Teams page.')] : null));
      return;
    }
    const form = h('form', { class: 'form-row', 'data-testid': 'add-team-form' },
      field('Team', select('team_id', free.map((t) => [t.id, t.name]), free[0].id)),
      field('Role', select('role', roleOptions(), 'editor')),
      h('div', { class: 'field-button' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Add team')));
    onSubmit(form, async (data) => {
      ok();
      const team = free.find((t) => String(t.id) === String(data.get('team_id')));
      await api.put(`${base}/teams/${Number(data.get('team_id'))}`, { role: data.get('role') });
      toast(`The team ${team ? team.name : ''} has the role ${ROLE_LABELS[data.get('role')].toLowerCase()}`);
      await load(`teams-${Number(data.get('team_id'))}-role`);
    });
    mount(teamAdd, form);
  }

  const headingId = nextId('members');
  const heading = h('h2', { id: headingId, tabindex: '-1' }, 'Members');
  const el = h('section', { class: 'card', 'aria-labelledby': headingId, 'data-testid': 'members-card' },
    heading,
    h('p', { class: 'muted small' }, 'Each person gets the highest of their own role and their teams’ roles. ',
      Object.entries(ROLE_HINTS).map(([r, text]) => `${ROLE_LABELS[r]}: ${text}.`).join(' ')),
    problem,
    h('h3', null, 'People'), peopleBox,
    h('h3', null, 'Teams'), teamsBox,
    manage ? h('div', { class: 'add-members' },
      h('h3', null, 'Add a person'),
      h('div', { class: 'form-row' }, field('Role to give', newRole)),
      picker.el,
      h('h3', null, 'Add a team'),
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
    h('fieldset', { class: 'choices' }, h('legend', null, 'Who can see this project'),
      choice('visibility', 'workspace', project.visibility || 'workspace', 'Everyone in the workspace',
        'Every member has the role below; guests only when added under Members.'),
      choice('visibility', 'private', project.visibility || 'workspace', 'Private',
        'Only the people and teams under Members (and admins).')),
    field('Role of workspace members', roleMenu, 'Members added under Members keep their own role if it is higher.'),
    h('div', null, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save access')));
  const sync = () => { roleMenu.disabled = form.elements.visibility.value === 'private'; };
  form.addEventListener('change', sync);
  sync();
  onSubmit(form, async (data) => {
    const values = { visibility: data.get('visibility') };
    if (values.visibility === 'workspace') values.workspace_role = data.get('workspace_role');
    await api.put('/api/projects/' + Number(project.id), Object.assign({ name: project.name }, values));
    Object.assign(project, values);
    toast(values.visibility === 'private' ? 'The project is private now' : 'Everyone in the workspace can see the project');
  });
  return card('Who can see it', form);
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
      field('Access', select('role', SHARE_ROLES, 'viewer', { 'data-testid': 'share-role' })),
      field('Expires on (optional)', h('input', { name: 'expires_at', type: 'date', min: today(), 'data-testid': 'share-expires' }),
        'Empty: until revoked.'),
      field('Label (optional)', h('input', { name: 'label', maxlength: 100, autocomplete: 'off', 'data-testid': 'share-label' }),
        'Who it is for, e.g. “For the client”.')),
    h('div', null, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create link')));

  function showFresh(made, role, label) {
    freshId = made.id;
    const titleId = nextId('fresh');
    const input = h('input', { value: made.url, readonly: true, class: 'share-url', 'aria-label': 'The new share link', 'data-testid': 'share-url' });
    const note = h('p', { class: 'small', role: 'status', 'data-testid': 'copy-status' });
    const copy = h('button', {
      type: 'button', class: 'btn btn-primary', 'data-testid': 'copy-share',
      onclick: async () => {
        let copied;
        try {
          await navigator.clipboard.writeText(made.url);
          copied = true;
        } catch {
          input.focus();
          input.select();
          try { copied = document.execCommand('copy'); } catch { copied = false; }
        }
        note.textContent = copied ? 'Copied: paste it where you want to share it.'
          : 'Copying did not work here: the link is selected, copy it with Ctrl+C (⌘C on a Mac).';
      },
    }, 'Copy link');
    const done = h('button', {
      type: 'button', class: 'btn', 'data-testid': 'dismiss-share',
      onclick: () => {
        mount(freshBox);
        freshId = null;
        form.querySelector('button[type=submit]').focus();
      },
    }, 'Done');
    mount(freshBox, h('section', { class: 'new-share', 'aria-labelledby': titleId, 'data-testid': 'new-share' },
      h('h3', { id: titleId }, label ? `New link “${label}”` : 'New link'),
      h('p', null, 'Copy it now: it is shown only this once. Anyone who has it can open this project without signing in',
        role === 'commenter' ? ' and comment on its tasks.' : ', read only.'),
      h('div', { class: 'copy-row' }, input, copy),
      note,
      h('div', { class: 'row' }, done)));
    copy.focus();
    announce('Share link created. Copy it now: it is shown only once.');
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
    toast(`Revoked ${s.label ? `the link “${s.label}”` : 'the link'}: it stopped working`);
    await load();
    form.querySelector('button[type=submit]').focus();
  }

  function row(s) {
    const name = s.label || 'No label';
    const button = h('button', {
      type: 'button', class: 'btn btn-small btn-danger', 'data-testid': 'revoke-share',
      'aria-label': `Revoke the link ${s.label ? '“' + s.label + '”' : 'without a label'}`,
      onclick: () => revoke(s, button),
    }, 'Revoke');
    return h('tr', { 'data-testid': 'share-row', dataset: { shareId: s.id, expired: s.expired ? '1' : '0' } },
      h('td', { class: 'wrap', 'data-label': 'Label' }, s.label ? h('strong', null, s.label) : h('span', { class: 'muted' }, name)),
      h('td', { 'data-label': 'Access' }, shareRoleLabel(s.role)),
      h('td', { 'data-label': 'Expires' }, s.expires_at ? formatDay(s.expires_at) : 'Never'),
      h('td', { 'data-label': 'State', 'data-testid': 'share-state' }, s.expired ? badge('Expired', 'inactive') : badge('Active', 'done')),
      h('td', { class: 'muted small', 'data-label': 'Created' }, formatTime(s.created_at)),
      h('td', { class: 'cell-actions' }, button));
  }

  async function load() {
    const data = await api.get(base);
    const shares = data.shares || [];
    mount(listBox, shares.length
      ? tableWrap('Share links', h('table', { class: 'table table-stack', 'data-testid': 'shares-table' },
        h('thead', null, h('tr', null, ['Label', 'Access', 'Expires', 'State', 'Created', 'Actions'].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', null, shares.map(row))))
      : empty('No share links yet.'));
  }

  const el = card('Share links',
    h('p', { class: 'muted small' }, 'A share link opens this project’s board without an account: read only, or able to comment. Revoking it ends access at once.'),
    form, freshBox, h('h3', null, 'Links'), listBox);
  el.dataset.testid = 'shares-card';
  return { el, ready: load() };
}
