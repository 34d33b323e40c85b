/**
 * The table of async trap rules (test/wast/trap-rules.ts) cannot rot: every
 * location it names is an `assert_trap` whose message means the listed trap
 * code (test/wast.test.ts runs those assertions and checks they pass), and
 * every trap code the async built-ins' sources use is accounted for.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TRAP_RULES } from '../host/canon/errors.js';
import { head, parseSExprs, stringText, type SList } from '../host/wast/sexpr.js';
import { trapCodesFor } from '../host/wast/traps.js';
import { ASYNC_SOURCES, HOST_ONLY, TRAP_RULES_ASYNC } from './wast/trap-rules.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const forms = new Map<string, SList[]>();
const formsOf = (file: string): SList[] => {
  let f = forms.get(file);
  if (f === undefined) {
    // `wast-jspi/x.wast`: test/wast-jspi (JSPI mode); otherwise test/wast.
    const path = file.startsWith('wast-jspi/') ? join(root, 'test', file) : join(root, 'test/wast', file);
    forms.set(file, (f = parseSExprs(readFileSync(path, 'utf8'))));
  }
  return f;
};

/** The trap codes the `assert_trap` starting at `file:line` accepts. */
function codesAt(at: string): readonly string[] {
  const [file, line] = at.split(':');
  const form = formsOf(file!).find((f) => f.start.line === Number(line));
  if (form === undefined || head(form) !== 'assert_trap') throw new Error(`${at} is not the line of an (assert_trap ...) form`);
  const msg = form.items[2];
  const text = msg?.kind === 'string' ? stringText(msg) : undefined;
  if (text === undefined) throw new Error(`${at}: the assert_trap has no message`);
  const want = trapCodesFor(text);
  if (want === undefined) throw new Error(`${at}: the message "${text}" is not in the trap table`);
  return want.codes;
}

describe('the async trap rules of definitions.py and their assert_traps', () => {
  it('lists rules, each with assert_traps or the reason none can exist here', () => {
    expect(TRAP_RULES_ASYNC.length).toBeGreaterThan(80);
    for (const r of TRAP_RULES_ASYNC) {
      const has = (r.checks?.length ?? 0) > 0;
      expect(has !== (r.unreachable !== undefined), `${r.fn}: ${r.cond}`).toBe(true);
    }
    const reachable = TRAP_RULES_ASYNC.filter((r) => r.checks !== undefined).length;
    expect(reachable).toBeGreaterThan(60);
    // with JSPI (test/wast-jspi) every rule but the host's handle cap has a script
    expect(TRAP_RULES_ASYNC.filter((r) => r.unreachable !== undefined).map((r) => `${r.fn}: ${r.unreachable!.why}`)).toEqual(['Table.add: host-limit']);
  });

  it('each location is an assert_trap whose message means the listed code', () => {
    const wrong: string[] = [];
    for (const r of TRAP_RULES_ASYNC) {
      for (const c of r.checks ?? []) {
        expect(c.code in TRAP_RULES, c.code).toBe(true);
        try {
          const codes = codesAt(c.at);
          if (!codes.includes(c.code)) wrong.push(`${c.at} (${r.fn}: ${r.cond}) accepts [${codes.join('|')}], not ${c.code}`);
        } catch (e) {
          wrong.push(`${(e as Error).message} (${r.fn}: ${r.cond})`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('every trap code the async built-ins use is a listed rule\'s code or a host-only code with its test', () => {
    const listed = new Set<string>([
      ...TRAP_RULES_ASYNC.flatMap((r) => (r.checks ?? []).map((c) => c.code)),
      ...TRAP_RULES_ASYNC.flatMap((r) => (r.unreachable?.code !== undefined ? [r.unreachable.code] : [])),
      ...HOST_ONLY.map((h) => h.code),
    ]);
    const missing: string[] = [];
    for (const f of ASYNC_SOURCES) {
      const src = readFileSync(join(root, f), 'utf8');
      for (const m of src.matchAll(/'([a-z][a-z-]*)'/g)) {
        const code = m[1]!;
        if (code in TRAP_RULES && !listed.has(code)) missing.push(`${f}: ${code}`);
      }
    }
    expect(missing).toEqual([]);
    for (const h of HOST_ONLY) {
      if (h.test === undefined) continue;
      expect(existsSync(join(root, h.test)), h.test).toBe(true);
      expect(readFileSync(join(root, h.test), 'utf8'), `${h.test} names ${h.code}`).toContain(h.code);
    }
  });

  it('catches a location that is not an assert_trap of the code', () => {
    expect(() => codesAt('tasks.wast:1')).toThrow(/not the line of an \(assert_trap/);
    expect(codesAt('tasks.wast:175')).toEqual(['task-return-twice']);
  });
});
