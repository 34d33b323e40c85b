/**
 * The CLI's limit flags: `--timeout <s>` on every command that runs a guest,
 * and `--max-handles`, `--max-stream-ends`, `--max-tasks` on `run`.
 */
import { InvalidArgumentError, Option } from 'commander';
import { DEFAULT_LIMITS, LIMIT_FLAGS, type Limits } from '../canon/limits.js';

/** The CLI's default deadline, in seconds. */
export const DEFAULT_TIMEOUT_S = 30;

/** Seconds (a positive decimal, or 0 for no deadline) to milliseconds (Infinity for none). */
export function parseTimeoutSeconds(text: string): number {
  const s = text.trim();
  if (!/^\d+(\.\d+)?$/.test(s)) throw new InvalidArgumentError(`--timeout takes seconds (a number >= 0, 0 for no deadline), got '${text}'`);
  const v = Number(s);
  if (v === 0) return Infinity;
  // Rounded to what the decimal text says: 0.0000001 s is 0.0001 ms, not 0.00009999999999999999.
  return Number((v * 1000).toPrecision(15));
}

function parseLimit(flag: string): (text: string) => number {
  return (text: string) => {
    const s = text.trim();
    const v = Number(s);
    if (!/^\d+$/.test(s) || !Number.isSafeInteger(v) || v < 1) throw new InvalidArgumentError(`${flag} takes a positive integer, got '${text}'`);
    return v;
  };
}

/** `--timeout <s>`: parsed to milliseconds (Infinity for 0). */
export function timeoutOption(what: string): Option {
  return new Option('--timeout <s>', `stop ${what} still running after <s> seconds: trap \`timeout\`, exit 1 (0: no deadline)`)
    .default(DEFAULT_TIMEOUT_S * 1000, String(DEFAULT_TIMEOUT_S))
    .argParser(parseTimeoutSeconds);
}

const LIMIT_TEXT: Record<keyof Limits, string> = {
  maxHandles: 'live handles per instance',
  maxStreamEnds: 'live stream and future ends per instance',
  maxTasks: 'live tasks per instance',
};

/** `--max-handles <n>`, `--max-stream-ends <n>`, `--max-tasks <n>` (beyond them: trap `limit-exceeded`). */
export function limitOptions(): [Option, Option, Option] {
  const opt = (k: keyof Limits): Option =>
    new Option(`${LIMIT_FLAGS[k]} <n>`, `at most <n> ${LIMIT_TEXT[k]} (beyond: trap \`limit-exceeded\`)`)
      .default(DEFAULT_LIMITS[k])
      .argParser(parseLimit(LIMIT_FLAGS[k]));
  return [opt('maxHandles'), opt('maxStreamEnds'), opt('maxTasks')];
}

/** The limits from parsed options (commander's camelCase keys match `Limits`). */
export function limitsFrom(opts: Partial<Record<keyof Limits, number>>): Partial<Limits> {
  const out: Partial<Limits> = {};
  for (const k of Object.keys(LIMIT_FLAGS) as (keyof Limits)[]) if (opts[k] !== undefined) out[k] = opts[k];
  return out;
}
