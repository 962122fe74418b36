/* Watch / Unwatch on the task page (PUT, DELETE .../watchers/me): a toggle
 * button (aria-pressed) that says what watching brings. */
import { errorText, t } from './common.js';

export function watchPanel(taskflow, container, task, ctx) {
  const { h, api } = taskflow;
  const path = `/api/projects/${Number(task.project_id)}/tasks/${Number(task.id)}/watchers/me`;
  let watching = Boolean(task.watching);
  const note = h('p', { class: 'muted small', 'data-testid': 'watch-note' });
  const button = h('button', { type: 'button', class: 'btn', 'data-testid': 'watch-toggle', onclick: flip });

  function show() {
    button.textContent = watching ? t('Watching') : t('Watch');
    button.setAttribute('aria-pressed', String(watching));
    button.classList.toggle('btn-primary', watching);
    note.textContent = watching
      ? t('You hear of its comments, moves and assignment changes. Press to stop.')
      : t('Watch it to hear of its comments, moves and assignment changes.');
  }

  async function flip() {
    const before = watching;
    button.disabled = true;
    try {
      if (before) await api.del(path); else await api.put(path, {});
      watching = !before;
      taskflow.toast(watching ? t('You are watching this task') : t('You stopped watching this task'));
    } catch (err) {
      if (!ctx.signal.aborted) taskflow.toast(errorText(err), { kind: 'error' });
    } finally {
      button.disabled = false;
      show();
    }
  }

  show();
  container.append(h('div', { class: 'row' }, button), note);
}
