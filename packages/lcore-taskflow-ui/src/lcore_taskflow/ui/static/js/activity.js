/* The activity feed's lines in the reader's language.
 *
 * Core stores each line in English (its _activity.py), old rows included.  The feed reads
 * a line back by its row's type, takes the names and titles out of it and says it again
 * with t(): English comes out as stored, German as German.  A line of a type or a wording
 * not known here (a plugin's own summary()) shows as stored.
 */
import { t } from './i18n.js';
import { STATUS_LABELS, projectStatusLabel } from './dom.js';
import { ROLE_LABELS } from './roles.js';

/** The board's status names as core writes them ("To Do"), and the ids older rows hold. */
const STATUS_OF = { 'To Do': 'todo', 'In Progress': 'in_progress', Done: 'done',
  todo: 'todo', in_progress: 'in_progress', done: 'done' };
/** Task fields an update names (a plugin's own fields stay as stored). */
const FIELD_LABELS = {
  title: t('Title'), description: t('Description'), priority: t('Priority'),
  due_date: t('Due date'), assignee_id: t('Assignee'), status: t('Status'),
};
/** A person: core names an erased account "deleted user" (and nobody "system"). */
const who = (name) => ({ 'deleted user': t('deleted user'), system: t('system') }[name] || name);
const role = (r) => ROLE_LABELS[r] || r;  // as the screens' badges name it
const fields = (list) => list.split(', ').map((f) => FIELD_LABELS[f] || f).join(', ');

/** type -> [[pattern, (match) => line], ...]: the first pattern that matches says it.  In a
 * pattern the first `(.+?)` is the actor (a username, "system" or "deleted user": the
 * shortest that fits, so a title never splits it), `'(.*)'` a title or a name with any
 * quotes in it. */
const LINES = {
  'user.registered': [[/^(.+?) joined the team$/, (m) => t('{user} joined the team', { user: who(m[1]) })]],
  'user.created': [[/^(.+?) added (.+) to the team$/, (m) => t('{actor} added {user} to the team', { actor: who(m[1]), user: who(m[2]) })]],
  'user.deactivated': [[/^(.+?) deactivated (.+)$/, (m) => t('{actor} deactivated {user}', { actor: who(m[1]), user: who(m[2]) })]],
  'project.created': [[/^(.+?) created project '(.*)'$/,
    (m) => t("{actor} created project '{project}'", { actor: who(m[1]), project: m[2] })]],
  'project.updated': [[/^(.+?) set project '(.*)' to (active|on_hold|completed|archived)$/,
    (m) => t("{actor} set project '{project}' to {status}", { actor: who(m[1]), project: m[2], status: projectStatusLabel(m[3]) })]],
  'project.deleted': [[/^(.+?) deleted project '(.*)'$/,
    (m) => t("{actor} deleted project '{project}'", { actor: who(m[1]), project: m[2] })]],
  'task.created': [[/^(.+?) created task '(.*)'$/, (m) => t("{actor} created task '{task}'", { actor: who(m[1]), task: m[2] })]],
  'task.assigned': [[/^(.+?) assigned '(.*)' to (.+)$/,
    (m) => t("{actor} assigned '{task}' to {user}", { actor: who(m[1]), task: m[2], user: who(m[3]) })]],
  'task.updated': [
    [/^(.+?) moved '(.*)' to (To Do|In Progress|Done|todo|in_progress|done)$/,
      (m) => t("{actor} moved '{task}' to {status}", { actor: who(m[1]), task: m[2], status: STATUS_LABELS[STATUS_OF[m[3]]] })],
    [/^(.+?) updated ([a-z0-9_, ]+) of '(.*)'$/,
      (m) => t("{actor} updated {fields} of '{task}'", { actor: who(m[1]), fields: fields(m[2]), task: m[3] })]],
  'task.deleted': [[/^(.+?) deleted task '(.*)'$/, (m) => t("{actor} deleted task '{task}'", { actor: who(m[1]), task: m[2] })]],
  'comment.added': [[/^(.+?) commented on '(.*)'$/, (m) => t("{actor} commented on '{task}'", { actor: who(m[1]), task: m[2] })]],
  'attachment.added': [[/^(.+?) attached a file to '(.*)'$/,
    (m) => t("{actor} attached a file to '{task}'", { actor: who(m[1]), task: m[2] })]],
  'project.member_added': [[/^(.+?) gave (.+) the (\w+) role in '(.*)'$/,
    (m) => t("{actor} gave {member} the {role} role in '{project}'", { actor: who(m[1]), member: who(m[2]), role: role(m[3]), project: m[4] })]],
  'project.member_updated': [[/^(.+?) changed (.+)'s role in '(.*)' from (\w+) to (\w+)$/,
    (m) => t("{actor} changed {member}'s role in '{project}' from {from} to {to}",
      { actor: who(m[1]), member: who(m[2]), project: m[3], from: role(m[4]), to: role(m[5]) })]],
  'project.member_removed': [[/^(.+?) removed (.+) from '(.*)'$/,
    (m) => t("{actor} removed {member} from '{project}'", { actor: who(m[1]), member: who(m[2]), project: m[3] })]],
  'share.created': [[/^(.+?) created a (\w+) share link for '(.*)'$/,
    (m) => t("{actor} created a {role} share link for '{project}'", { actor: who(m[1]), role: role(m[2]), project: m[3] })]],
  'share.revoked': [[/^(.+?) revoked a share link of '(.*)'$/,
    (m) => t("{actor} revoked a share link of '{project}'", { actor: who(m[1]), project: m[2] })]],
  'team.created': [[/^(.+?) created team (.+)$/, (m) => t('{actor} created team {team}', { actor: who(m[1]), team: m[2] })]],
};

/** The first form of `row`'s type that its line matches, as [say, match]; else null. */
function formOf(row) {
  const summary = String((row && row.summary) || '');
  for (const [pattern, say] of LINES[row && row.type] || []) {
    const m = pattern.exec(summary);
    if (m) return [say, m];
  }
  return null;
}

/** One row of the feed (`type`, `summary`) as a line in the reader's language. */
export function activityLine(row) {
  const form = formOf(row);
  return form ? form[0](form[1]) : String((row && row.summary) || '');
}

/** Whether `row`'s line is one of the forms above (a test checks every line core writes is). */
export const knowsLine = (row) => formOf(row) !== null;
