/* What the Import screen guesses from a CSV file before the server reads it: the header
 * line, and which column holds which field and which list name means which status.  Pure
 * functions (no DOM), so node --test covers them (packages/lcore-taskflow-io/tests/js/);
 * the server parses the file again and decides.
 */
export function guessStatus(name) {
  const n = name.toLowerCase();
  if (/(done|complete|finished|closed|erledigt|fertig)/.test(n)) return 'done';
  if (/(doing|progress|review|testing|active|wip|in arbeit)/.test(n)) return 'in_progress';
  return 'todo';
}

const COLUMN_GUESSES = {
  title: /^(title|name|task|summary|card|titel|aufgabe)$/i,
  description: /^(description|desc|details|notes|body|beschreibung)$/i,
  status: /^(status|state|list|column|stage)$/i,
  priority: /^(priority|prio|priorität)$/i,
  due_date: /^(due|due ?date|due_date|deadline|fällig)$/i,
  assignee: /^(assignee|assigned ?to|owner|email|member|user)$/i,
};

export function guessColumn(key, headers) {
  return headers.find((header) => COLUMN_GUESSES[key].test(header.trim())) || '';
}

/** The first record of a CSV text: a BOM dropped, "," or ";" (whichever the line has more of
 * outside quotes), quoted fields with "" and line breaks. */
export function csvHeaders(text) {
  const body = text.replace(/^\uFEFF/, '');
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (const ch of body) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && ch === ',') commas += 1;
    else if (!quoted && ch === ';') semicolons += 1;
  }
  const sep = semicolons > commas ? ';' : ',';
  const fields = [];
  let cur = '';
  quoted = false;
  for (let i = 0; i < body.length; i += 1) {
    const ch = body[i];
    if (quoted) {
      if (ch === '"' && body[i + 1] === '"') { cur += '"'; i += 1; } else if (ch === '"') quoted = false; else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === sep) { fields.push(cur); cur = ''; } else if (ch === '\n' || ch === '\r') break;
    else cur += ch;
  }
  fields.push(cur);
  return fields.map((f) => f.trim()).filter((f, i, all) => f && all.indexOf(f) === i);
}
