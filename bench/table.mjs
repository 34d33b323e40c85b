// The benchmark table as text (bench/run.mjs). Colour (grey borders) only for
// a terminal: none when stdout is not a TTY or NO_COLOR is set
// (https://no-color.org: any non-empty value), so a piped or saved table is
// plain text.
import Table from 'cli-table3';
import { createColors } from 'picocolors';

/** Whether to colour output written to `stream`. */
export function colorEnabled(stream = process.stdout, env = process.env) {
  if (env.NO_COLOR) return false;
  return stream.isTTY === true;
}

/** The table of `rows` under `head`, coloured only when `color`. */
export function renderTable(head, rows, { color = colorEnabled() } = {}) {
  const table = new Table({ head, style: { head: [], border: [] } });
  for (const r of rows) table.push(r);
  const text = table.toString();
  if (!color) return text;
  // Grey borders, coloured here rather than by cli-table3 (whose colour
  // library turns itself off under CI=true even when asked for colour).
  const { gray } = createColors(true);
  return text.replace(/[─│┌┐└┘├┤┬┴┼]+/g, (b) => gray(b));
}
