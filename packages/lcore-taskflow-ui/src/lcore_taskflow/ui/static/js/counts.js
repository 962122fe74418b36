/* Counts for people, including totals the server only bounded.
 *
 * A filtered task list that the project's maintained counts cannot answer is
 * counted up to a cap (1,000 rows): past it the API answers
 * `total_is_estimate: true` and `total` is the cap, a lower bound.  Such a
 * total shows as "1,000+", never as an exact number it is not.
 */

/** 1234 -> "1,234"; a lower bound (`estimate`) -> "1,000+". */
export function formatCount(n, estimate = false, locale = 'en') {
  const text = new Intl.NumberFormat(locale).format(Math.max(0, Math.trunc(Number(n) || 0)));
  return estimate ? text + '+' : text;
}

/** The count that chooses a plural form (`tn(pluralCount(n, estimate), ...)`): the total
 * itself, but a bounded one ("1,000+ tasks", "1+ tasks") is never singular. */
export function pluralCount(n, estimate = false) {
  const count = Math.max(0, Math.trunc(Number(n) || 0));
  return estimate ? Math.max(2, count) : count;
}

/**
 * The pager of a list of `total` rows, `limit` a page, showing `page`:
 * `pages` (at least the page shown) as text and whether a next page may exist
 * (always, while the total is only a lower bound).
 */
export function pagerOf(total, limit, page, estimate = false) {
  const pages = Math.max(1, page, Math.ceil((Number(total) || 0) / limit));
  return { pages, text: formatCount(pages, estimate), hasNext: page < pages || Boolean(estimate) };
}
