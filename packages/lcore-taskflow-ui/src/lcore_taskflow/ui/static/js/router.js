/* The route table: views register themselves here; app.js renders them. */
import { t } from './i18n.js';
export const routes = [];

/**
 * route(/^projects\/(\d+)$/, view, {title, notFound}): `view(ctx, ...groups)`.
 * `title` is the heading shown while the view loads; `notFound` the one after a 404.
 */
export function route(pattern, view, opts = {}) {
  routes.push(Object.assign({ pattern, view, title: 'TaskFlow', notFound: t('Not found') }, opts));  // i18n-ignore: a name
}

/** The current hash as {path, params}: "#/projects/1?q=x" -> {path: "projects/1", params: q=x}. */
export function currentLocation() {
  const raw = (location.hash || '').replace(/^#\/?/, '');
  const [path, query] = raw.split('?');
  return { path: path || 'dashboard', params: new URLSearchParams(query || '') };
}

/** Put params in the URL without re-rendering (a filtered board can be shared by its URL). */
export function replaceParams(params) {
  const { path } = currentLocation();
  const query = params.toString();
  history.replaceState(history.state, '', '#/' + path + (query ? '?' + query : ''));
}
