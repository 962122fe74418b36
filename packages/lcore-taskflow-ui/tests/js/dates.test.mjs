import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isoDay, today, daysFromToday, daysUntil, dueState, dueText, SOON_DAYS,
} from '../../src/lcore_taskflow/ui/static/js/dates.js';

test('isoDay is the local calendar day, whatever the time of day', () => {
  assert.equal(isoDay(new Date(2031, 4, 17, 0, 0, 1)), '2031-05-17');
  assert.equal(isoDay(new Date(2031, 4, 17, 23, 59, 59)), '2031-05-17');
  assert.equal(isoDay(new Date(2024, 1, 29, 12)), '2024-02-29');
  assert.match(today(), /^\d{4}-\d\d-\d\d$/);
});

test('daysUntil counts whole days from today, negative in the past', () => {
  assert.equal(daysUntil(today()), 0);
  assert.equal(daysUntil(daysFromToday(1)), 1);
  assert.equal(daysUntil(daysFromToday(-3)), -3);
  assert.equal(daysUntil(daysFromToday(400)), 400);
});

test('dueState: overdue, soon or nothing; a done task is never late', () => {
  assert.equal(dueState({ status: 'todo', due_date: daysFromToday(-1) }), 'overdue');
  assert.equal(dueState({ status: 'todo', due_date: today() }), 'soon');
  assert.equal(dueState({ status: 'todo', due_date: daysFromToday(SOON_DAYS) }), 'soon');
  assert.equal(dueState({ status: 'todo', due_date: daysFromToday(SOON_DAYS + 1) }), null);
  assert.equal(dueState({ status: 'done', due_date: daysFromToday(-5) }), null);
  assert.equal(dueState({ status: 'todo', due_date: null }), null);
});

test('dueText says it in words near today and as a date further away', () => {
  assert.equal(dueText({ status: 'todo', due_date: daysFromToday(-1) }), 'Overdue by 1 day');
  assert.equal(dueText({ status: 'todo', due_date: daysFromToday(-3) }), 'Overdue by 3 days');
  assert.equal(dueText({ status: 'todo', due_date: today() }), 'Due today');
  assert.equal(dueText({ status: 'todo', due_date: daysFromToday(1) }), 'Due tomorrow');
  assert.equal(dueText({ status: 'todo', due_date: daysFromToday(2) }), 'Due in 2 days');
  assert.equal(dueText({ status: 'todo', due_date: '2031-05-17' }), 'Due 2031-05-17');
  const past = daysFromToday(-3);
  assert.equal(dueText({ status: 'done', due_date: past }), 'Due ' + past);
  assert.equal(dueText({ status: 'todo', due_date: '' }), '');
});
