/* TaskFlow screens: shared ui helpers, dashboard, projects, team, notifications, profile.
 * The Kanban board and task detail live in board.js; routing and login in app.js.
 */
(function (global) {
  'use strict';
  const TF = global.TF;
  const { h, svg, mount, byId, formatTime, badge, confirmButton, STATUS_LABELS } = TF.dom;
  const { api, session } = TF;

  // ------------------------------------------------------------ ui helpers
  let flashTimer = null;
  const ui = {
    setTitle(text) {
      byId('page-title').textContent = text;
      document.title = text + ' · ' + (document.body.dataset.appName || 'TaskFlow');
    },
    setActions(...nodes) {
      mount(byId('topbar-actions'), ...nodes);
    },
    flash(message, isError) {
      const el = byId('flash');
      el.textContent = message;
      el.className = 'flash' + (isError ? ' flash-error' : '');
      el.hidden = false;
      clearTimeout(flashTimer);
      flashTimer = setTimeout(() => { el.hidden = true; }, isError ? 8000 : 4000);
    },
    /** Show an API error inside a form: the message, and each field's message next to it. */
    formError(form, err) {
      let box = form.querySelector('.form-error');
      if (!box) {
        box = h('p', { class: 'form-error', role: 'alert' });
        form.prepend(box);
      }
      form.querySelectorAll('.field-error').forEach((el) => el.remove());
      box.hidden = false;
      box.textContent = err instanceof TF.ApiError ? err.message : String(err.message || err);
      for (const [name, message] of Object.entries((err && err.fields) || {})) {
        const input = form.elements.namedItem(name);
        if (input && input.closest) {
          input.closest('label').appendChild(h('span', { class: 'field-error' }, message));
        } else {
          box.textContent += '\n' + name + ': ' + message;
        }
      }
    },
    clearFormError(form) {
      const box = form.querySelector('.form-error');
      if (box) box.hidden = true;
      form.querySelectorAll('.field-error').forEach((el) => el.remove());
    },
    /** Wire a form's submit to an async action with error display and a busy button. */
    onSubmit(form, action) {
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        ui.clearFormError(form);
        const button = form.querySelector('button[type=submit]');
        if (button) button.disabled = true;
        try {
          await action(new FormData(form));
        } catch (err) {
          if (err.status !== 401) ui.formError(form, err);
        } finally {
          if (button) button.disabled = false;
        }
      });
      return form;
    },
    card(title, ...children) {
      return h('section', { class: 'card' }, title ? h('h2', null, title) : null, ...children);
    },
    field(label, input) {
      return h('label', null, label, input);
    },
    select(name, options, selected) {
      return h('select', { name },
        options.map(([value, text]) => h('option', { value, selected: String(value) === String(selected ?? '') }, text)));
    },
    /** A button that shows/hides a panel (used for the admin "+ New ..." forms). */
    toggle(label, panel, attrs) {
      return h('button', Object.assign({
        type: 'button', class: 'btn btn-primary',
        onclick: () => {
          panel.hidden = !panel.hidden;
          const first = panel.querySelector('input, textarea, select');
          if (!panel.hidden && first) first.focus();
        },
      }, attrs || {}), label);
    },
  };
  TF.ui = ui;
  TF.routes = [];
  const route = (pattern, view) => TF.routes.push({ pattern, view });

  function formValues(data, names) {
    const out = {};
    for (const name of names) {
      const value = data.get(name);
      if (value !== null && value !== '') out[name] = typeof value === 'string' ? value.trim() : value;
    }
    return out;
  }
  TF.formValues = formValues;

  // ------------------------------------------------------------- dashboard
  function stat(label, value, extra) {
    return h('div', { class: 'stat' + (extra ? ' ' + extra : ''), 'data-testid': 'stat-' + label.toLowerCase() },
      h('div', { class: 'value' }, value ?? 0), h('div', { class: 'label' }, label));
  }

  function progress(done, total) {
    const pct = total ? Math.round((100 * done) / total) : 0;
    const bar = h('div');
    bar.style.width = pct + '%';  // CSSOM, allowed by the CSP (no style attribute)
    return h('div', { class: 'progress', title: pct + '% done' }, bar);
  }

  function summaryTable(projects) {
    if (!projects.length) return h('p', { class: 'empty' }, 'No projects yet.');
    return h('div', { class: 'table-wrap' }, h('table', { class: 'table', 'data-testid': 'project-summary' },
      h('thead', null, h('tr', null, h('th', null, 'Project'), h('th', null, 'Status'),
        h('th', null, 'Tasks'), h('th', null, 'Done'), h('th', null, 'Progress'))),
      h('tbody', null, projects.map((p) => h('tr', null,
        h('td', null, h('a', { href: '#/projects/' + Number(p.id) }, p.name)),
        h('td', null, badge(p.status)),
        h('td', null, p.task_count), h('td', null, p.done_count),
        h('td', null, progress(p.done_count, p.task_count)))))));
  }

  const CHART_COLORS = { todo: '#94a3b8', in_progress: '#f59e0b', done: '#10b981' };

  /** Tasks by status per project as an inline SVG stacked bar chart (no library). */
  function statusChart(projects) {
    if (!projects.length) return h('p', { class: 'empty' }, 'Nothing to chart yet.');
    const shown = projects.slice(0, 12);
    const labelW = 150, barW = 380, rowH = 30, width = labelW + barW + 50;
    const max = Math.max(1, ...shown.map((p) => p.task_counts.total));
    const rows = shown.map((p, i) => {
      const y = i * rowH + 6;
      let x = labelW;
      const name = p.name.length > 22 ? p.name.slice(0, 21) + '…' : p.name;
      const parts = ['todo', 'in_progress', 'done'].map((status) => {
        const n = p.task_counts[status] || 0;
        const w = (n / max) * barW;
        const rect = svg('rect', { x, y, width: Math.max(w, 0), height: rowH - 10, rx: 3, fill: CHART_COLORS[status] },
          svg('title', null, p.name + ' — ' + STATUS_LABELS[status] + ': ' + n));
        x += w;
        return rect;
      });
      return svg('g', { 'data-project': p.id },
        svg('text', { x: labelW - 8, y: y + rowH / 2, 'text-anchor': 'end', 'font-size': 12, fill: '#374151' }, name),
        ...parts,
        svg('text', { x: x + 6, y: y + rowH / 2, 'font-size': 12, fill: '#6b7280' }, p.task_counts.total));
    });
    const height = shown.length * rowH + 10;
    return h('div', { class: 'chart' },
      svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'Tasks by status per project',
        'data-testid': 'status-chart' }, ...rows),
      h('div', { class: 'legend' }, ['todo', 'in_progress', 'done'].map((s) =>
        h('span', null, h('i', { class: s }), STATUS_LABELS[s]))));
  }

  function activityFeed(items) {
    if (!items.length) return h('p', { class: 'empty' }, 'No activity yet.');
    return h('ul', { class: 'feed', 'data-testid': 'activity-feed' }, items.map((a) => h('li', null,
      h('span', null, a.project_id && a.task_id
        ? h('a', { href: `#/projects/${Number(a.project_id)}/tasks/${Number(a.task_id)}` }, a.summary)
        : a.summary),
      h('span', { class: 'when' }, formatTime(a.created_at)))));
  }

  route(/^dashboard$/, async (ctx) => {
    ui.setTitle('Dashboard');
    ui.setActions();
    const [overview, activity, projects] = await Promise.all([
      api.get('/api/projects/dashboard/overview'),
      api.get('/api/projects/dashboard/activity?limit=15'),
      api.get('/api/projects/?limit=100'),
    ]);
    const t = overview.totals || {};
    const overdue = overview.overdue_tasks || [];
    ctx.mount(
      h('div', { class: 'stats' }, stat('Projects', t.projects), stat('Tasks', t.tasks),
        stat('Team', t.users), stat('Overdue', t.overdue, t.overdue > 0 ? 'warn' : '')),
      h('div', { class: 'grid-2' },
        ui.card('Projects', summaryTable(overview.projects || [])),
        ui.card('Tasks by status', statusChart(projects.projects || []))),
      h('div', { class: 'grid-2' },
        ui.card('Recent activity', activityFeed(activity.activity || [])),
        ui.card('Overdue tasks', overdue.length
          ? h('ul', { class: 'feed' }, overdue.map((o) => h('li', null,
            h('a', { href: `#/projects/${Number(o.project_id)}/tasks/${Number(o.id)}` }, o.title),
            h('span', { class: 'when' }, o.project_name + ' · due ' + o.due_date))))
          : h('p', { class: 'empty' }, 'Nothing overdue.'))));
  });

  // -------------------------------------------------------------- projects
  function newProjectForm(ctx) {
    const form = h('form', { class: 'stack', 'data-testid': 'new-project-form' },
      ui.field('Name', h('input', { name: 'name', required: true, maxlength: 200 })),
      ui.field('Description', h('textarea', { name: 'description', maxlength: 5000 })),
      h('div', null, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create project')));
    ui.onSubmit(form, async (data) => {
      const created = await api.post('/api/projects/', formValues(data, ['name', 'description']));
      ui.flash(`Project "${created.name}" created`);
      ctx.rerender();
    });
    return form;
  }

  function projectCard(ctx, p) {
    const c = p.task_counts || {};
    return h('article', { class: 'card project-card', 'data-testid': 'project-card', dataset: { projectId: p.id } },
      h('h3', null, h('a', { href: '#/projects/' + Number(p.id) }, p.name)),
      p.description ? h('p', { class: 'muted small' }, p.description) : null,
      h('div', { class: 'counts' }, badge(p.status), badge((c.todo || 0) + ' to do', 'todo'),
        badge((c.in_progress || 0) + ' in progress', 'in_progress'), badge((c.done || 0) + ' done', 'done')),
      progress(c.done || 0, c.total || 0),
      h('div', { class: 'row' },
        h('a', { class: 'btn btn-small', href: '#/projects/' + Number(p.id) }, 'Open board'),
        session.isAdmin() ? confirmButton('Delete', async () => {
          await api.del('/api/projects/' + Number(p.id));
          ui.flash(`Project "${p.name}" deleted`);
          ctx.rerender();
        }, { 'data-testid': 'delete-project' }) : null));
  }

  route(/^projects$/, async (ctx) => {
    ui.setTitle('Projects');
    const data = await api.get('/api/projects/?limit=100');
    const panel = session.isAdmin() ? ui.card('New project', newProjectForm(ctx)) : null;
    if (panel) {
      panel.hidden = true;
      ui.setActions(ui.toggle('+ New project', panel, { 'data-testid': 'new-project' }));
    } else {
      ui.setActions();
    }
    const projects = data.projects || [];
    ctx.mount(panel, projects.length
      ? h('div', { class: 'projects' }, projects.map((p) => projectCard(ctx, p)))
      : ui.card(null, h('p', { class: 'empty' }, 'No projects yet.')));
  });

  // ------------------------------------------------------------------ team
  function newMemberForm(ctx) {
    const form = h('form', { class: 'stack', 'data-testid': 'new-member-form' },
      h('div', { class: 'form-row' },
        ui.field('Username', h('input', { name: 'username', required: true, autocomplete: 'off' })),
        ui.field('Email', h('input', { name: 'email', type: 'email', required: true })),
        ui.field('Password', h('input', { name: 'password', type: 'password', required: true, autocomplete: 'new-password' })),
        ui.field('Role', ui.select('role', [['member', 'Member'], ['admin', 'Admin']], 'member'))),
      h('div', null, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Add member')));
    ui.onSubmit(form, async (data) => {
      const created = await api.post('/api/users/', formValues(data, ['username', 'email', 'password', 'role']));
      ui.flash(`${created.username} added to the team`);
      ctx.rerender();
    });
    return form;
  }

  function memberRow(ctx, u) {
    const me = session.user && Number(session.user.id) === Number(u.id);
    const cells = [
      h('td', null, h('strong', null, u.username), me ? h('span', { class: 'muted small' }, ' (you)') : null),
      h('td', null, u.email),
      h('td', null, badge(u.role, u.role), u.is_active === false ? [' ', badge('inactive', 'inactive')] : null),
      h('td', { class: 'muted small' }, formatTime(u.created_at)),
    ];
    if (session.isAdmin()) {
      cells.push(h('td', { class: 'actions' }, me ? null : [
        h('button', {
          type: 'button', class: 'btn btn-small',
          onclick: async () => {
            try {
              await api.patch('/api/users/' + Number(u.id), { is_active: u.is_active === false });
              ui.flash(`${u.username} ${u.is_active === false ? 'reactivated' : 'deactivated'}`);
              ctx.rerender();
            } catch (err) { ui.flash(err.describe ? err.describe() : err.message, true); }
          },
        }, u.is_active === false ? 'Activate' : 'Deactivate'),
        confirmButton('Remove', async () => {
          try {
            await api.del('/api/users/' + Number(u.id));
            ui.flash(`${u.username} removed`);
            ctx.rerender();
          } catch (err) { ui.flash(err.describe ? err.describe() : err.message, true); }
        }, { 'data-testid': 'remove-member' }),
      ]));
    }
    return h('tr', { 'data-testid': 'member-row' }, cells);
  }

  route(/^team$/, async (ctx) => {
    ui.setTitle('Team');
    const data = await api.get('/api/users/?limit=100');
    const panel = session.isAdmin() ? ui.card('Add a team member', newMemberForm(ctx)) : null;
    if (panel) {
      panel.hidden = true;
      ui.setActions(ui.toggle('+ Add member', panel, { 'data-testid': 'add-member' }));
    } else {
      ui.setActions();
    }
    const heads = ['Member', 'Email', 'Role', 'Joined'].concat(session.isAdmin() ? ['Actions'] : []);
    ctx.mount(panel, ui.card(`${data.total} members`, h('div', { class: 'table-wrap' },
      h('table', { class: 'table', 'data-testid': 'team-table' },
        h('thead', null, h('tr', null, heads.map((x) => h('th', null, x)))),
        h('tbody', null, (data.users || []).map((u) => memberRow(ctx, u)))))));
  });

  // --------------------------------------------------------- notifications
  function composeForm(ctx) {
    const form = h('form', { class: 'stack', 'data-testid': 'compose-form' },
      h('div', { class: 'form-row' },
        ui.field('To', h('input', { name: 'to', type: 'email', required: true })),
        ui.field('Subject', h('input', { name: 'subject', required: true, maxlength: 200 }))),
      ui.field('Message', h('textarea', { name: 'body', required: true })),
      h('div', null, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Send email')));
    ui.onSubmit(form, async (data) => {
      const sent = await api.post('/api/notifications/email', formValues(data, ['to', 'subject', 'body']));
      ui.flash(`Email to ${sent.to}: ${sent.status}`);
      ctx.rerender();
    });
    return form;
  }

  route(/^notifications$/, async (ctx) => {
    ui.setTitle('Notifications');
    ui.setActions();
    let data;
    try {
      data = await api.get('/api/notifications/history?limit=50');
    } catch (err) {
      if (err.status !== 404) throw err;
      ctx.mount(ui.card('Notifications are not available',
        h('p', { 'data-testid': 'notify-missing' },
          'This server does not have the notifications plugin (lcore-taskflow-notify) installed, ',
          'so there is no email history to show and nothing can be sent from here.')));
      return;
    }
    const rows = data.notifications || [];
    ctx.mount(
      session.isAdmin() ? ui.card('Compose an email', composeForm(ctx)) : null,
      ui.card(session.isAdmin() ? 'Email history (everyone)' : 'Emails sent to you',
        rows.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'table', 'data-testid': 'notification-table' },
          h('thead', null, h('tr', null, ['To', 'Subject', 'Status', 'When'].map((x) => h('th', null, x)))),
          h('tbody', null, rows.map((n) => h('tr', null,
            h('td', null, n.recipient || n.to || ''), h('td', null, n.subject),
            h('td', null, badge(n.status, n.status), n.error ? h('div', { class: 'muted small' }, n.error) : null),
            h('td', { class: 'muted small' }, formatTime(n.created_at)))))))
          : h('p', { class: 'empty' }, 'No notifications yet.')));
  });

  // --------------------------------------------------------------- profile
  const PERMISSIONS = {
    admin: ['Create, edit and delete projects', 'Delete tasks', 'Add, edit, deactivate and remove team members',
      'Send emails and see every notification', 'Admin statistics'],
    member: ['See every project and task', 'Create tasks, move them and comment', 'Upload attachments',
      'Edit your own username and email', 'See the emails sent to you'],
  };

  route(/^profile$/, async (ctx) => {
    ui.setTitle('My profile');
    ui.setActions();
    const me = await api.get('/auth/me');
    session.setUser({ id: me.id, username: me.username, role: me.role, email: me.email });
    TF.app.showUser();
    const form = h('form', { class: 'stack', 'data-testid': 'profile-form' },
      ui.field('Username', h('input', { name: 'username', value: me.username, required: true })),
      ui.field('Email', h('input', { name: 'email', type: 'email', value: me.email || '', required: true })),
      h('div', null, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save profile')));
    ui.onSubmit(form, async (data) => {
      const values = formValues(data, ['username', 'email']);
      await api.put('/api/users/' + Number(me.id), values);
      session.setUser(values);
      TF.app.showUser();
      ui.flash('Profile saved');
      ctx.rerender();
    });
    const role = me.role === 'admin' ? 'admin' : 'member';
    ctx.mount(h('div', { class: 'grid-2' },
      ui.card('Edit profile', form),
      ui.card('Account',
        h('dl', { class: 'meta-list' },
          h('dt', null, 'User id'), h('dd', null, me.id),
          h('dt', null, 'Role'), h('dd', null, badge(me.role, me.role))),
        h('h3', { class: 'small muted' }, 'What you can do'),
        h('ul', null, PERMISSIONS[role].map((p) => h('li', null, p))))));
  });
})(window);
