/* Saved views in the sidebar: the caller's views and those shared with
 * projects they can see (GET /api/views), each a link that opens its
 * project's board or list with the saved filters; the author deletes theirs.
 * Loaded when the app shows a signed-in user, and again after a save. */
import { h, mount, byId } from './dom.js';
import { api, session, share } from './api.js';
import { toast, toastError } from './toast.js';
import { t } from './i18n.js';
let box = null;

function container() {
  if (box && box.isConnected) return box;
  box = h('nav', { class: 'saved-views', 'aria-labelledby': 'saved-views-title', 'data-testid': 'saved-views' });
  byId('nav').after(box);
  return box;
}

/** Where a view opens: its project's list when it was saved there (view=list), else the board. */
export function viewHref(view) {
  const params = new URLSearchParams(view.query || '');
  const list = params.get('view') === 'list';
  params.delete('view');
  const query = params.toString() ? '?' + params : '';
  if (view.project_id == null) return '#/projects';
  return `#/projects/${Number(view.project_id)}${list ? '/list' : ''}${query}`;
}

async function remove(view) {
  try {
    await api.del(`/api/views/${Number(view.id)}`);
    toast(t('Deleted the view “{name}”', { name: view.name }));
    await refreshSavedViews();
    byId('saved-views-title').focus();
  } catch (err) {
    toastError(err);
  }
}

function item(view) {
  return h('li', { class: 'saved-view', 'data-testid': 'saved-view', dataset: { viewId: view.id } },
    h('a', { href: viewHref(view), 'data-testid': 'saved-view-link' }, view.name,
      view.shared ? h('span', { class: 'saved-view-shared' }, ' · ', t('shared')) : null),
    view.mine ? h('button', {
      type: 'button', class: 'btn btn-small saved-view-delete', 'data-testid': 'saved-view-delete',
      'aria-label': t('Delete the view {name}', { name: view.name }), onclick: () => remove(view),
    }, '×') : null);
}

/** (Re)load the sidebar's list; quiet when signed out or in a shared project. */
export async function refreshSavedViews() {
  if (!session.token || share.active) return;
  let views;
  try {
    views = (await api.get('/api/views')).views || [];
  } catch (err) {
    if (err.status !== 401) toastError(err);
    return;
  }
  mount(container(),
    h('h2', { id: 'saved-views-title', class: 'saved-views-title', tabindex: '-1' }, t('Saved views')),
    views.length ? h('ul', { class: 'saved-views-list' }, views.map(item))
      : h('p', { class: 'saved-views-empty', 'data-testid': 'saved-views-empty' }, t('Save the filters of a board or a list to find them here.')));
}
