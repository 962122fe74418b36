import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCount, pluralCount, pagerOf } from '../../src/lcore_taskflow/ui/static/js/counts.js';

test('an exact count is grouped by thousands', () => {
  assert.equal(formatCount(0), '0');
  assert.equal(formatCount(7), '7');
  assert.equal(formatCount(1234), '1,234');
  assert.equal(formatCount(1234567), '1,234,567');
});

test('a bounded total reads as a lower bound: "1,000+"', () => {
  assert.equal(formatCount(1000, true), '1,000+');
  assert.equal(formatCount(999, true), '999+');
});

test('the locale decides the grouping', () => {
  assert.equal(formatCount(1000, true, 'de'), '1.000+');
  assert.equal(formatCount(1000, false, 'de'), '1.000');
});

test('nothing that is not a count shows as one', () => {
  assert.equal(formatCount(undefined), '0');
  assert.equal(formatCount(null, true), '0+');
  assert.equal(formatCount('12'), '12');
  assert.equal(formatCount(-3), '0');
  assert.equal(formatCount(2.7), '2');
});

test('a bounded total is never singular', () => {
  // what the views make of it with tn(): the English forms
  const countNoun = (n, estimate, one, many) => `${formatCount(n, estimate)} ${pluralCount(n, estimate) === 1 ? one : many}`;
  assert.equal(countNoun(1, false, 'task', 'tasks'), '1 task');
  assert.equal(countNoun(2, false, 'task', 'tasks'), '2 tasks');
  assert.equal(countNoun(1000, true, 'task', 'tasks'), '1,000+ tasks');
  assert.equal(countNoun(1, true, 'task', 'tasks'), '1+ tasks');
});

test('the pager: exact totals end, bounded ones always offer a next page', () => {
  assert.deepEqual(pagerOf(0, 50, 1), { pages: 1, text: '1', hasNext: false });
  assert.deepEqual(pagerOf(120, 50, 1), { pages: 3, text: '3', hasNext: true });
  assert.deepEqual(pagerOf(120, 50, 3), { pages: 3, text: '3', hasNext: false });
  assert.deepEqual(pagerOf(1000, 50, 20, true), { pages: 20, text: '20+', hasNext: true });
  // past the bound the page shown counts: never "page 25 of 20"
  assert.deepEqual(pagerOf(1000, 50, 25, true), { pages: 25, text: '25+', hasNext: true });
});
