/**
 * The benchmark table is plain text when piped (no ANSI colour unless stdout
 * is a terminal and NO_COLOR is unset), and coloured on a terminal.
 */
import { describe, it, expect } from 'vitest';
// @ts-expect-error: a plain .mjs module of the benchmarks, no types
import { colorEnabled, renderTable } from '../bench/table.mjs';

const ESC = '\u001b[';
const rows = [
  ['async export calls, embedded host', '1,275,000 calls/s', '362,000 … 1,341,000 (n 25)', '>= 250000 met', ''],
  ['  ratio embedded / jco, same job', 'n/a x', '', '', 'jco run failed'],
];
const head = ['figure', 'median', 'spread (min … max)', 'target', 'note'];

describe('bench table colour', () => {
  it('decides by TTY and NO_COLOR', () => {
    expect(colorEnabled({ isTTY: true }, {})).toBe(true);
    expect(colorEnabled({ isTTY: false }, {})).toBe(false);
    expect(colorEnabled({}, {})).toBe(false); // a pipe or file has no isTTY
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '' })).toBe(true); // empty means unset
  });

  it('has no escape sequences without colour, and every cell', () => {
    const t = renderTable(head, rows, { color: false }) as string;
    expect(t).not.toContain(ESC);
    for (const cell of [...head, ...rows.flat()].filter(Boolean)) expect(t).toContain(cell);
  });

  it('colours the borders on a terminal', () => {
    expect(renderTable(head, rows, { color: true }) as string).toContain(ESC);
  });

  it('is what the piped bench prints by default (stdout of a test is not a TTY)', () => {
    expect(process.stdout.isTTY).not.toBe(true);
    expect(renderTable(head, rows) as string).not.toContain(ESC);
  });
});
