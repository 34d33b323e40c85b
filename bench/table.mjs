// The benchmark table as text (bench/run.mjs). Colour (grey borders) only for
// a terminal: none when stdout is not a TTY or NO_COLOR is set
// (https://no-color.org: any non-empty value), so a piped or saved table is
// plain text.
import Table from 'cli-table3';

/** Whether to colour output written to `stream`. */
export function colorEnabled(stream = process.stdout, env = process.env) {
  if (env.NO_COLOR) return false;
  return stream.isTTY === true;
}

/** The table of `rows` under `head`, coloured only when `color`. */
export function renderTable(head, rows, { color = colorEnabled() } = {}) {
  const table = new Table({ head, style: color ? { head: [], border: ['grey'] } : { head: [], border: [] } });
  for (const r of rows) table.push(r);
  return table.toString();
}
