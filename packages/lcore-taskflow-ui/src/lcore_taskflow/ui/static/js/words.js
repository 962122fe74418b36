/* The board's text filter in the browser, as the server applies it (core's
 * _search.title_filter on the full-text index): every word of the query must
 * start a word of the title, case and accents ignored.  The server filters the
 * lists; this decides whether a change that arrives live belongs on them. */

const WORD = /[\p{L}\p{N}]+/gu;

/** Lower case without accents ("Café" -> "cafe"). */
export function fold(text) {
  return String(text).normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

/** The words of `text`, folded. */
export function wordsOf(text) {
  return fold(text).match(WORD) || [];
}

/** Whether every word of `query` starts a word of `title`; a query without words matches nothing. */
export function titleMatches(title, query) {
  const wanted = wordsOf(query);
  if (!wanted.length) return false;
  const words = wordsOf(title);
  return wanted.every((w) => words.some((word) => word.startsWith(w)));
}
