/* Project roles: what the caller may do in a project (docs/access.md).
 *
 * The server answers `my_role` with every project (viewer < commenter <
 * editor < owner; admins are owners everywhere) and enforces it; the screens
 * only leave out the controls a role could not use.  An archived project is
 * read-only for everyone but its owners.
 */
import { session, share } from './api.js';
import { t } from './i18n.js';
/** The workspace roles (a user's `role`), as the screens name them. */
export const WORKSPACE_ROLE_LABELS = { admin: t('Admin'), member: t('Member'), guest: t('Guest') };
export const ROLES = ['viewer', 'commenter', 'editor', 'owner'];
export const ROLE_LABELS = { viewer: t('Viewer'), commenter: t('Commenter'), editor: t('Editor'), owner: t('Owner') };
export const ROLE_HINTS = {
  viewer: t('can read the project'),
  commenter: t('can read and comment'),
  editor: t('can create, edit and move tasks'),
  owner: t('can also manage the project, its members and share links'),
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
