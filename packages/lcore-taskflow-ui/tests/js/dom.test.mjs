// dom.js's pure helpers (h() and mount() need a document: the Chromium tests cover them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JS } from './browser.mjs';

const { initials, shorten, textColorOn, formatTime, STATUSES, STATUS_LABELS } =
  await import(new URL('dom.js', JS));

test('initials: two whole characters, emoji kept intact', () => {
  assert.equal(initials('alice'), 'AL');
  assert.equal(initials('Jane Doe'), 'JD');
  assert.equal(initials('jane.doe'), 'JD');
  assert.equal(initials('🚀rocket'), '🚀R');
  assert.equal(initials('   '), '?');
  assert.equal(initials(null), '?');
});

test('shorten cuts at whole characters and marks the cut', () => {
  assert.equal(shorten('short'), 'short');
  assert.equal(shorten('abcdefghij', 5), 'abcd…');
  assert.equal(shorten('😀😀😀😀😀😀', 4), '😀😀😀…');
  assert.equal(Array.from(shorten('x'.repeat(100))).length, 60);
});

test('textColorOn picks the readable text colour, or null for no colour', () => {
  assert.equal(textColorOn('#ffffff'), '#111827');
  assert.equal(textColorOn('#000'), '#ffffff');
  assert.equal(textColorOn('fde68a'), '#111827');
  assert.equal(textColorOn('#1d4ed8'), '#ffffff');
  assert.equal(textColorOn('red'), null);
});

test('formatTime: empty stays empty, what is no time is shown as it is', () => {
  assert.equal(formatTime(''), '');
  assert.equal(formatTime(null), '');
  assert.equal(formatTime('not a time'), 'not a time');
  assert.equal(formatTime(0), new Date(0).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' }));
  assert.equal(formatTime('2031-05-17 10:00:00'), formatTime(Date.UTC(2031, 4, 17, 10) / 1000));
});

test('every status has a label', () => {
  assert.deepEqual(STATUSES.map((s) => typeof STATUS_LABELS[s]), ['string', 'string', 'string']);
});
