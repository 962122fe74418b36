// forms.js's pure helpers (the DOM-building ones are covered by the Chromium tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JS } from './browser.mjs';

const { fieldMessage, formValues, nextId } = await import(new URL('forms.js', JS));

test("a field's message drops the field name the label already shows", () => {
  assert.equal(fieldMessage('title', 'title must not be empty'), 'Must not be empty');
  assert.equal(fieldMessage('due_date', 'due_date must be a date (YYYY-MM-DD)'),
    'Must be a date (YYYY-MM-DD)');
  assert.equal(fieldMessage('title', 'too long'), 'Too long');
  assert.equal(fieldMessage('title', undefined), '');
  // a name with regular-expression characters is only text
  assert.equal(fieldMessage('a.b', 'ab is wrong'), 'Is wrong');
});

test('formValues keeps the named, non-empty values, trimmed', () => {
  const data = new FormData();
  data.set('title', '  Write the report  ');
  data.set('description', '');
  data.set('priority', 'high');
  data.set('ignored', 'x');
  assert.deepEqual(formValues(data, ['title', 'description', 'priority', 'assignee_id']),
    { title: 'Write the report', priority: 'high' });
});

test('ids are unique per prefix and call', () => {
  const a = nextId('hint');
  const b = nextId('hint');
  assert.match(a, /^hint-\d+$/);
  assert.notEqual(a, b);
});
