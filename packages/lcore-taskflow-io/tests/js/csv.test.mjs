// node --test: the Import screen's CSV guesses (static/csv.js), no browser needed.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { csvHeaders, guessColumn, guessStatus } from '../../src/lcore_taskflow/io/static/csv.js';

test('the header line: BOM dropped, fields trimmed, duplicates and blanks left out', () => {
  assert.deepEqual(csvHeaders('\uFEFFTitle, Status ,,Title\nA,todo\n'), ['Title', 'Status']);
});

test('semicolons win when the header has more of them outside quotes', () => {
  assert.deepEqual(csvHeaders('"a,b";c;d\n1;2;3'), ['a,b', 'c', 'd']);
});

test('quoted headers keep doubled quotes and line breaks inside quotes', () => {
  assert.deepEqual(csvHeaders('"say ""hi""","two\nlines",x\r\n1,2,3'), ['say "hi"', 'two\nlines', 'x']);
});

test('columns are guessed by usual names, in English and German', () => {
  const headers = ['Aufgabe', 'Beschreibung', 'Deadline', 'Owner'];
  assert.equal(guessColumn('title', headers), 'Aufgabe');
  assert.equal(guessColumn('description', headers), 'Beschreibung');
  assert.equal(guessColumn('due_date', headers), 'Deadline');
  assert.equal(guessColumn('assignee', headers), 'Owner');
  assert.equal(guessColumn('priority', headers), '');
});

test('list names map to statuses, anything else is to do', () => {
  assert.equal(guessStatus('Done ✔'), 'done');
  assert.equal(guessStatus('In Arbeit'), 'in_progress');
  assert.equal(guessStatus('Code review'), 'in_progress');
  assert.equal(guessStatus('Backlog'), 'todo');
});
