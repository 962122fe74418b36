/* Project roles: what the caller may do in a project (docs/access.md).
 *
 * The server answers `my_role` with every project (viewer < commenter <
 * editor < owner; admins are owners everywhere) and enforces it; the screens
 * only leave out the controls a role could not use.  An archived project is
 * read-only for everyone but its owners.
 */
import { session, share } from './api.js';

export const ROLES = ['viewer', 'commenter', 'editor', 'owner'];
export const ROLE_LABELS = { viewer: 'Viewer', commenter: 'Commenter', editor: 'Editor', owner: 'Owner' };
export const ROLE_HINTS = {
  viewer: 'can read the project',
  commenter: 'can read and comment',
  editor: 'can create, edit and move tasks',
  owner: 'can also manage the project, its members and share links',
};
export const roleOptions = (roles = ROLES) => roles.map((r) => [r, ROLE_LABELS[r]]);

/** At least `needed`? */
export const can = (role, needed) => ROLES.indexOf(role) >= ROLES.indexOf(needed);

/** The caller's role as the screens use it: `my_role`, lowered to viewer in an archived project. */
export function projectRole(project) {
  let role = project && ROLES.includes(project.my_role) ? project.my_role : null;
  // A server without per-project roles: admins manage, members edit.
  if (!role) role = share.active ? 'viewer' : session.isAdmin() ? 'owner' : 'editor';
  if (project && project.status === 'archived' && role !== 'owner') return 'viewer';
  return role;
}
