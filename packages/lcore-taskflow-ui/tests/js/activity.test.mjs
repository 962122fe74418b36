// activity.js: the feed's stored English lines said again through t() (English here: node
// runs without a catalog, so every line must come out exactly as core stored it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JS } from './browser.mjs';

const { activityLine } = await import(new URL('activity.js', JS));
const line = (type, summary) => activityLine({ type, summary });

// Every form core's _activity.py writes, with names and titles that stress the patterns.
const STORED = [
  ['user.registered', 'carol joined the team'],
  ['user.created', 'admin added dave.k to the team'],
  ['user.deactivated', 'admin deactivated bob'],
  ['project.created', "alice created project 'Q3 ''launch'''"],
  ['project.deleted', "admin deleted project 'Old'"],
  ['task.created', "admin created task 'Fix the \"login\" bug'"],
  ['task.created', "alice created task 'bob created task 'x''"],
  ['task.assigned', "admin assigned 'Ship it' to alice"],
  ['task.updated', "admin moved 'Ship it' to In Progress"],
  ['task.deleted', "admin deleted task 'Ship it'"],
  ['comment.added', "bob commented on 'Ship it'"],
  ['attachment.added', "bob attached a file to 'Ship it'"],
  ['project.member_removed', "admin removed team Design Crew from 'Website'"],
  ['share.revoked', "admin revoked a share link of 'Website'"],
  ['team.created', 'admin created team Design Crew'],
];

test('English lines come out as core stored them', () => {
  for (const [type, summary] of STORED) assert.equal(line(type, summary), summary, type);
});

test('ids become the names the screens use', () => {
  // older rows name the column by its id; a project status always is one
  assert.equal(line('task.updated', "admin moved 'Ship it' to in_progress"), "admin moved 'Ship it' to In Progress");
  assert.equal(line('project.updated', "admin set project 'Website' to on_hold"), "admin set project 'Website' to On hold");
  assert.equal(line('task.updated', "bob updated due_date, priority of 'x'"), "bob updated Due date, Priority of 'x'");
  assert.equal(line('project.member_added', "admin gave bob the editor role in 'Website'"),
    "admin gave bob the Editor role in 'Website'");
  assert.equal(line('share.created', "admin created a viewer share link for 'Website'"),
    "admin created a Viewer share link for 'Website'");
});

test('the actor is the shortest name that fits, an erased one included', () => {
  assert.equal(line('task.created', "deleted user created task 'x'"), "deleted user created task 'x'");
  assert.equal(line('project.member_updated', "deleted user changed team A B's role in 'P' from viewer to owner"),
    "deleted user changed team A B's role in 'P' from Viewer to Owner");
});

test('an unknown type or wording shows as stored', () => {
  assert.equal(line('labels.added', 'admin labelled it'), 'admin labelled it');
  assert.equal(line('task.created', 'a line core never wrote'), 'a line core never wrote');
  assert.equal(activityLine({ type: 'task.created' }), '');
  assert.equal(activityLine(null), '');
});
