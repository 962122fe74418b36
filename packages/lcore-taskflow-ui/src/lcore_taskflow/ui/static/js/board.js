/* TaskFlow project board (Kanban with drag and drop and move buttons) and task detail. */
(function (global) {
  'use strict';
  const TF = global.TF;
  const { h, badge, formatTime, confirmButton, STATUS_LABELS } = TF.dom;
  const { api, session, ui } = TF;
  const STATUSES = ['todo', 'in_progress', 'done'];
  const MAX_PAGES = 5;

  const taskPath = (pid, tid) => `/api/projects/${Number(pid)}/tasks/${Number(tid)}`;

  async function allTasks(pid) {
    const tasks = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const data = await api.get(`/api/projects/${Number(pid)}/tasks?limit=100&page=${page}`);
      tasks.push(...(data.tasks || []));
      if (tasks.length >= data.total || !(data.tasks || []).length) break;
    }
    return tasks;
  }

  async function moveTask(ctx, pid, tid, status) {
    try {
      await api.patch(taskPath(pid, tid), { status });
      ui.flash(`Moved to ${STATUS_LABELS[status]}`);
    } catch (err) {
      ui.flash(err.describe ? err.describe() : err.message, true);
    }
    ctx.rerender();
  }

  function userOptions(users, withNone) {
    const opts = (users || []).filter((u) => u.is_active !== false).map((u) => [u.id, u.username]);
    return withNone ? [['', 'Unassigned']].concat(opts) : opts;
  }

  const PRIORITY_OPTIONS = [['low', 'Low'], ['medium', 'Medium'], ['high', 'High']];

  function taskCard(ctx, pid, task) {
    const i = STATUSES.indexOf(task.status);
    const card = h('article', {
      class: 'task-card', draggable: 'true', 'data-testid': 'task-card',
      dataset: { taskId: task.id, status: task.status },
    },
    h('a', { class: 'title', href: `#/projects/${Number(pid)}/tasks/${Number(task.id)}` }, task.title),
    h('div', { class: 'meta' },
      badge(task.priority, task.priority),
      task.assignee_name ? h('span', null, '@' + task.assignee_name) : h('span', null, 'unassigned'),
      task.due_date ? h('span', null, 'due ' + task.due_date) : null,
      task.comment_count ? h('span', null, task.comment_count + ' 💬') : null,
      task.attachment ? h('span', { title: 'has an attachment' }, '📎') : null),
    h('div', { class: 'moves' },
      i > 0 ? h('button', {
        type: 'button', class: 'btn btn-small', 'data-testid': 'move-left',
        'aria-label': 'Move to ' + STATUS_LABELS[STATUSES[i - 1]],
        onclick: () => moveTask(ctx, pid, task.id, STATUSES[i - 1]),
      }, '◀ ' + STATUS_LABELS[STATUSES[i - 1]]) : null,
      i < 2 ? h('button', {
        type: 'button', class: 'btn btn-small', 'data-testid': 'move-right',
        'aria-label': 'Move to ' + STATUS_LABELS[STATUSES[i + 1]],
        onclick: () => moveTask(ctx, pid, task.id, STATUSES[i + 1]),
      }, STATUS_LABELS[STATUSES[i + 1]] + ' ▶') : null));
    card.addEventListener('dragstart', (ev) => {
      ev.dataTransfer.setData('text/plain', String(task.id));
      ev.dataTransfer.effectAllowed = 'move';
      card.classList.add('dragging');
    });
    card.addEventListener('dragend', () => card.classList.remove('dragging'));
    return card;
  }

  function column(ctx, pid, status, tasks) {
    const col = h('section', { class: 'column', 'data-testid': 'column-' + status, dataset: { status } },
      h('h2', null, STATUS_LABELS[status], badge(String(tasks.length), status)),
      h('div', { class: 'cards' }, tasks.length
        ? tasks.map((t) => taskCard(ctx, pid, t))
        : h('p', { class: 'empty' }, 'Drop tasks here')));
    col.addEventListener('dragover', (ev) => {
      ev.preventDefault();
      ev.dataTransfer.dropEffect = 'move';
      col.classList.add('drag-over');
    });
    col.addEventListener('dragleave', (ev) => {
      if (!col.contains(ev.relatedTarget)) col.classList.remove('drag-over');
    });
    col.addEventListener('drop', (ev) => {
      ev.preventDefault();
      col.classList.remove('drag-over');
      const tid = parseInt(ev.dataTransfer.getData('text/plain'), 10);
      const task = ctx.state.tasks.find((t) => t.id === tid);
      if (task && task.status !== status) moveTask(ctx, pid, tid, status);
    });
    return col;
  }

  function newTaskForm(ctx, pid, users) {
    const form = h('form', { class: 'stack', 'data-testid': 'new-task-form' },
      ui.field('Title', h('input', { name: 'title', required: true, maxlength: 200 })),
      ui.field('Description', h('textarea', { name: 'description', maxlength: 5000 })),
      h('div', { class: 'form-row' },
        ui.field('Assignee', ui.select('assignee_id', userOptions(users, true), '')),
        ui.field('Priority', ui.select('priority', PRIORITY_OPTIONS, 'medium')),
        ui.field('Due date', h('input', { name: 'due_date', type: 'date' })),
        ui.field('Status', ui.select('status', STATUSES.map((s) => [s, STATUS_LABELS[s]]), 'todo'))),
      h('div', null, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create task')));
    ui.onSubmit(form, async (data) => {
      const body = TF.formValues(data, ['title', 'description', 'priority', 'due_date', 'status']);
      if (data.get('assignee_id')) body.assignee_id = Number(data.get('assignee_id'));
      const created = await api.post(`/api/projects/${Number(pid)}/tasks`, body);
      ui.flash(`Task "${created.title}" created`);
      ctx.rerender();
    });
    return form;
  }

  TF.routes.push({
    pattern: /^projects\/(\d+)$/,
    view: async (ctx, pid) => {
      const [project, tasks, users] = await Promise.all([
        api.get('/api/projects/' + Number(pid)), allTasks(pid), api.get('/api/users/?limit=100')]);
      ctx.state.tasks = tasks;
      ui.setTitle(project.name);
      const panel = ui.card('New task', newTaskForm(ctx, pid, users.users));
      panel.hidden = true;
      ui.setActions(
        h('a', { class: 'btn', href: '#/projects' }, '← Projects'),
        ui.toggle('+ New task', panel, { 'data-testid': 'new-task' }),
        session.isAdmin() ? confirmButton('Delete project', async () => {
          await api.del('/api/projects/' + Number(pid));
          ui.flash(`Project "${project.name}" deleted`);
          location.hash = '#/projects';
        }, { 'data-testid': 'delete-project' }) : null);
      ctx.mount(
        project.description ? h('p', { class: 'muted' }, project.description) : null,
        panel,
        h('div', { class: 'board', 'data-testid': 'board' }, STATUSES.map((s) =>
          column(ctx, pid, s, tasks.filter((t) => t.status === s)))));
    },
  });

  // ------------------------------------------------------------ task detail
  function displayName(stored) {
    return String(stored || '').replace(/^task_\d+_[0-9a-f]{8}_/, '');
  }

  async function download(stored) {
    try {
      const blob = await api.blob('/api/projects/attachments/' + encodeURIComponent(stored));
      const url = URL.createObjectURL(blob);
      const link = h('a', { href: url, download: displayName(stored) });
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 30000);
    } catch (err) {
      ui.flash(err.describe ? err.describe() : err.message, true);
    }
  }

  function attachmentCard(ctx, pid, task) {
    const form = h('form', { class: 'inline', 'data-testid': 'upload-form' },
      ui.field(task.attachment ? 'Replace the file' : 'Attach a file',
        h('input', { name: 'file', type: 'file', required: true, 'data-testid': 'upload-input' })),
      h('button', { type: 'submit', class: 'btn' }, 'Upload'));
    ui.onSubmit(form, async (data) => {
      if (!data.get('file') || !data.get('file').name) throw new TF.ApiError(400, 'Choose a file first');
      const done = await api.upload(taskPath(pid, task.id) + '/attachment', data);
      ui.flash(`Uploaded ${displayName(done.filename)}`);
      ctx.rerender();
    });
    return ui.card('Attachment',
      task.attachment
        ? h('p', { 'data-testid': 'attachment' }, '📎 ', h('strong', null, displayName(task.attachment)), ' ',
          h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'download', onclick: () => download(task.attachment) }, 'Download'))
        : h('p', { class: 'muted' }, 'No attachment.'),
      form);
  }

  function commentsCard(ctx, pid, task) {
    const comments = task.comments || [];
    const form = h('form', { class: 'stack', 'data-testid': 'comment-form' },
      ui.field('Add a comment', h('textarea', { name: 'body', required: true, maxlength: 5000 })),
      h('div', null, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Comment')));
    ui.onSubmit(form, async (data) => {
      await api.post(taskPath(pid, task.id) + '/comments', TF.formValues(data, ['body']));
      ui.flash('Comment added');
      ctx.rerender();
    });
    return ui.card(`Comments (${task.comment_count ?? comments.length})`,
      task.comments_truncated ? h('p', { class: 'muted small' }, `Showing the latest ${comments.length}.`) : null,
      comments.length
        ? h('ul', { class: 'comments', 'data-testid': 'comments' }, comments.map((c) => h('li', null,
          h('span', { class: 'who' }, c.username), h('span', { class: 'muted small' }, formatTime(c.created_at)),
          h('p', { class: 'body' }, c.body))))
        : h('p', { class: 'empty' }, 'No comments yet.'),
      form);
  }

  function editForm(ctx, pid, task, users) {
    const form = h('form', { class: 'stack', 'data-testid': 'edit-task-form' },
      ui.field('Title', h('input', { name: 'title', value: task.title, required: true, maxlength: 200 })),
      ui.field('Description', h('textarea', { name: 'description', value: task.description || '' })),
      h('div', { class: 'form-row' },
        ui.field('Assignee', ui.select('assignee_id', userOptions(users, true), task.assignee_id ?? '')),
        ui.field('Priority', ui.select('priority', PRIORITY_OPTIONS, task.priority)),
        ui.field('Due date', h('input', { name: 'due_date', type: 'date', value: task.due_date || '' }))),
      h('div', null, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save changes')));
    ui.onSubmit(form, async (data) => {
      const body = {
        title: String(data.get('title') || '').trim(),
        description: String(data.get('description') || ''),
        priority: data.get('priority'),
        assignee_id: data.get('assignee_id') ? Number(data.get('assignee_id')) : null,
      };
      if (data.get('due_date')) body.due_date = data.get('due_date');
      await api.patch(taskPath(pid, task.id), body);
      ui.flash('Task saved');
      ctx.rerender();
    });
    return form;
  }

  TF.routes.push({
    pattern: /^projects\/(\d+)\/tasks\/(\d+)$/,
    view: async (ctx, pid, tid) => {
      const [task, users] = await Promise.all([api.get(taskPath(pid, tid)), api.get('/api/users/?limit=100')]);
      ui.setTitle(task.title);
      ui.setActions(
        h('a', { class: 'btn', href: '#/projects/' + Number(pid) }, '← Board'),
        session.isAdmin() ? confirmButton('Delete task', async () => {
          await api.del(taskPath(pid, tid));
          ui.flash(`Task "${task.title}" deleted`);
          location.hash = '#/projects/' + Number(pid);
        }, { 'data-testid': 'delete-task' }) : null);
      const statusButtons = h('div', { class: 'status-buttons', 'data-testid': 'status-buttons' },
        STATUSES.map((s) => h('button', {
          type: 'button', class: 'btn' + (s === task.status ? ' current' : ''), disabled: s === task.status,
          dataset: { status: s },
          onclick: async () => {
            try {
              await api.patch(taskPath(pid, tid), { status: s });
              ui.flash(`Moved to ${STATUS_LABELS[s]}`);
            } catch (err) { ui.flash(err.describe ? err.describe() : err.message, true); }
            ctx.rerender();
          },
        }, STATUS_LABELS[s])));
      const details = ui.card(null,
        h('div', { class: 'task-detail' },
          h('p', { class: 'desc' }, task.description || h('span', { class: 'muted' }, 'No description.')),
          statusButtons,
          h('dl', { class: 'meta-list' },
            h('dt', null, 'Status'), h('dd', { 'data-testid': 'task-status' }, badge(STATUS_LABELS[task.status], task.status)),
            h('dt', null, 'Priority'), h('dd', null, badge(task.priority, task.priority)),
            h('dt', null, 'Assignee'), h('dd', null, task.assignee_name || 'Unassigned'),
            h('dt', null, 'Due date'), h('dd', null, task.due_date || '—'),
            h('dt', null, 'Created'), h('dd', null, formatTime(task.created_at) || '—'),
            h('dt', null, 'Updated'), h('dd', null, formatTime(task.updated_at) || '—'))));
      const edit = ui.card('Edit task', editForm(ctx, pid, task, users.users));
      ctx.mount(h('div', { class: 'grid-2' },
        h('div', null, details, attachmentCard(ctx, pid, task), edit),
        h('div', null, commentsCard(ctx, pid, task))));
    },
  });
})(window);
