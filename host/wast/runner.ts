/**
 * Runs `.wast` scripts of the component model's reference-test format on
 * the embedded component host:
 *
 *   (component $c? ...)                 define and instantiate (the current instance)
 *   (component definition $C ...)       define only
 *   (component instance $i $C)          instantiate a definition
 *   (module $m? ...)                    a core module, instantiated without imports
 *   (invoke $i? "name" value...)        call an export of the current (or named) instance
 *   (assert_return (invoke ...) value?)
 *   (assert_trap (invoke ...) "message")      also with (component ...) / (component instance ...)
 *   (assert_invalid (component ...) "message")
 *   (assert_malformed (component ...) "message")   also (component binary ...) / (component quote ...)
 *   (assert_unlinkable (component ...) "message")
 *
 * Text becomes bytes through jco's `parse` (wasm-tools); a form it rejects is
 * reported with the file's line and column. Values are the constants of
 * `values.ts`; trap messages go through the one table of `traps.ts`.
 */
import { writeSync } from 'node:fs';
import { Trap } from '../canon/errors.js';
import { Store } from '../canon/store.js';
import { loadComponent, ComponentResultError, type ComponentInstanceApi, type LoadedComponent } from '../component/api.js';
import { ComponentError } from '../component/binary/reader.js';
import { ComponentLinkError } from '../component/runtime/instantiate.js';
import { resolveJspiMode, type JspiMode } from '../canon/jspi.js';
import type { FuncType } from '../component/types.js';
import { head, parseSExprs, stringText, WastSyntaxError, type SExpr, type SList } from './sexpr.js';
import { trapCodesFor } from './traps.js';
import { fromJs, parseFloatLiteral, parseIntLiteral, parseWastVal, showJs, showWastVal, toJs, wastValEqual, WastValueError, type WastVal } from './values.js';

export interface WastResult {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** `assert_return`, `assert_trap`, ..., or the command that failed (`component`, `invoke`). */
  readonly form: string;
  readonly ok: boolean;
  /** Why it failed (`expected ... got ...`), or what was checked. */
  readonly message?: string;
  /** A host deviation the outcome depends on (no JSPI: a synchronous task cannot block). */
  readonly dependsOn?: string;
  /** The text parser (or the s-expression reader) rejected the form: `col` points at the spot. */
  readonly parseError?: boolean;
}

export interface WastReport {
  readonly file: string;
  readonly results: readonly WastResult[];
  readonly passed: number;
  readonly failed: number;
}

export interface WastOptions {
  /** Milliseconds an `invoke` may stay pending before it is reported as stuck (default 10000). */
  readonly timeoutMs?: number;
  /**
   * JSPI stack switching of the host (default `auto`: on where the engine
   * has it). On, a blocking synchronous task suspends as the spec says, and
   * no assertion depends on the host's no-JSPI deviation.
   */
  readonly jspi?: JspiMode;
}

/** A form the text parser rejected, at its position in the script. */
export class WastParseError extends Error {
  constructor(
    readonly line: number,
    readonly col: number,
    readonly reason: string,
  ) {
    super(`${line}:${col}: ${reason}`);
    this.name = 'WastParseError';
  }
}

type Outcome =
  | { readonly kind: 'value'; readonly value: WastVal | undefined; readonly shown: string; readonly core?: number | bigint }
  | { readonly kind: 'trap'; readonly trap: Trap }
  | { readonly kind: 'error'; readonly error: Error };

interface CoreInstance {
  readonly core: WebAssembly.Instance;
}
type AnyInstance = { readonly api: ComponentInstanceApi } | CoreInstance;

const DEVIATION =
  'the host has no JSPI stack switching: a synchronous task that would block traps (may-not-block/deadlock) where the spec suspends it, and code waiting lower on the stack cannot be re-entered (may-not-enter)';

/** The text of a `(component ...)` / `(module ...)` form as jco's parser should see it, at its place in the file. */
function formText(src: string, form: SList): { text: string; name?: string; quote?: boolean } {
  // Blank `definition` (a script keyword, not text format) keeping every offset.
  let body = src.slice(form.start.offset, form.end);
  let name: string | undefined;
  let i = 1;
  const a1 = form.items[1];
  if (a1?.kind === 'atom' && a1.text === 'definition') {
    const at = a1.start.offset - form.start.offset;
    body = body.slice(0, at) + ' '.repeat(a1.text.length) + body.slice(at + a1.text.length);
    i = 2;
  }
  const id = form.items[i];
  if (id?.kind === 'atom' && id.text.startsWith('$')) {
    name = id.text;
    i++;
  }
  const q = form.items[i];
  if (q?.kind === 'atom' && q.text === 'quote') {
    const parts = form.items.slice(i + 1).map((s) => (s.kind === 'string' ? (stringText(s) ?? '') : ''));
    return { text: `(${head(form)} ${parts.join(' ')})`, ...(name ? { name } : {}), quote: true };
  }
  const prefix = src.slice(0, form.start.offset).replace(/[^\n]/g, ' ');
  return { text: prefix + body, ...(name ? { name } : {}) };
}

/** jco's parse error text -> line, column (1-based, in the script) and the reason. */
function parseErrorOf(e: unknown, form: SList, quote: boolean): WastParseError {
  const s = String(e);
  const pos = /line: (\d+), col: (\d+)/.exec(s);
  const reason = /kind: Custom\("((?:[^"\\]|\\.)*)"\)/.exec(s)?.[1]?.replace(/\\(.)/g, '$1') ?? /kind: (.*?) \} ?\) ?\}/.exec(s)?.[1] ?? s.replace(/^Error: /, '');
  if (pos === null || quote) return new WastParseError(form.start.line, form.start.col, reason);
  return new WastParseError(Number(pos[1]) + 1, Number(pos[2]) + 1, reason);
}

async function toBytes(src: string, form: SList): Promise<{ bytes: Uint8Array; name?: string }> {
  const { text, name, quote } = formText(src, form);
  try {
    const { parse: parseWat } = await import('@bytecodealliance/jco'); // loaded on first use: the CLI's other commands start without it
    const bytes = await parseWat(text);
    return { bytes, ...(name ? { name } : {}) };
  } catch (e) {
    throw parseErrorOf(e, form, quote === true);
  }
}

function describeError(e: unknown): string {
  if (e instanceof Trap) return `trap [${e.code}] ${e.message.replace(/^\[[^\]]+\] /, '')}`;
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

/** Runs one script's text. `file` names it in the results. */
export async function runWast(src: string, file: string, opts: WastOptions = {}): Promise<WastReport> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const trace = process.env.WASIP3_WAST_TRACE === '1';
  const results: WastResult[] = [];
  const definitions = new Map<string, LoadedComponent>();
  const coreDefinitions = new Map<string, WebAssembly.Module>();
  const instances = new Map<string, AnyInstance>();
  let current: AnyInstance | undefined;
  /** Why the latest module/component form made no instance (later invokes say so). */
  let currentFailure: string | undefined;

  const record = (form: SList, ok: boolean, message?: string, dependsOn?: string): void => {
    results.push({
      file,
      line: form.start.line,
      col: form.start.col,
      form: head(form) ?? '?',
      ok,
      ...(message !== undefined ? { message } : {}),
      ...(dependsOn !== undefined ? { dependsOn } : {}),
    });
  };

  let forms: SList[];
  try {
    forms = parseSExprs(src);
  } catch (e) {
    if (!(e instanceof WastSyntaxError)) throw e;
    results.push({ file, line: e.pos.line, col: e.pos.col, form: 'script', ok: false, message: `the script is not well-formed: ${e.message.replace(/^\d+:\d+: /, '')}`, parseError: true });
    return summarize(file, results);
  }

  const jspi = resolveJspiMode(opts.jspi);
  const jspiMode: JspiMode = jspi ? 'on' : 'off';
  // The store's deadline (timeoutMs) also stops guest code that spins without
  // returning to the host, in an invoke, a start function or a resumed JSPI
  // thread: the trap `timeout`, where the timer below only sees calls that wait.
  const instantiate = (c: LoadedComponent, name: string | undefined): AnyInstance => ({
    api: c.instantiate({}, { name: name?.slice(1) ?? 'root', store: new Store({ jspi: jspiMode, timeoutMs }) }),
  });

  /** A module/component form: parse, load, and (unless a definition) instantiate. */
  const define = async (form: SList): Promise<void> => {
    const isDefinition = form.items[1]?.kind === 'atom' && form.items[1].text === 'definition';
    const { bytes, name } = await toBytes(src, form);
    if (head(form) === 'module') {
      const m = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
      if (name) coreDefinitions.set(name, m);
      if (isDefinition) return;
      const inst = { core: new WebAssembly.Instance(m, {}) };
      if (name) instances.set(name, inst);
      current = inst;
      return;
    }
    const c = loadComponent(bytes);
    if (name) definitions.set(name, c);
    if (isDefinition) return;
    const inst = instantiate(c, name);
    if (name) instances.set(name, inst);
    current = inst;
  };

  /** `(component instance $i $C)` / `(module instance $i $M)`. */
  const instanceOf = (form: SList): void => {
    const [, , id, def] = form.items;
    if (id?.kind !== 'atom' || def?.kind !== 'atom') throw new WastSyntaxError('bad-form', form.start, `(${head(form)} instance $name $definition) names an instance and a definition`);
    let inst: AnyInstance;
    if (head(form) === 'module') {
      const m = coreDefinitions.get(def.text);
      if (m === undefined) throw new WastSyntaxError('bad-form', def.start, `no module definition ${def.text}`);
      inst = { core: new WebAssembly.Instance(m, {}) };
    } else {
      const c = definitions.get(def.text);
      if (c === undefined) throw new WastSyntaxError('bad-form', def.start, `no component definition ${def.text}`);
      inst = instantiate(c, id.text);
    }
    instances.set(id.text, inst);
    current = inst;
  };

  const isInstanceForm = (f: SExpr): f is SList => f.kind === 'list' && f.items[1]?.kind === 'atom' && f.items[1].text === 'instance';

  /** Runs `(invoke ...)`: the outcome, never a throw (except for script errors). */
  const invoke = async (form: SList): Promise<Outcome> => {
    let k = 1;
    let inst = current;
    const a = form.items[1];
    if (a?.kind === 'atom' && a.text.startsWith('$')) {
      inst = instances.get(a.text);
      if (inst === undefined) return { kind: 'error', error: new Error(`no instance ${a.text}`) };
      k = 2;
    }
    if (inst === undefined) {
      return { kind: 'error', error: new Error(currentFailure ?? 'no instance to invoke (no component was instantiated before)') };
    }
    const n = form.items[k];
    const name = n?.kind === 'string' ? stringText(n) : undefined;
    if (name === undefined) throw new WastSyntaxError('bad-form', form.start, '(invoke $instance? "name" value...) needs an export name');
    const argForms = form.items.slice(k + 1);
    if ('core' in inst) return invokeCore(inst.core, name, argForms);
    const f = inst.api.func(name);
    const js = inst.api.exports[name] as ((...a: unknown[]) => Promise<unknown>) | undefined;
    if (f === undefined || typeof js !== 'function') return { kind: 'error', error: new Error(`the instance has no function export "${name}"`) };
    const ft: FuncType = f.ft;
    if (argForms.length !== ft.params.length) return { kind: 'error', error: new Error(`"${name}" takes ${ft.params.length} argument(s), ${argForms.length} given`) };
    const args = ft.params.map(([, t], i) => toJs(t, parseWastVal(argForms[i]!)));
    let timer: NodeJS.Timeout | undefined;
    try {
      const stuck = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the call did not settle within ${timeoutMs} ms`)), timeoutMs);
      });
      let v: unknown;
      try {
        v = await Promise.race([js(...args), stuck]);
        if (ft.result?.kind === 'result') v = { tag: 'ok', val: v };
      } catch (e) {
        if (!(e instanceof ComponentResultError) || ft.result?.kind !== 'result') throw e;
        v = { tag: 'err', val: e.payload };
      }
      if (ft.result === undefined) return { kind: 'value', value: undefined, shown: '(nothing)' };
      return { kind: 'value', value: fromJs(ft.result, v), shown: showJs(ft.result, v) };
    } catch (e) {
      if (e instanceof Trap) return { kind: 'trap', trap: e };
      return { kind: 'error', error: e as Error };
    } finally {
      clearTimeout(timer);
    }
  };

  /** An instantiation as an outcome (for assert_trap / assert_unlinkable). */
  const instantiateOutcome = async (f: SList): Promise<Outcome> => {
    try {
      if (isInstanceForm(f)) instanceOf(f);
      else await define(f);
      return { kind: 'value', value: undefined, shown: 'an instance' };
    } catch (e) {
      if (e instanceof Trap) return { kind: 'trap', trap: e };
      if (e instanceof WastSyntaxError) throw e;
      return { kind: 'error', error: e as Error };
    }
  };

  const action = async (f: SExpr | undefined, at: SList): Promise<Outcome> => {
    if (f?.kind !== 'list') throw new WastSyntaxError('bad-form', at.start, `${head(at)} needs an (invoke ...) or a component form`);
    const h = head(f);
    if (h === 'invoke') return invoke(f);
    if (h === 'component' || h === 'module') return instantiateOutcome(f);
    throw new WastSyntaxError('bad-form', f.start, `${h ?? 'this'} is not an action`);
  };

  const showOutcome = (o: Outcome): string =>
    o.kind === 'value' ? o.shown : o.kind === 'trap' ? describeError(o.trap) : describeError(o.error);

  // With JSPI the host suspends blocked tasks as the spec does: nothing depends on the deviation.
  const deviation = (o: Outcome): string | undefined =>
    !jspi &&
    o.kind === 'trap' &&
    (o.trap.code === 'may-not-block' ||
      o.trap.code === 'deadlock' ||
      (o.trap.code === 'may-not-enter' && o.trap.message.includes('needs stack switching')))
      ? DEVIATION
      : undefined;

  for (const form of forms) {
    const h = head(form);
    if (trace) writeSync(2, `${file}:${form.start.line}: ${h}\n`);
    try {
      switch (h) {
        case 'component':
        case 'module': {
          const makesInstance = !(form.items[1]?.kind === 'atom' && form.items[1].text === 'definition');
          if (makesInstance) {
            current = undefined;
            currentFailure = `the ${h} at line ${form.start.line} made no instance`;
          }
          if (isInstanceForm(form)) instanceOf(form);
          else await define(form);
          if (current !== undefined) currentFailure = undefined;
          break;
        }
        case 'invoke': {
          const o = await invoke(form);
          if (o.kind !== 'value') record(form, false, `the call failed: ${showOutcome(o)}`, deviation(o));
          break;
        }
        case 'assert_return': {
          const o = await action(form.items[1], form);
          if (o.kind === 'value' && o.core !== undefined) {
            // A core module's result: compare with a core constant (i32.const ...), as numbers.
            const want = form.items[2];
            const w = want === undefined ? undefined : coreConst(want);
            const same = typeof w === 'number' && typeof o.core === 'number' ? (Number.isNaN(w) ? Number.isNaN(o.core) : Object.is(w, o.core)) : w === o.core;
            if (form.items.length === 3 && same) record(form, true);
            else record(form, false, `expected ${want === undefined ? '(nothing)' : String(w)} got ${o.shown}`);
            break;
          }
          const expected = form.items.slice(2).map(parseWastVal);
          const want = expected.length === 0 ? '(nothing)' : expected.map(showWastVal).join(' ');
          if (o.kind !== 'value') {
            record(form, false, `expected ${want} got ${showOutcome(o)}`, deviation(o));
          } else if (expected.length > 1) {
            record(form, false, `a component function returns at most one value; ${expected.length} expected`);
          } else if (expected.length === 0 ? o.value !== undefined : o.value === undefined || !wastValEqual(expected[0]!, o.value)) {
            record(form, false, `expected ${want} got ${o.shown}`);
          } else record(form, true);
          break;
        }
        case 'assert_trap': {
          const msgNode = form.items[2];
          const msg = msgNode?.kind === 'string' ? stringText(msgNode) : undefined;
          if (msg === undefined || form.items.length !== 3) throw new WastSyntaxError('bad-form', form.start, '(assert_trap action "message")');
          const want = trapCodesFor(msg);
          const o = await action(form.items[1], form);
          if (want === undefined) {
            record(form, false, `the trap message "${msg}" has no entry in the trap table (host/wast/traps.ts); got ${showOutcome(o)}`);
          } else if (o.kind !== 'trap') {
            record(form, false, `expected a trap "${msg}" [${want.codes.join('|')}] got ${showOutcome(o)}`);
          } else if (!(want.codes as readonly string[]).includes(o.trap.code) || (want.detail !== undefined && !want.detail.test(o.trap.message))) {
            record(form, false, `expected a trap "${msg}" [${want.codes.join('|')}] got ${describeError(o.trap)}`, deviation(o));
          } else record(form, true);
          break;
        }
        case 'assert_invalid':
        case 'assert_malformed': {
          const f = form.items[1];
          if (f?.kind !== 'list' || (head(f) !== 'component' && head(f) !== 'module')) {
            throw new WastSyntaxError('bad-form', form.start, `(${h} (component ...) "message")`);
          }
          let bytes: Uint8Array;
          try {
            bytes = (await toBytes(src, f)).bytes;
          } catch (e) {
            if (!(e instanceof WastParseError)) throw e;
            record(form, true, `rejected by the text parser: ${e.reason}`);
            break;
          }
          try {
            if (head(f) === 'module') new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
            else {
              const c = loadComponent(bytes);
              // Core modules compile at instantiation: an invalid one is a ComponentError there.
              try {
                c.instantiate({});
              } catch (e) {
                if (e instanceof ComponentError) throw e;
              }
            }
            record(form, false, `expected ${h === 'assert_invalid' ? 'an invalid' : 'a malformed'} ${head(f)} to be rejected, but it loaded`);
          } catch (e) {
            if (e instanceof ComponentError || e instanceof WebAssembly.CompileError) record(form, true, describeError(e));
            else record(form, false, `expected a ComponentError, got ${describeError(e)}`);
          }
          break;
        }
        case 'assert_unlinkable': {
          const f = form.items[1];
          if (f?.kind !== 'list' || head(f) !== 'component') throw new WastSyntaxError('bad-form', form.start, '(assert_unlinkable (component ...) "message")');
          const o = await instantiateOutcome(f);
          if (o.kind === 'error' && (o.error instanceof ComponentLinkError || o.error instanceof WebAssembly.LinkError)) record(form, true, describeError(o.error));
          else record(form, false, `expected a link error got ${showOutcome(o)}`);
          break;
        }
        default:
          record(form, false, `unsupported script form (${h ?? '?'} ...)`);
      }
    } catch (e) {
      if (e instanceof WastParseError) {
        results.push({ file, line: e.line, col: e.col, form: h ?? '?', ok: false, message: `parse error: ${e.reason}`, parseError: true });
      } else if (e instanceof WastSyntaxError) {
        results.push({ file, line: e.pos.line, col: e.pos.col, form: h ?? '?', ok: false, message: e.message.replace(/^\d+:\d+: /, ''), parseError: true });
      } else if (e instanceof WastValueError) {
        record(form, false, e.message);
      } else {
        record(form, false, `${h} failed: ${describeError(e)}`);
      }
    }
  }
  return summarize(file, results);
}

/** A core module's export called with core constants (`i32.const` ...). */
function invokeCore(core: WebAssembly.Instance, name: string, argForms: readonly SExpr[]): Outcome {
  const f = core.exports[name];
  if (typeof f !== 'function') return { kind: 'error', error: new Error(`the module has no function export "${name}"`) };
  try {
    const args = argForms.map(coreConst);
    const r = (f as (...a: unknown[]) => unknown)(...args);
    if (r === undefined) return { kind: 'value', value: undefined, shown: '(nothing)' };
    if (typeof r !== 'number' && typeof r !== 'bigint') return { kind: 'error', error: new Error(`"${name}" returned ${typeof r}`) };
    return { kind: 'value', value: undefined, shown: String(r), core: r };
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) return { kind: 'trap', trap: new Trap('wasm-trap', { detail: e.message }) };
    return { kind: 'error', error: e as Error };
  }
}

function coreConst(s: SExpr): number | bigint {
  const h = head(s);
  const lit = s.kind === 'list' && s.items[1]?.kind === 'atom' ? s.items[1].text : '';
  if (h === 'i32.const') return Number(BigInt.asIntN(32, parseIntLiteral(lit) ?? 0n));
  if (h === 'i64.const') return BigInt.asIntN(64, parseIntLiteral(lit) ?? 0n);
  if (h === 'f32.const' || h === 'f64.const') return parseFloatLiteral(lit, h === 'f32.const' ? 32 : 64)?.v ?? NaN;
  throw new WastValueError('bad-constant', s.start, 'a core module takes i32/i64/f32/f64.const arguments');
}

function summarize(file: string, results: WastResult[]): WastReport {
  const passed = results.filter((r) => r.ok).length;
  return { file, results, passed, failed: results.length - passed };
}

/** One result as the CLI prints it. */
export function formatResult(r: WastResult): string {
  if (r.ok) return `${r.file}:${r.line}: ok`;
  return `${r.file}:${r.line}${r.parseError ? `:${r.col}` : ''}: FAILED: ${r.message ?? ''}${r.dependsOn ? ` (depends on a host deviation: ${r.dependsOn})` : ''}`;
}
