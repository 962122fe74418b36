/* Task detail: status, details, edit (a due date can be cleared), attachment,
 * comments, plugin panels; other people's changes arrive live.  The controls
 * follow the caller's role: editors change the task, commenters comment,
 * owners delete it; a viewer (or a read-only share link) only reads. */
import { h, mount, badge, formatTime, shorten, STATUSES, STATUS_LABELS } from '../dom.js';
import { api, session, share, links, teamMembers, taskPath } from '../api.js';
import { route } from '../router.js';
import { taskWatcher } from '../live.js';
import { field, select, onSubmit } from '../forms.js';
import { toast, toastError, announce } from '../toast.js';
import { contributions, forProject, safeRender, emit, assistText } from '../extensions.js';
import { card, empty, userOptions, PRIORITY_OPTIONS, deleteWithUndo } from './common.js';
import { dueBadge, assigneeAvatar, PRIORITY_LABELS } from './card.js';
import { sharedProject } from './board.js';
import { pluginFields } from './board-new-task.js';
import { projectRole, can } from '../roles.js';
import { checklistCard, relationsCard } from './structure.js';
import { t } from '../i18n.js';
const POLL_MS = 4000;

function details(task) {
  return h('dl', { class: 'meta-list' },
    h('dt', null, t('Status')), h('dd', { 'data-testid': 'task-status' }, badge(STATUS_LABELS[task.status], task.status)),
    h('dt', null, t('Priority')), h('dd', null, badge(PRIORITY_LABELS[task.priority] || task.priority, task.priority)),
    h('dt', null, t('Assignee')), h('dd', null, assigneeAvatar(task.assignee_name), ' ', task.assignee_name || t('Unassigned')),
    h('dt', null, t('Due date')), h('dd', { 'data-testid': 'task-due' }, task.due_date ? dueBadge(task) : '—'),
    h('dt', null, t('Created')), h('dd', null, formatTime(task.created_at) || '—'),
    h('dt', null, t('Updated')), h('dd', null, formatTime(task.updated_at) || '—'));
}

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
    toastError(err);
  }
}

function commentItem(c) {
  return h('li', null, h('span', { class: 'who' }, c.username), h('span', { class: 'muted small' }, formatTime(c.created_at)),
    h('p', { class: 'body' }, c.body));
}

async function taskView(ctx, pid, tid, project, first) {
  const role = projectRole(project);
  const editable = can(role, 'editor');
  const users = editable ? await teamMembers() : [];
  let task = first;
  const boardUrl = links.board(pid);
  ctx.setTitle(task.title);
  const deletedNote = h('p', { class: 'banner banner-error', role: 'alert', hidden: true, 'data-testid': 'task-deleted' },
    t('Someone deleted this task.'), ' ', h('a', { href: boardUrl }, t('Back to the board')));

  // ------------------------------------------------------------ status
  let moving = false;
  const statusButtons = STATUSES.map((s) => h('button', {
    type: 'button', class: 'btn', dataset: { status: s }, 'aria-pressed': String(s === task.status),
    onclick: () => setStatus(s),
  }, STATUS_LABELS[s]));
  const statusGroup = editable ? h('div', { class: 'status-buttons', role: 'group', 'aria-label': t('Status'), 'data-testid': 'status-buttons' }, statusButtons) : null;
  const markStatus = () => statusButtons.forEach((b) => {
    b.setAttribute('aria-pressed', String(b.dataset.status === task.status));
    if (moving) b.setAttribute('aria-disabled', 'true'); else b.removeAttribute('aria-disabled');
  });
  async function setStatus(s) {
    if (moving || s === task.status) return;
    const before = task.status;
    moving = true;
    task.status = s;
    markStatus();
    showDetails();
    try {
      await api.patch(taskPath(pid, tid), { status: s });
      toast(t('Moved “{title}” to {status}', { title: shorten(task.title), status: STATUS_LABELS[s] }), { action: { label: t('Undo'), run: () => setStatus(before) } });
    } catch (err) {
      task.status = before;
      toastError(t('Couldn\'t move “{title}”: {message}', { title: shorten(task.title), message: err.message }), { label: t('Retry'), run: () => setStatus(s) });
    } finally {
      moving = false;
      markStatus();
      showDetails();
    }
  }

  // ------------------------------------------------------------ details
  const descBox = h('p', { class: 'desc' });
  const detailsBox = h('div');
  function showDetails() {
    mount(descBox, task.description || h('span', { class: 'muted' }, t('No description.')));
    mount(detailsBox, details(task));
  }
  showDetails();

  // --------------------------------------------------------------- edit
  const extras = editable ? pluginFields(task, project) : [];
  const form = h('form', { class: 'stack', 'data-testid': 'edit-task-form' },
    field(t('Title'), h('input', { name: 'title', value: task.title, required: true, maxlength: 200 })),
    field(t('Description'), h('textarea', { name: 'description', value: task.description || '', maxlength: 5000 })),
    h('div', { class: 'form-row' },
      field(t('Assignee'), select('assignee_id', userOptions(users, t('Unassigned')), task.assignee_id ?? '')),
      field(t('Priority'), select('priority', PRIORITY_OPTIONS, task.priority)),
      field(t('Due date'), h('input', { name: 'due_date', type: 'date', value: task.due_date || '' }), t('Empty it to remove the due date.'))),
    extras.map((x) => x.el),
    h('div', null, h('button', { type: 'submit', class: 'btn btn-primary' }, t('Save changes'))));
  form.addEventListener('input', () => { form.dataset.dirty = '1'; });
  const fillForm = () => {
    form.elements.title.value = task.title;
    form.elements.description.value = task.description || '';
    form.elements.assignee_id.value = task.assignee_id ?? '';
    form.elements.priority.value = task.priority;
    form.elements.due_date.value = task.due_date || '';
  };
  onSubmit(form, async (data) => {
    const body = {
      title: String(data.get('title') || '').trim(),
      description: String(data.get('description') || ''),
      priority: data.get('priority'),
      assignee_id: data.get('assignee_id') ? Number(data.get('assignee_id')) : null,
      // Always sent: an emptied date field clears the date (the API takes null).
      due_date: data.get('due_date') || null,
    };
    for (const x of extras) if (x.value() !== undefined) body[x.name] = x.value();
    await api.patch(taskPath(pid, tid), body);
    await refresh();
    delete form.dataset.dirty;
    fillForm();
    toast(t('Task saved'));
    emit('task:saved', Object.assign({}, task));
  });

  // --------------------------------------------------------- attachment
  const attachmentBox = h('div');
  const showAttachment = () => mount(attachmentBox, task.attachment
    ? h('p', { 'data-testid': 'attachment', class: 'wrap' }, '📎 ', h('strong', null, displayName(task.attachment)), ' ',
      h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'download', 'aria-label': t('Download {file}', { file: displayName(task.attachment) }), onclick: () => download(task.attachment) }, t('Download')))
    : h('p', { class: 'muted' }, t('No attachment.')));
  showAttachment();
  const upload = h('form', { class: 'inline', 'data-testid': 'upload-form' },
    field(task.attachment ? t('Replace the file') : t('Attach a file'), h('input', { name: 'file', type: 'file', required: true, 'data-testid': 'upload-input' })),
    h('button', { type: 'submit', class: 'btn' }, t('Upload')));
  onSubmit(upload, async (data) => {
    const done = await api.upload(taskPath(pid, tid) + '/attachment', data);
    task.attachment = done.filename;
    upload.reset();
    showAttachment();
    toast(t('Uploaded {file}', { file: displayName(done.filename) }));
  });

  // ------------------------------------------------- checklist, relations
  const checklist = checklistCard(pid, tid, editable);
  const related = relationsCard(pid, tid, task, editable);
  await checklist.ready;

  // ------------------------------------------------------------ comments
  const commentList = h('ul', { class: 'comments', 'data-testid': 'comments' });
  const commentTitle = h('h2', { id: 'comments-title' });
  const showComments = () => {
    const comments = task.comments || [];
    commentTitle.textContent = t('Comments ({count})', { count: task.comment_count ?? comments.length });
    mount(commentList, comments.map(commentItem));
    commentList.hidden = !comments.length;
  };
  const noComments = empty(t('No comments yet.'));
  const commentForm = h('form', { class: 'stack', 'data-testid': 'comment-form' },
    field(t('Add a comment'), h('textarea', { name: 'body', required: true, maxlength: 5000 })),
    h('div', null, h('button', { type: 'submit', class: 'btn btn-primary' }, t('Comment'))));
  onSubmit(commentForm, async (data) => {
    const body = String(data.get('body') || '').trim();
    const made = await api.post(taskPath(pid, tid) + '/comments', { body });
    if (share.active) {
      await refresh();  // the server names a share link's comments itself
    } else {
      task.comments = (task.comments || []).concat([{ id: made.id, username: session.user.username, body, created_at: Date.now() / 1000 }]);
      task.comment_count = (task.comment_count || 0) + 1;
    }
    showComments();
    noComments.hidden = true;
    commentForm.reset();
    // The keyboard stays in the comment box, ready for the next one.
    commentForm.elements.body.focus();
    announce(t('Comment added'));
  });
  showComments();
  noComments.hidden = Boolean((task.comments || []).length);

  // ---------------------------------------------------------- refreshing
  async function refresh() {
    task = await api.get(taskPath(pid, tid));
    ctx.setTitle(task.title);
    markStatus();
    showDetails();
    showAttachment();
    showComments();
    noComments.hidden = Boolean((task.comments || []).length);
    checklist.update(task);
    related.update(task);
    if (editable && !form.dataset.dirty) fillForm();
  }

  ctx.setActions(
    h('a', { class: 'btn', href: boardUrl }, t('← Board')),
    can(role, 'owner') ? h('button', {
      type: 'button', class: 'btn btn-danger', 'data-testid': 'delete-task',
      onclick: () => deleteWithUndo({
        key: 'task:' + task.id,
        message: t('Deleted “{title}”', { title: shorten(task.title) }),
        hide: () => { location.hash = boardUrl; },
        restore: () => { location.hash = links.task(pid, tid); },
        commit: (opts) => api.del(taskPath(pid, tid), opts),
      }),
    }, t('Delete task')) : null);

  // Plugins' panels call their own endpoints, which a share link may not reach.
  const panels = share.active ? [] : forProject(contributions.taskPanels, project).map((p) => {
    const box = h('div', { class: 'extension-panel', dataset: { extension: p.id } });
    safeRender(box, p.id, p.render, Object.assign({}, task), { signal: ctx.signal });
    return card(p.title, box);
  });

  // Plugins' text helpers (say, completing @names) on the free-text fields; not on a share link.
  if (!share.active) {
    const where = { projectId: Number(pid), taskId: Number(tid) };
    if (editable) assistText(form.elements.description, Object.assign({ field: 'description' }, where), ctx.signal);
    if (can(role, 'commenter')) assistText(commentForm.elements.body, Object.assign({ field: 'comment' }, where), ctx.signal);
  }

  const watcher = taskWatcher(pid);
  ctx.mount(deletedNote, h('div', { class: 'grid-2' },
    h('div', null,
      card(null, h('div', { class: 'task-detail' }, descBox, statusGroup, detailsBox)),
      editable ? card(t('Edit task'), form) : null,
      checklist.el,
      related.el,
      card(t('Attachment'), attachmentBox, editable ? upload : null)),
    h('div', null,
      h('section', { class: 'card', 'aria-labelledby': 'comments-title' }, commentTitle, commentList, noComments,
        can(role, 'commenter') ? commentForm
          : h('p', { class: 'muted small', 'data-testid': 'comments-read-only' }, share.active
            ? t('This link lets you read the comments, not add any.') : t('Your role in this project lets you read the comments, not add any.'))),
      panels)));
  // A one-row list answers the change cursor (where the server has one).
  await watcher.start([await api.get(`/api/projects/${Number(pid)}/tasks?limit=1`)]);
  ctx.poll(async () => {
    if (moving) return;
    const changes = await watcher.poll();
    if (!changes) return;
    if ((changes.deleted || []).includes(Number(tid))) {
      deletedNote.hidden = false;
      return;
    }
    if (changes.reload || changes.tasks.some((x) => x.id === Number(tid))) {
      try {
        await refresh();
      } catch (err) {
        if (err.status === 404) deletedNote.hidden = false; else throw err;
      }
    }
  }, POLL_MS);
}

const TASK_MISSING = t("This task doesn't exist: it may have been deleted, or it belongs to another project.");

route(/^projects\/(\d+)\/tasks\/(\d+)$/, async (ctx, pid, tid) => {
  const [project, task] = await Promise.all([api.get('/api/projects/' + Number(pid)), api.get(taskPath(pid, tid))]);
  await taskView(ctx, pid, tid, project, task);
}, { title: t('Task'), notFound: t('Task not found'), notFoundText: TASK_MISSING });

route(/^shared\/tasks\/(\d+)$/, async (ctx, tid) => {
  const project = await sharedProject(ctx);
  if (project) await taskView(ctx, project.id, tid, project, await api.get(taskPath(project.id, tid)));
}, { title: t('Task'), notFound: t('Task not found'), notFoundText: TASK_MISSING, share: true });
