/**
 * Human-readable renderings of a trace: an SVG sequence diagram (lifelines for
 * the importers, the `wasip3_task_set` slot and every task, one row per event)
 * and a plain-text numbered timeline for the CLI.
 *
 * Both are pure functions of their input: the same events and violations give
 * the same string, byte for byte (no clocks, no randomness, insertion-ordered
 * maps only).
 */
import type { Actor, CanonEvent, TaskAbiEvent, TraceEvent, TrapEvent } from './trace.js';
import { guestViolationNames, taskLabelName } from './trace.js';
import { hex, type Violation } from './violation.js';

export interface SequenceDiagramOptions {
  /** Shown large at the top (and as the SVG `<title>`). */
  title: string;
  /** One line under the title, e.g. the scenario and ABI version. */
  subtitle?: string;
  /** Violations found in the run; those with a `seq` are drawn on that row. */
  violations: readonly Violation[];
  /** Display names for tasks, keyed by `${instance}:${task}` (task as a number). */
  taskNames?: ReadonlyMap<string, string>;
}

export interface TimelineOptions {
  /** Display names for tasks, keyed by `${instance}:${task}`. */
  taskNames?: ReadonlyMap<string, string>;
}

// ---------------------------------------------------------------------------
// Shared helpers

/** Escapes text for XML character data and attribute values; drops characters XML 1.0 forbids. */
export function escapeXml(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (ch === '&') out += '&amp;';
    else if (ch === '<') out += '&lt;';
    else if (ch === '>') out += '&gt;';
    else if (ch === '"') out += '&quot;';
    else if (ch === "'") out += '&apos;';
    else if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0xfffe || c === 0xffff || (c >= 0xd800 && c <= 0xdfff)) out += '\ufffd';
    else out += ch;
  }
  return out;
}

const isTaskAbi = (e: TraceEvent): e is TaskAbiEvent => e.kind !== 'canon' && e.kind !== 'trap' && e.kind !== 'note';

const taskKey = (instance: string, task: number): string => `${instance}:${task}`;

function defaultTaskLabel(task: number): string {
  return `task ${hex(task)}`;
}

function taskLabel(instance: string, task: number, names: ReadonlyMap<string, string> | undefined): string {
  return names?.get(taskKey(instance, task)) ?? defaultTaskLabel(task);
}

function clip(text: string, max: number): string {
  if (max < 2) return text.slice(0, Math.max(0, max));
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

/** Greedy word wrap at `width` characters; words longer than a line are split. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (let word of para.split(/\s+/).filter((w) => w !== '')) {
      while (word.length > width) {
        if (line !== '') {
          lines.push(line);
          line = '';
        }
        lines.push(word.slice(0, width));
        word = word.slice(width);
      }
      if (line === '') line = word;
      else if (line.length + 1 + word.length <= width) line += ' ' + word;
      else {
        lines.push(line);
        line = word;
      }
    }
    lines.push(line);
  }
  return lines;
}

function formatValue(v: number | bigint): string {
  return String(v);
}

/**
 * A built-in's result: `stream.new` and `future.new` return both handles in
 * one i64 (readable | writable << 32), shown as the two handles.
 */
function formatCanonResult(builtin: string, v: number | bigint): string {
  if (/^(stream|future)\.new\b/.test(builtin)) {
    const r = BigInt(v);
    return `readable ${r & 0xffff_ffffn}, writable ${r >> 32n}`;
  }
  return formatValue(v);
}

function canonText(e: CanonEvent): string {
  const args = e.args.map(formatValue).join(', ');
  return `${e.builtin}(${args})` + (e.result === undefined ? '' : ` = ${formatCanonResult(e.builtin, e.result)}`);
}

/** The value the slot holds in one instance: null when empty. */
interface SlotValue {
  struct: number;
  /** The task (shared state `ptr`) the struct belongs to, 0 when unknown. */
  task: number;
}

/**
 * Follows `slot_set` events: which task struct is installed in each instance's
 * slot, and which task each struct address belongs to.
 */
class SlotTracker {
  private readonly structToTask = new Map<string, number>();
  private readonly current = new Map<string, SlotValue | null>();

  get(instance: string): SlotValue | null {
    return this.current.get(instance) ?? null;
  }

  /** The task (shared state) installed in `instance`'s slot, 0 when none or unknown. */
  currentTask(instance: string): number {
    return this.get(instance)?.task ?? 0;
  }

  taskOfStruct(instance: string, struct: number): number {
    return this.structToTask.get(`${instance}:${struct}`) ?? 0;
  }

  apply(e: TraceEvent): void {
    if (e.kind !== 'slot_set') return;
    if (e.ptr === 0) {
      this.current.set(e.instance, null);
      return;
    }
    const key = `${e.instance}:${e.ptr}`;
    if (e.task !== 0) this.structToTask.set(key, e.task);
    this.current.set(e.instance, { struct: e.ptr, task: e.task !== 0 ? e.task : (this.structToTask.get(key) ?? 0) });
  }
}

/** Violations grouped by the seq of an event they point at; the rest are "unanchored". */
function groupViolations(
  events: readonly TraceEvent[],
  violations: readonly Violation[],
): { bySeq: Map<number, Violation[]>; unanchored: Violation[] } {
  const seqs = new Set(events.map((e) => e.seq));
  const bySeq = new Map<number, Violation[]>();
  const unanchored: Violation[] = [];
  for (const v of violations) {
    if (v.seq !== undefined && seqs.has(v.seq)) {
      const list = bySeq.get(v.seq);
      if (list) list.push(v);
      else bySeq.set(v.seq, [v]);
    } else unanchored.push(v);
  }
  return { bySeq, unanchored };
}

function sortedBySeq(events: readonly TraceEvent[]): TraceEvent[] {
  return events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.seq - b.e.seq || a.i - b.i)
    .map(({ e }) => e);
}

/**
 * The short description of one event, without the task it happens in.
 * `arrow` is `→` for the diagram and `->` for plain text.
 */
function describe(e: TraceEvent, arrow: string, slotTask: (instance: string, struct: number) => string): string {
  switch (e.kind) {
    case 'slot_set': {
      const who = e.ptr === 0 ? '' : ` (${slotTask(e.instance, e.ptr)})`;
      return `set ${hex(e.ptr)}${who} (prev ${hex(e.extra)})`;
    }
    case 'register':
      return `register w=${e.waitable} cb_ptr=${hex(e.ptr)} ${arrow} prev ${hex(e.extra)}`;
    case 'unregister':
      return `unregister w=${e.waitable} ${arrow} prev ${hex(e.extra)}`;
    case 'clone':
      return `clone refs=${e.extra}`;
    case 'drop':
      return `drop refs=${e.extra}`;
    case 'callback':
      return `callback w=${e.waitable} code=${e.extra} cb_ptr=${hex(e.ptr)}`;
    case 'task_new':
      return `new (${taskLabelName(e.extra)})`;
    case 'task_free':
      return 'freed';
    case 'task_exit':
      return `exit refs=${e.extra}`;
    case 'status_new':
      return `status ${hex(e.ptr)} alloc`;
    case 'status_free':
      return `status ${hex(e.ptr)} freed`;
    case 'guest_violation': {
      const parts = ['guest violation'];
      if (e.waitable !== 0) parts.push(`w=${e.waitable}`);
      if (e.ptr !== 0) parts.push(`ptr=${hex(e.ptr)}`);
      if (e.extra !== 0) parts.push(guestViolationNames[e.extra] ?? `code ${e.extra}`);
      return parts.join(' ');
    }
    case 'canon':
      return canonText(e);
    case 'trap':
      return `trap ${e.code}: ${e.message}`;
    case 'note':
      return e.text;
    default: {
      // A kind this renderer does not know yet: show its raw fields.
      const u = e as TaskAbiEvent;
      return `${String(u.kind)} w=${u.waitable} ptr=${hex(u.ptr)} extra=${u.extra}`;
    }
  }
}

// ---------------------------------------------------------------------------
// Plain-text timeline

/** A host task's name without its instance's prefix: `root/run#3` in instance `root` is `run#3`. */
function hostTaskLabel(instance: string, task: string): string {
  return task.startsWith(`${instance}/`) ? task.slice(instance.length + 1) : task;
}

/**
 * One line per event, in trace order, e.g.
 * `  7  [task 0x1230 current] register w=3 cb_ptr=0x2010 -> prev 0x0000`.
 * The bracket shows the task installed in the event's instance slot *before*
 * the event (`[-]` when the slot is empty; for a canonical built-in call with
 * no task-ABI task installed, the host task that made it, e.g. `[run#3]`). A task-ABI event aimed at another
 * task than the current one says so (`on task 0x…`). Each violation follows the
 * event it points at as a `!!` line; violations without a (known) seq come last.
 */
export function renderTimeline(
  events: readonly TraceEvent[],
  violations: readonly Violation[],
  opts: TimelineOptions = {},
): string[] {
  const names = opts.taskNames;
  const sorted = sortedBySeq(events);
  const { bySeq, unanchored } = groupViolations(sorted, violations);
  const instances = new Set(sorted.map((e) => e.instance));
  const multi = instances.size > 1;
  const width = Math.max(3, String(sorted.reduce((m, e) => Math.max(m, e.seq), 0)).length); // no spread: a trace may hold 10^5+ events
  const indent = ' '.repeat(width + 2);
  const slot = new SlotTracker();
  const structName = (instance: string, struct: number): string => {
    const t = slot.taskOfStruct(instance, struct);
    return t !== 0 ? taskLabel(instance, t, names) : `struct ${hex(struct)}`;
  };
  const lines: string[] = [];
  const vLine = (v: Violation): string => `${indent}!! ${v.kind}: ${v.message}`;

  for (const e of sorted) {
    const cur = slot.get(e.instance);
    const curText =
      cur !== null ? (cur.task !== 0 ? taskLabel(e.instance, cur.task, names) : `struct ${hex(cur.struct)}`) + ' current'
      // No task-ABI task installed (a component, whose guest reports no task-ABI events): the host's task of the built-in call.
      : e.kind === 'canon' && typeof e.task === 'string' ? hostTaskLabel(e.instance, e.task)
      : '-';
    let text = describe(e, '->', (inst, struct) => {
      if (e.kind === 'slot_set' && struct === e.ptr && e.task !== 0) return taskLabel(inst, e.task, names);
      return structName(inst, struct);
    });
    if (isTaskAbi(e) && e.kind !== 'slot_set' && e.task !== 0) {
      const sameAsCurrent = cur !== null && cur.task === e.task;
      const isLifetime = e.kind === 'task_new' || e.kind === 'task_free' || e.kind === 'task_exit';
      if (isLifetime) text = `${taskLabel(e.instance, e.task, names)} ${text}`;
      else if (!sameAsCurrent) text += ` on ${taskLabel(e.instance, e.task, names)}`;
    }
    if (e.kind === 'note') text = `-- ${text} --`;
    const where = multi ? `${e.instance}: ` : '';
    lines.push(`${String(e.seq).padStart(width)}  ${where}[${curText}] ${text}`);
    slot.apply(e);
    for (const v of bySeq.get(e.seq) ?? []) lines.push(vLine(v));
  }
  for (const v of unanchored) lines.push(`${indent}!! (no event) ${v.kind}: ${v.message}`);
  return lines;
}

// ---------------------------------------------------------------------------
// SVG sequence diagram
//
// `renderSequenceDiagram` runs four stages, each its own function: the model
// (`placeEvents`: which lifelines exist and where each event goes), the
// geometry (`layout`: x of each lifeline, y of each row, the image size, from
// the measured extent of everything drawn), the lifeline state
// (`lifelineState`: freed tasks and activation bars), and the drawing
// (`drawHeader`, `drawLifelines`, `drawLifelineBoxes`, `drawRow`,
// `drawUnanchored`, ...), each drawing one part of the picture.

const RED = '#d32f2f';
const GREEN = '#2e7d32';
const FONT = 'ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace';
/** Approximate advance of one monospace character, as a fraction of the font size. */
const CHAR = 0.6;

const GUTTER = 56;
const COL_GAP = 240;
const BOX_H = 38;
const VIO_W = 470;
const VIO_FONT = 11;
const VIO_LINE = 14;
const VIO_WRAP = Math.floor((VIO_W - 56) / (VIO_FONT * CHAR));
/** Font sizes of the parts drawn. */
const TITLE_FONT = 18;
const SUBTITLE_FONT = 12;
const VERDICT_FONT = 13;
const LABEL_FONT = 11;
const CANON_FONT = 10;
/** Left edge of the header text and the right margin kept free. */
const MARGIN = 16;
/** Longest canonical built-in call label, in characters. */
const CANON_CHARS = 60;
/** Narrowest image. */
const MIN_WIDTH = 640;

type ColumnKind = 'importer' | 'slot' | 'task' | 'other';

interface Column {
  id: string;
  kind: ColumnKind;
  label: string;
  sub: string;
}

type Placement =
  | { type: 'arrow'; from: string; to: string; label: string; ret: boolean; cls: string }
  | { type: 'note'; col: string; label: string; cls: 'note' | 'gv' | 'life' }
  | { type: 'canon'; col: string; label: string }
  | { type: 'band'; label: string; cls: 'step' | 'trap' };

interface Row {
  event: TraceEvent;
  placement: Placement;
  violations: Violation[];
  y: number;
  h: number;
  /** Base height of the content part (the violation text may make the row taller). */
  base: number;
}

/** Where each event goes: the lifelines, in order, and one placement per event. */
interface DiagramModel {
  columns: Column[];
  placements: Placement[];
}

/** Where everything is: computed once from the model, read by the drawing functions. */
interface Geometry {
  colX: ReadonlyMap<string, number>;
  /** Right end of the lifeline area (rows, bands); the violation column starts here. */
  lifeRight: number;
  width: number;
  height: number;
  header: { title: string[]; subtitle: string[]; verdict: string[] };
  boxTop: number;
  rows: Row[];
  rowsBottom: number;
  bottom: { top: number; h: number; lines: string[][] };
}

const importerId = (actor: Actor): string => `imp:${actor}`;
const taskId = (instance: string, task: number): string => `task:${instance}:${task}`;

/** Width in pixels of `content` at `fontSize` (monospace estimate). */
function textWidth(content: string, fontSize: number): number {
  return [...content].length * fontSize * CHAR;
}

/** Characters of `fontSize` that fit in `px`. */
function charsIn(px: number, fontSize: number): number {
  return Math.max(1, Math.floor(px / (fontSize * CHAR)));
}

/** A small `<text>` element. */
function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${x}" y="${y}"${attrs ? ' ' + attrs : ''}>${escapeXml(content)}</text>`;
}

/**
 * Renders the events as a self-contained SVG sequence diagram: lifelines for
 * each importer side, the slot and each task; one numbered row per event;
 * violations marked in red on their row (or listed at the bottom when they
 * have no seq). Everything drawn lies inside the image.
 */
export function renderSequenceDiagram(events: readonly TraceEvent[], opts: SequenceDiagramOptions): string {
  const sorted = sortedBySeq(events);
  const { bySeq, unanchored } = groupViolations(sorted, opts.violations);
  const model = placeEvents(sorted, opts.taskNames);
  const g = layout(model, sorted, bySeq, unanchored, opts);
  const life = lifelineState(g);

  const out: string[] = [];
  out.push(...drawPrelude(g, opts.title));
  out.push(...drawHeader(g, opts.violations.length));
  out.push(...drawViolationBands(g));
  out.push(...drawLifelines(model.columns, g, life.dead));
  out.push(...drawActivationBars(g, life.bars));
  out.push(...drawLifelineBoxes(model.columns, g, life.dead));
  for (const r of g.rows) out.push(drawRow(r, g));
  out.push(...drawUnanchored(g, unanchored.length));
  out.push('</svg>');
  return out.join('\n') + '\n';
}

// --- model -------------------------------------------------------------------

/** The importer sides that need a lifeline from the start. */
function importerActors(sorted: readonly TraceEvent[]): Set<Actor> {
  const actors = new Set<Actor>();
  for (const e of sorted) {
    if (e.kind === 'register' || e.kind === 'unregister' || e.kind === 'clone' || e.kind === 'drop') actors.add(e.actor);
  }
  // Events drawn from/on an importer lifeline need one for their actor too.
  for (const e of sorted) {
    if (!isTaskAbi(e)) continue;
    const needsImporter =
      e.kind === 'slot_set' || e.kind === 'status_new' || e.kind === 'status_free' ||
      ((e.kind === 'callback' || e.kind === 'guest_violation') && actors.size === 0) ||
      (e.kind === 'guest_violation' && e.task === 0);
    if (needsImporter) actors.add(e.actor);
  }
  return actors;
}

/**
 * The task-ABI task each canonical task (`instance` + the canon task name)
 * acts for: the first task installed in the slot while that canonical task
 * called a built-in. Built-ins called while the slot is empty (the export's
 * own `[async-lift]` entry, `context.get/set` before the slot is set, the
 * callback entry) go to that task.
 */
function canonTaskOwners(sorted: readonly TraceEvent[]): Map<string, number> {
  const owners = new Map<string, number>();
  const slot = new SlotTracker();
  for (const e of sorted) {
    if (e.kind === 'canon' && e.task !== undefined) {
      const key = `${e.instance}\u0000${e.task}`;
      const cur = slot.currentTask(e.instance);
      if (cur !== 0 && !owners.has(key)) owners.set(key, cur);
    }
    slot.apply(e);
  }
  return owners;
}

/** Which lifelines there are and where each event is drawn. */
function placeEvents(sorted: readonly TraceEvent[], names: ReadonlyMap<string, string> | undefined): DiagramModel {
  const actors = importerActors(sorted);
  const slotInstances: string[] = [];
  for (const e of sorted) if (e.kind === 'slot_set' && !slotInstances.includes(e.instance)) slotInstances.push(e.instance);
  const perInstanceSlot = slotInstances.length > 1;
  const slotId = (instance: string): string => (perInstanceSlot ? `slot:${instance}` : 'slot');

  const columns: Column[] = [];
  if (perInstanceSlot) {
    for (const inst of slotInstances) columns.push({ id: slotId(inst), kind: 'slot', label: 'slot', sub: inst });
  } else {
    columns.push({ id: 'slot', kind: 'slot', label: 'slot', sub: 'wasip3_task_set' });
  }
  const taskCols = new Set<string>();
  for (const e of sorted) {
    if (!isTaskAbi(e) || e.task === 0) continue;
    const id = taskId(e.instance, e.task);
    if (taskCols.has(id)) continue;
    taskCols.add(id);
    columns.push({ id, kind: 'task', label: taskLabel(e.instance, e.task, names), sub: e.instance });
  }

  const owners = canonTaskOwners(sorted);
  const slot = new SlotTracker();
  const lastRegisterActor = new Map<string, Actor>();
  /** The importer lifeline for `actor`, else the other side's, else a new one for `actor`. */
  const importerFor = (actor: Actor): string => {
    if (actors.has(actor)) return importerId(actor);
    if (actors.size > 0) return importerId(actors.has('guest') ? 'guest' : 'host');
    actors.add(actor);
    return importerId(actor);
  };
  const structName = (instance: string, struct: number): string => {
    const t = slot.taskOfStruct(instance, struct);
    return t !== 0 ? taskLabel(instance, t, names) : `struct ${hex(struct)}`;
  };
  let needOther = false;

  const placements: Placement[] = [];
  for (const e of sorted) {
    const label = describe(e, '→', (inst, struct) =>
      e.kind === 'slot_set' && struct === e.ptr && e.task !== 0 ? taskLabel(inst, e.task, names) : structName(inst, struct),
    );
    let p: Placement;
    if (e.kind === 'note') p = { type: 'band', label, cls: 'step' };
    else if (e.kind === 'trap') p = { type: 'band', label: trapLabel(e), cls: 'trap' };
    else if (e.kind === 'canon') {
      const col = canonColumn(e, slot, taskCols, owners);
      if (col === 'other') needOther = true;
      p = { type: 'canon', col, label };
    } else p = placeTaskAbi(e, label, { importerFor, slotId, lastRegisterActor });
    placements.push(p);
    slot.apply(e);
  }
  if (needOther) columns.push({ id: 'other', kind: 'other', label: 'canon', sub: '(no task matched)' });
  // Importer lifelines first (guest, then host), including any a placement had to add.
  const importers: Column[] = [];
  for (const a of ['guest', 'host'] as const) {
    if (actors.has(a)) importers.push({ id: importerId(a), kind: 'importer', label: `importer (${a})`, sub: '' });
  }
  return { columns: [...importers, ...columns], placements };
}

/** Where a task-ABI event goes: an arrow between an importer and a task, or a note on a lifeline. */
function placeTaskAbi(
  e: TaskAbiEvent,
  label: string,
  ctx: { importerFor(actor: Actor): string; slotId(instance: string): string; lastRegisterActor: Map<string, Actor> },
): Placement {
  const tcol = e.task !== 0 ? taskId(e.instance, e.task) : undefined;
  const { importerFor } = ctx;
  switch (e.kind) {
    case 'slot_set':
      return { type: 'arrow', from: importerFor(e.actor), to: ctx.slotId(e.instance), label, ret: false, cls: 'set' };
    case 'register':
    case 'unregister':
    case 'clone':
    case 'drop':
      if (e.kind === 'register') ctx.lastRegisterActor.set(`${e.instance}:${e.task}:${e.waitable}`, e.actor);
      return tcol
        ? { type: 'arrow', from: importerFor(e.actor), to: tcol, label, ret: false, cls: 'call' }
        : { type: 'note', col: importerFor(e.actor), label: `${label} (no task)`, cls: 'note' };
    case 'callback': {
      const actor = ctx.lastRegisterActor.get(`${e.instance}:${e.task}:${e.waitable}`) ?? e.actor;
      return tcol
        ? { type: 'arrow', from: tcol, to: importerFor(actor), label, ret: true, cls: 'cb' }
        : { type: 'note', col: importerFor(actor), label, cls: 'note' };
    }
    case 'task_new':
    case 'task_free':
    case 'task_exit':
      return { type: 'note', col: tcol ?? importerFor(e.actor), label: `task ${label}`, cls: 'life' };
    case 'guest_violation':
      return { type: 'note', col: tcol ?? importerFor(e.actor), label, cls: 'gv' };
    case 'status_new':
    case 'status_free':
      return { type: 'note', col: importerFor(e.actor), label, cls: 'note' };
    default:
      // A task-ABI kind this renderer does not know yet.
      return { type: 'note', col: tcol ?? importerFor(e.actor), label, cls: 'note' };
  }
}

/**
 * The task column a canonical built-in call belongs to: the task its `task`
 * field names (a number, decimal or `0x…`, or an `instance:task` key), else the
 * task installed in its instance's slot, else the task its canonical task acts
 * for (`canonTaskOwners`), else the catch-all column.
 */
function canonColumn(e: CanonEvent, slot: SlotTracker, taskCols: ReadonlySet<string>, owners: ReadonlyMap<string, number>): string {
  if (e.task !== undefined) {
    const t = e.task.trim();
    const asNum = /^(0x[0-9a-f]+|\d+)$/i.test(t) ? Number(t) : NaN;
    if (!Number.isNaN(asNum) && taskCols.has(taskId(e.instance, asNum))) return taskId(e.instance, asNum);
    const m = /^(.*):(0x[0-9a-f]+|\d+)$/i.exec(t);
    if (m && taskCols.has(taskId(m[1]!, Number(m[2])))) return taskId(m[1]!, Number(m[2]));
  }
  const cur = slot.currentTask(e.instance);
  if (cur !== 0 && taskCols.has(taskId(e.instance, cur))) return taskId(e.instance, cur);
  if (e.task !== undefined) {
    const owner = owners.get(`${e.instance}\u0000${e.task}`);
    if (owner !== undefined && taskCols.has(taskId(e.instance, owner))) return taskId(e.instance, owner);
  }
  return 'other';
}

function trapLabel(e: TrapEvent): string {
  return `TRAP in ${e.instance}${e.task !== undefined ? ` (${e.task})` : ''}: ${e.code}${e.message ? ' — ' + e.message : ''}`;
}

function kindSummary(vs: readonly Violation[]): string {
  const counts = new Map<string, number>();
  for (const v of vs) counts.set(v.kind, (counts.get(v.kind) ?? 0) + 1);
  return [...counts].map(([k, c]) => (c === 1 ? k : `${k} ×${c}`)).join(', ');
}

// --- geometry ----------------------------------------------------------------

/** The text a canonical built-in call row shows. */
function canonRowText(ev: TraceEvent, label: string): string {
  return clip(`${ev.instance}: ${label}`, CANON_CHARS);
}

/** Pixels a note box takes: its label plus padding. */
function noteWidth(label: string): number {
  return Math.round(textWidth(label, LABEL_FONT) + 12);
}

/** The rightmost x a placement draws at, with lifelines at `colX` (bands stretch, so they do not count). */
function placementRight(p: Placement, colX: ReadonlyMap<string, number>): number {
  switch (p.type) {
    case 'arrow': {
      const x1 = colX.get(p.from)!;
      const x2 = colX.get(p.to)!;
      if (x1 === x2) return x1 + 30 + textWidth(p.label, LABEL_FONT);
      return Math.max(x1, x2, Math.min(x1, x2) + 10 + textWidth(p.label, LABEL_FONT));
    }
    case 'note':
      return noteX(p, colX) + Math.ceil(noteWidth(p.label) / 2);
    case 'canon':
      return 0; // measured with its row's text in `layout`
    case 'band':
      return 0;
  }
}

/** The centre of a note: on its lifeline, moved right when the box would cross the left edge. */
function noteX(p: Placement & { type: 'note' }, colX: ReadonlyMap<string, number>): number {
  const x = colX.get(p.col)!;
  return Math.max(x, 4 + Math.ceil(noteWidth(p.label) / 2));
}

/** The header lines: title, subtitle and verdict, each wrapped to `width`. */
function headerLines(opts: SequenceDiagramOptions, events: number, width: number): Geometry['header'] {
  const n = opts.violations.length;
  const verdict = n === 0 ? 'no violations' : `${n} violation${n === 1 ? '' : 's'}: ${kindSummary(opts.violations)}`;
  const room = width - 2 * MARGIN;
  return {
    title: wrap(opts.title, charsIn(room, TITLE_FONT)),
    subtitle: opts.subtitle === undefined ? [] : wrap(opts.subtitle, charsIn(room, SUBTITLE_FONT)),
    verdict: wrap(`${verdict} · ${events} event${events === 1 ? '' : 's'}`, charsIn(room, VERDICT_FONT)),
  };
}

const TITLE_LINE = 22;
const SUBTITLE_LINE = 16;
const VERDICT_LINE = 18;

/**
 * Lifeline x positions, row heights, the image size: the lifeline area is
 * widened until every row's label fits in it, so nothing runs past the edge.
 */
function layout(
  model: DiagramModel,
  sorted: readonly TraceEvent[],
  bySeq: ReadonlyMap<number, Violation[]>,
  unanchored: readonly Violation[],
  opts: SequenceDiagramOptions,
): Geometry {
  const { columns, placements } = model;
  const colX = new Map(columns.map((c, i) => [c.id, GUTTER + Math.round(COL_GAP / 2) + i * COL_GAP]));
  let contentRight = GUTTER + columns.length * COL_GAP;
  placements.forEach((p, i) => {
    const right = p.type === 'canon' ? colX.get(p.col)! + 8 + textWidth(canonRowText(sorted[i]!, p.label), CANON_FONT) : placementRight(p, colX);
    contentRight = Math.max(contentRight, Math.ceil(right) + 12);
  });
  const lifeRight = contentRight;
  const hasRowViolations = bySeq.size > 0;
  const width = Math.max(MIN_WIDTH, lifeRight + (hasRowViolations ? VIO_W : 24));

  const header = headerLines(opts, sorted.length, width);
  // Baselines: the title's first line at 28, then each line below the last.
  const headerH = 28 + (header.title.length - 1) * TITLE_LINE + header.subtitle.length * SUBTITLE_LINE + 4 + header.verdict.length * VERDICT_LINE + 18;
  const boxTop = headerH;
  const rowsTop = boxTop + BOX_H + 14;

  const rows: Row[] = [];
  let y = rowsTop;
  sorted.forEach((event, i) => {
    const placement = placements[i]!;
    const base = placement.type === 'canon' ? 16 : placement.type === 'band' ? 24 : 28;
    const vs = bySeq.get(event.seq) ?? [];
    const vLines = vs.reduce((n, v) => n + wrap(`${v.kind}: ${v.message}`, VIO_WRAP).length, 0);
    const h = Math.max(base, vLines > 0 ? 10 + vLines * VIO_LINE : 0);
    rows.push({ event, placement, violations: vs, y, h, base });
    y += h;
  });
  const rowsBottom = y + 12;

  // Bottom box: violations not tied to a row.
  const boxWrap = Math.max(20, Math.floor((width - 60) / (VIO_FONT * CHAR)));
  const lines: string[][] = unanchored.map((v) => wrap(`${v.kind}: ${v.message}`, boxWrap));
  const bottomH = unanchored.length === 0 ? 0 : 34 + lines.reduce((n, l) => n + l.length, 0) * VIO_LINE + 8;
  const bottomTop = rowsBottom + 16;
  const height = bottomTop + (bottomH > 0 ? bottomH + 16 : 0) + 8;
  return { colX, lifeRight, width, height, header, boxTop, rows, rowsBottom, bottom: { top: bottomTop, h: bottomH, lines } };
}

// --- lifeline state ------------------------------------------------------------

/** Where each task lifeline is dashed (the task was freed) and the activation bars (the task installed in the slot). */
function lifelineState(g: Geometry): { dead: Map<string, [number, number][]>; bars: { col: string; y0: number; y1: number }[] } {
  const dead = new Map<string, [number, number][]>(); // column id -> grey ranges
  const deadSince = new Map<string, number>();
  const bars: { col: string; y0: number; y1: number }[] = [];
  const openBar = new Map<string, { col: string; y0: number } | null>(); // per instance
  const slot = new SlotTracker();
  for (const r of g.rows) {
    const e = r.event;
    const mid = r.y + Math.round(r.base / 2);
    if (isTaskAbi(e) && e.task !== 0) {
      const id = taskId(e.instance, e.task);
      if (e.kind === 'task_free' && !deadSince.has(id)) deadSince.set(id, mid);
      else if (e.kind === 'task_new' && deadSince.has(id)) {
        pushRange(dead, id, deadSince.get(id)!, r.y);
        deadSince.delete(id);
      }
    }
    if (e.kind === 'slot_set') {
      slot.apply(e);
      const open = openBar.get(e.instance);
      if (open) bars.push({ col: open.col, y0: open.y0, y1: mid });
      const t = slot.currentTask(e.instance);
      const id = t !== 0 ? taskId(e.instance, t) : undefined;
      openBar.set(e.instance, id && g.colX.has(id) ? { col: id, y0: mid } : null);
    }
  }
  for (const [id, since] of deadSince) pushRange(dead, id, since, g.rowsBottom);
  for (const open of openBar.values()) if (open) bars.push({ col: open.col, y0: open.y0, y1: g.rowsBottom });
  return { dead, bars };
}

function pushRange(map: Map<string, [number, number][]>, id: string, a: number, b: number): void {
  const list = map.get(id);
  if (list) list.push([a, b]);
  else map.set(id, [[a, b]]);
}

// --- drawing -------------------------------------------------------------------

/** The `<svg>` element, title, styles, arrow marker and background. */
function drawPrelude(g: Geometry, title: string): string[] {
  const { width, height } = g;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${escapeXml(FONT)}" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    '<style>' +
      'text{white-space:pre}' +
      '.lbl{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}' +
      `.seq{fill:#777;font-size:${LABEL_FONT}px}` +
      `.canon{fill:#888;font-size:${CANON_FONT}px}` +
      '.life{stroke:#555;stroke-width:1}' +
      '.dead{stroke:#bbb;stroke-width:1;stroke-dasharray:3 4}' +
      '.box{fill:#f4f6fa;stroke:#445;stroke-width:1}' +
      '.call{stroke:#1f4e9a;stroke-width:1.4}' +
      '.set{stroke:#6a3d9a;stroke-width:1.4}' +
      '.cb{stroke:#1b7a3a;stroke-width:1.4;stroke-dasharray:6 3}' +
      '</style>',
    '<defs>' +
      '<marker id="ah" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker>' +
      '</defs>',
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
}

/** Title, subtitle and verdict, wrapped to the image width. */
function drawHeader(g: Geometry, violations: number): string[] {
  const out: string[] = [];
  let y = 28;
  g.header.title.forEach((line, i) => {
    if (i > 0) y += TITLE_LINE;
    out.push(text(MARGIN, y, line, `font-size="${TITLE_FONT}" font-weight="bold" fill="#111"`));
  });
  for (const line of g.header.subtitle) {
    y += SUBTITLE_LINE;
    out.push(text(MARGIN, y, line, `class="subtitle" font-size="${SUBTITLE_FONT}" fill="#555"`));
  }
  y += 4;
  for (const line of g.header.verdict) {
    y += VERDICT_LINE;
    out.push(text(MARGIN, y, line, `class="verdict" font-size="${VERDICT_FONT}" font-weight="bold" fill="${violations === 0 ? GREEN : RED}"`));
  }
  return out;
}

/** The red background of rows with a violation (drawn first, so everything else draws over it). */
function drawViolationBands(g: Geometry): string[] {
  return g.rows
    .filter((r) => r.violations.length > 0)
    .map((r) => `<rect x="2" y="${r.y}" width="${g.width - 4}" height="${r.h}" fill="${RED}" fill-opacity="0.08"/>`);
}

/** One vertical line per column, dashed where the task was freed. */
function drawLifelines(columns: readonly Column[], g: Geometry, dead: ReadonlyMap<string, [number, number][]>): string[] {
  const out: string[] = [];
  const top = g.boxTop + BOX_H;
  for (const c of columns) {
    const x = g.colX.get(c.id)!;
    let from = top;
    for (const [a, b] of dead.get(c.id) ?? []) {
      if (a > from) out.push(`<line class="life" x1="${x}" y1="${from}" x2="${x}" y2="${a}"/>`);
      out.push(`<line class="dead" x1="${x}" y1="${a}" x2="${x}" y2="${b}"/>`);
      from = b;
    }
    if (from < g.rowsBottom) out.push(`<line class="life" x1="${x}" y1="${from}" x2="${x}" y2="${g.rowsBottom}"/>`);
  }
  return out;
}

/** Activation bars: the task installed in the slot. */
function drawActivationBars(g: Geometry, bars: readonly { col: string; y0: number; y1: number }[]): string[] {
  const out: string[] = [];
  for (const b of bars) {
    const x = g.colX.get(b.col)!;
    if (b.y1 > b.y0) out.push(`<rect x="${x - 4}" y="${b.y0}" width="8" height="${b.y1 - b.y0}" fill="#cfe0fb" stroke="#6a8fd0" stroke-width="1"/>`);
  }
  return out;
}

/** The box at the top of each lifeline with its name (dimmed for a task freed at the end). */
function drawLifelineBoxes(columns: readonly Column[], g: Geometry, dead: ReadonlyMap<string, [number, number][]>): string[] {
  const out: string[] = [];
  const boxW = COL_GAP - 28;
  const boxChars = Math.floor((boxW - 10) / (12 * CHAR));
  for (const c of columns) {
    const x = g.colX.get(c.id)!;
    const dim = (dead.get(c.id) ?? []).some(([, b]) => b >= g.rowsBottom);
    out.push(`<rect class="box" x="${x - boxW / 2}" y="${g.boxTop}" width="${boxW}" height="${BOX_H}" rx="4"${dim ? ' fill-opacity="0.5"' : ''}/>`);
    out.push(text(x, g.boxTop + 16, clip(c.label, boxChars), `text-anchor="middle" font-weight="bold" fill="#222" class="lifeline-label"`));
    if (c.sub) out.push(text(x, g.boxTop + 31, clip(c.sub, boxChars + 2), 'text-anchor="middle" font-size="10" fill="#666"'));
  }
  return out;
}

/** One event's row: its number, what it draws, and its violations in the right-hand column. */
function drawRow(r: Row, g: Geometry): string {
  const cls = r.violations.length > 0 ? 'row violation' : 'row';
  const parts: string[] = [];
  parts.push(text(GUTTER - 10, r.y + (r.placement.type === 'canon' ? 12 : r.placement.type === 'band' ? 16 : 18), String(r.event.seq), 'class="seq" text-anchor="end"'));
  parts.push(...drawPlacement(r, g));
  if (r.violations.length > 0) parts.push(...drawRowViolations(r, g.lifeRight));
  return `<g class="${cls}" data-seq="${r.event.seq}">${parts.join('')}</g>`;
}

/** A red marker in the gutter and the violation texts to the right of the lifelines. */
function drawRowViolations(r: Row, lifeRight: number): string[] {
  const out: string[] = [];
  const my = r.y + Math.round(r.base / 2);
  out.push(`<circle cx="10" cy="${my}" r="5" fill="${RED}" stroke="${RED}"/>`);
  out.push(`<line x1="16" y1="${my}" x2="${GUTTER - 30}" y2="${my}" stroke="${RED}" stroke-width="2"/>`);
  let ty = r.y + 16;
  for (const v of r.violations) {
    wrap(`${v.kind}: ${v.message}`, VIO_WRAP).forEach((line, i) => {
      out.push(text(lifeRight + 22, ty, (i === 0 ? '✖ ' : '  ') + line, `class="vio" font-size="${VIO_FONT}" fill="${RED}"`));
      ty += VIO_LINE;
    });
  }
  out.push(`<line x1="${lifeRight + 10}" y1="${r.y + 4}" x2="${lifeRight + 10}" y2="${r.y + r.h - 4}" stroke="${RED}" stroke-width="3"/>`);
  return out;
}

/** What one event draws: an arrow, a note, a built-in call or a band across the lifelines. */
function drawPlacement(r: Row, g: Geometry): string[] {
  const p = r.placement;
  const out: string[] = [];
  const { colX } = g;
  switch (p.type) {
    case 'arrow': {
      const x1 = colX.get(p.from)!;
      const x2 = colX.get(p.to)!;
      const ly = r.y + 20;
      if (x1 === x2) {
        // Same lifeline (should not happen): a small loop.
        out.push(`<path class="${p.cls}" d="M${x1},${ly - 6} h24 v8 h-20" fill="none" marker-end="url(#ah)"/>`);
        out.push(text(x1 + 30, ly, p.label, `class="lbl" font-size="${LABEL_FONT}" fill="#222"`));
        break;
      }
      const dir = x2 > x1 ? 1 : -1;
      out.push(`<line class="${p.cls}" x1="${x1 + dir * 5}" y1="${ly}" x2="${x2 - dir * 5}" y2="${ly}" marker-end="url(#ah)"/>`);
      out.push(text(Math.min(x1, x2) + 10, ly - 5, p.label, `class="lbl" font-size="${LABEL_FONT}" fill="#222"`));
      break;
    }
    case 'note': {
      const x = noteX(p, colX);
      const w = noteWidth(p.label);
      const [fill, stroke, color] =
        p.cls === 'gv' ? ['#fdecea', RED, RED] : p.cls === 'life' ? ['#fff8e1', '#b08900', '#5d4600'] : ['#f1f3f4', '#999', '#333'];
      out.push(`<rect x="${x - Math.round(w / 2)}" y="${r.y + 5}" width="${w}" height="18" rx="3" fill="${fill}" stroke="${stroke}" stroke-width="1"/>`);
      out.push(text(x, r.y + 18, p.label, `text-anchor="middle" font-size="${LABEL_FONT}" fill="${color}"${p.cls === 'gv' ? ' font-weight="bold"' : ''}`));
      break;
    }
    case 'canon': {
      const x = colX.get(p.col)!;
      out.push(text(x + 8, r.y + 12, canonRowText(r.event, p.label), 'class="canon"'));
      break;
    }
    case 'band': {
      const trap = p.cls === 'trap';
      const bw = g.lifeRight - GUTTER + 4;
      out.push(
        `<rect x="${GUTTER - 4}" y="${r.y + 3}" width="${bw}" height="${r.base - 6}" rx="3" fill="${trap ? RED : '#e8eaed'}"${trap ? ` stroke="${RED}"` : ''}/>`,
      );
      const chars = charsIn(bw - 20, LABEL_FONT);
      out.push(text(GUTTER + 6, r.y + 16, clip(trap ? p.label : `▸ ${p.label}`, chars), `font-size="${LABEL_FONT}" fill="${trap ? '#fff' : '#444'}"${trap ? ' font-weight="bold"' : ''}`));
      break;
    }
  }
  return out;
}

/** The box under the rows listing the violations that point at no event. */
function drawUnanchored(g: Geometry, count: number): string[] {
  const { top, h, lines } = g.bottom;
  if (h === 0) return [];
  const parts: string[] = [];
  parts.push(`<rect x="16" y="${top}" width="${g.width - 32}" height="${h}" rx="4" fill="${RED}" fill-opacity="0.06" stroke="${RED}" stroke-width="1.5"/>`);
  parts.push(text(28, top + 20, `Violations not tied to an event (${count})`, `font-weight="bold" fill="${RED}"`));
  let ty = top + 20 + 18;
  for (const block of lines) {
    block.forEach((line, i) => {
      parts.push(text(28, ty, (i === 0 ? '✖ ' : '  ') + line, `class="vio" font-size="${VIO_FONT}" fill="${RED}"`));
      ty += VIO_LINE;
    });
  }
  return [`<g class="unanchored">${parts.join('')}</g>`];
}
