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
  return typeof v === 'bigint' ? `${v}n` : String(v);
}

function canonText(e: CanonEvent): string {
  const args = e.args.map(formatValue).join(', ');
  return `${e.builtin}(${args})` + (e.result === undefined ? '' : ` = ${formatValue(e.result)}`);
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

/**
 * One line per event, in trace order, e.g.
 * `  7  [task 0x1230 current] register w=3 cb_ptr=0x2010 -> prev 0x0000`.
 * The bracket shows the task installed in the event's instance slot *before*
 * the event (`[-]` when the slot is empty). A task-ABI event aimed at another
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
    const curText = cur === null ? '-' : (cur.task !== 0 ? taskLabel(e.instance, cur.task, names) : `struct ${hex(cur.struct)}`) + ' current';
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

type ColumnKind = 'importer' | 'slot' | 'task' | 'other';

interface Column {
  id: string;
  kind: ColumnKind;
  label: string;
  sub: string;
  x: number;
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

const importerId = (actor: Actor): string => `imp:${actor}`;
const taskId = (instance: string, task: number): string => `task:${instance}:${task}`;

/** A small `<text>` element. */
function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${x}" y="${y}"${attrs ? ' ' + attrs : ''}>${escapeXml(content)}</text>`;
}

/**
 * Renders the events as a self-contained SVG sequence diagram: lifelines for
 * each importer side, the slot and each task; one numbered row per event;
 * violations marked in red on their row (or listed at the bottom when they
 * have no seq).
 */
export function renderSequenceDiagram(events: readonly TraceEvent[], opts: SequenceDiagramOptions): string {
  const names = opts.taskNames;
  const sorted = sortedBySeq(events);
  const { bySeq, unanchored } = groupViolations(sorted, opts.violations);

  // --- columns -----------------------------------------------------------
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
  const slotInstances: string[] = [];
  for (const e of sorted) if (e.kind === 'slot_set' && !slotInstances.includes(e.instance)) slotInstances.push(e.instance);
  const perInstanceSlot = slotInstances.length > 1;
  const slotId = (instance: string): string => (perInstanceSlot ? `slot:${instance}` : 'slot');

  const columns: Column[] = [];
  if (perInstanceSlot) {
    for (const inst of slotInstances) columns.push({ id: slotId(inst), kind: 'slot', label: 'slot', sub: inst, x: 0 });
  } else {
    columns.push({ id: 'slot', kind: 'slot', label: 'slot', sub: 'wasip3_task_set', x: 0 });
  }
  const taskCols = new Set<string>();
  for (const e of sorted) {
    if (!isTaskAbi(e) || e.task === 0) continue;
    const id = taskId(e.instance, e.task);
    if (taskCols.has(id)) continue;
    taskCols.add(id);
    columns.push({ id, kind: 'task', label: taskLabel(e.instance, e.task, names), sub: e.instance, x: 0 });
  }

  // --- placements (needs the task columns to match canon events) ----------
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
      const col = canonColumn(e, slot, taskCols);
      if (col === 'other') needOther = true;
      p = { type: 'canon', col, label };
    } else {
      const tcol = e.task !== 0 ? taskId(e.instance, e.task) : undefined;
      switch (e.kind) {
        case 'slot_set':
          p = { type: 'arrow', from: importerFor(e.actor), to: slotId(e.instance), label, ret: false, cls: 'set' };
          break;
        case 'register':
        case 'unregister':
        case 'clone':
        case 'drop':
          if (e.kind === 'register') lastRegisterActor.set(`${e.instance}:${e.task}:${e.waitable}`, e.actor);
          p = tcol
            ? { type: 'arrow', from: importerFor(e.actor), to: tcol, label, ret: false, cls: 'call' }
            : { type: 'note', col: importerFor(e.actor), label: `${label} (no task)`, cls: 'note' };
          break;
        case 'callback': {
          const actor = lastRegisterActor.get(`${e.instance}:${e.task}:${e.waitable}`) ?? e.actor;
          p = tcol
            ? { type: 'arrow', from: tcol, to: importerFor(actor), label, ret: true, cls: 'cb' }
            : { type: 'note', col: importerFor(actor), label, cls: 'note' };
          break;
        }
        case 'task_new':
        case 'task_free':
        case 'task_exit':
          p = { type: 'note', col: tcol ?? importerFor(e.actor), label: `task ${label}`, cls: 'life' };
          break;
        case 'guest_violation':
          p = { type: 'note', col: tcol ?? importerFor(e.actor), label, cls: 'gv' };
          break;
        case 'status_new':
        case 'status_free':
          p = { type: 'note', col: importerFor(e.actor), label, cls: 'note' };
          break;
        default: {
          // A task-ABI kind this renderer does not know yet.
          const u = e as TaskAbiEvent;
          p = { type: 'note', col: tcol ?? importerFor(u.actor), label, cls: 'note' };
        }
      }
    }
    placements.push(p);
    slot.apply(e);
  }
  if (needOther) columns.push({ id: 'other', kind: 'other', label: 'canon', sub: '(no task matched)', x: 0 });
  // Importer lifelines first (guest, then host), including any a placement had to add.
  const rest = columns.filter((c) => c.kind !== 'importer');
  columns.length = 0;
  for (const a of ['guest', 'host'] as const) {
    if (actors.has(a)) columns.push({ id: importerId(a), kind: 'importer', label: `importer (${a})`, sub: '', x: 0 });
  }
  columns.push(...rest);

  // --- geometry ------------------------------------------------------------
  columns.forEach((c, i) => (c.x = GUTTER + Math.round(COL_GAP / 2) + i * COL_GAP));
  const colX = new Map(columns.map((c) => [c.id, c.x]));
  const lifeRight = GUTTER + columns.length * COL_GAP;
  const hasRowViolations = bySeq.size > 0;
  const width = lifeRight + (hasRowViolations ? VIO_W : 24);

  const headerH = opts.subtitle !== undefined ? 86 : 68;
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
  const bottomLines: string[][] = unanchored.map((v) => wrap(`${v.kind}: ${v.message}`, boxWrap));
  const bottomBoxH = unanchored.length === 0 ? 0 : 34 + bottomLines.reduce((n, l) => n + l.length, 0) * VIO_LINE + 8;
  const bottomTop = rowsBottom + 16;
  const height = bottomTop + (bottomBoxH > 0 ? bottomBoxH + 16 : 0) + 8;

  // --- lifeline state: freed tasks, installed task (activation bars) -------
  const dead = new Map<string, [number, number][]>(); // column id -> grey ranges
  const deadSince = new Map<string, number>();
  const bars: { col: string; y0: number; y1: number }[] = [];
  const openBar = new Map<string, { col: string; y0: number } | null>(); // per instance
  const slot2 = new SlotTracker();
  for (const r of rows) {
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
      slot2.apply(e);
      const open = openBar.get(e.instance);
      if (open) bars.push({ col: open.col, y0: open.y0, y1: mid });
      const t = slot2.currentTask(e.instance);
      const id = t !== 0 ? taskId(e.instance, t) : undefined;
      openBar.set(e.instance, id && colX.has(id) ? { col: id, y0: mid } : null);
    }
  }
  for (const [id, since] of deadSince) pushRange(dead, id, since, rowsBottom);
  for (const open of openBar.values()) if (open) bars.push({ col: open.col, y0: open.y0, y1: rowsBottom });

  // --- output ----------------------------------------------------------------
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${escapeXml(FONT)}" font-size="12">`,
  );
  out.push(`<title>${escapeXml(opts.title)}</title>`);
  out.push(
    '<style>' +
      'text{white-space:pre}' +
      '.lbl{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}' +
      '.seq{fill:#777;font-size:11px}' +
      '.canon{fill:#888;font-size:10px}' +
      '.life{stroke:#555;stroke-width:1}' +
      '.dead{stroke:#bbb;stroke-width:1;stroke-dasharray:3 4}' +
      '.box{fill:#f4f6fa;stroke:#445;stroke-width:1}' +
      '.call{stroke:#1f4e9a;stroke-width:1.4}' +
      '.set{stroke:#6a3d9a;stroke-width:1.4}' +
      '.cb{stroke:#1b7a3a;stroke-width:1.4;stroke-dasharray:6 3}' +
      '</style>',
  );
  out.push(
    '<defs>' +
      '<marker id="ah" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker>' +
      '</defs>',
  );
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);

  // Header: title, subtitle, verdict.
  out.push(text(16, 28, opts.title, 'font-size="18" font-weight="bold" fill="#111"'));
  let hy = 28;
  if (opts.subtitle !== undefined) {
    hy += 20;
    out.push(text(16, hy, opts.subtitle, 'font-size="12" fill="#555"'));
  }
  hy += 22;
  const n = opts.violations.length;
  const verdict = n === 0 ? 'no violations' : `${n} violation${n === 1 ? '' : 's'}: ${kindSummary(opts.violations)}`;
  out.push(
    text(16, hy, `${verdict} · ${sorted.length} event${sorted.length === 1 ? '' : 's'}`, `class="verdict" font-size="13" font-weight="bold" fill="${n === 0 ? GREEN : RED}"`),
  );

  // Row backgrounds: violation bands first, so everything else draws over them.
  for (const r of rows) {
    if (r.violations.length > 0) out.push(`<rect x="2" y="${r.y}" width="${width - 4}" height="${r.h}" fill="${RED}" fill-opacity="0.08"/>`);
  }

  // Lifelines.
  const lifeTop = boxTop + BOX_H;
  for (const c of columns) {
    const ranges = dead.get(c.id) ?? [];
    let from = lifeTop;
    for (const [a, b] of ranges) {
      if (a > from) out.push(`<line class="life" x1="${c.x}" y1="${from}" x2="${c.x}" y2="${a}"/>`);
      out.push(`<line class="dead" x1="${c.x}" y1="${a}" x2="${c.x}" y2="${b}"/>`);
      from = b;
    }
    if (from < rowsBottom) out.push(`<line class="life" x1="${c.x}" y1="${from}" x2="${c.x}" y2="${rowsBottom}"/>`);
  }
  // Activation bars: the task installed in the slot.
  for (const b of bars) {
    const x = colX.get(b.col)!;
    if (b.y1 > b.y0) out.push(`<rect x="${x - 4}" y="${b.y0}" width="8" height="${b.y1 - b.y0}" fill="#cfe0fb" stroke="#6a8fd0" stroke-width="1"/>`);
  }
  // Lifeline header boxes.
  const boxW = COL_GAP - 28;
  const boxChars = Math.floor((boxW - 10) / (12 * CHAR));
  for (const c of columns) {
    const dim = (dead.get(c.id) ?? []).some(([, b]) => b >= rowsBottom);
    out.push(`<rect class="box" x="${c.x - boxW / 2}" y="${boxTop}" width="${boxW}" height="${BOX_H}" rx="4"${dim ? ' fill-opacity="0.5"' : ''}/>`);
    out.push(text(c.x, boxTop + 16, clip(c.label, boxChars), `text-anchor="middle" font-weight="bold" fill="#222" class="lifeline-label"`));
    if (c.sub) out.push(text(c.x, boxTop + 31, clip(c.sub, boxChars + 2), 'text-anchor="middle" font-size="10" fill="#666"'));
  }

  // Rows.
  for (const r of rows) {
    const e = r.event;
    const cls = r.violations.length > 0 ? 'row violation' : 'row';
    const parts: string[] = [];
    parts.push(text(GUTTER - 10, r.y + (r.placement.type === 'canon' ? 12 : r.placement.type === 'band' ? 16 : 18), String(e.seq), 'class="seq" text-anchor="end"'));
    parts.push(...drawPlacement(r, colX, lifeRight));
    if (r.violations.length > 0) {
      const my = r.y + Math.round(r.base / 2);
      parts.push(`<circle cx="10" cy="${my}" r="5" fill="${RED}" stroke="${RED}"/>`);
      parts.push(`<line x1="16" y1="${my}" x2="${GUTTER - 30}" y2="${my}" stroke="${RED}" stroke-width="2"/>`);
      let ty = r.y + 16;
      for (const v of r.violations) {
        wrap(`${v.kind}: ${v.message}`, VIO_WRAP).forEach((line, i) => {
          parts.push(text(lifeRight + 22, ty, (i === 0 ? '✖ ' : '  ') + line, `class="vio" font-size="${VIO_FONT}" fill="${RED}"`));
          ty += VIO_LINE;
        });
      }
      parts.push(`<line x1="${lifeRight + 10}" y1="${r.y + 4}" x2="${lifeRight + 10}" y2="${r.y + r.h - 4}" stroke="${RED}" stroke-width="3"/>`);
    }
    out.push(`<g class="${cls}" data-seq="${e.seq}">${parts.join('')}</g>`);
  }

  // Violations without a row.
  if (bottomBoxH > 0) {
    const bw = width - 32;
    const parts: string[] = [];
    parts.push(`<rect x="16" y="${bottomTop}" width="${bw}" height="${bottomBoxH}" rx="4" fill="${RED}" fill-opacity="0.06" stroke="${RED}" stroke-width="1.5"/>`);
    parts.push(text(28, bottomTop + 20, `Violations not tied to an event (${unanchored.length})`, `font-weight="bold" fill="${RED}"`));
    let ty = bottomTop + 20 + 18;
    bottomLines.forEach((lines) =>
      lines.forEach((line, i) => {
        parts.push(text(28, ty, (i === 0 ? '✖ ' : '  ') + line, `class="vio" font-size="${VIO_FONT}" fill="${RED}"`));
        ty += VIO_LINE;
      }),
    );
    out.push(`<g class="unanchored">${parts.join('')}</g>`);
  }

  out.push('</svg>');
  return out.join('\n') + '\n';
}

function pushRange(map: Map<string, [number, number][]>, id: string, a: number, b: number): void {
  const list = map.get(id);
  if (list) list.push([a, b]);
  else map.set(id, [[a, b]]);
}

function trapLabel(e: TrapEvent): string {
  return `TRAP in ${e.instance}${e.task !== undefined ? ` (${e.task})` : ''}: ${e.code}${e.message ? ' — ' + e.message : ''}`;
}

function kindSummary(vs: readonly Violation[]): string {
  const counts = new Map<string, number>();
  for (const v of vs) counts.set(v.kind, (counts.get(v.kind) ?? 0) + 1);
  return [...counts].map(([k, c]) => (c === 1 ? k : `${k} ×${c}`)).join(', ');
}

/**
 * The task column a canonical built-in call belongs to: the task its `task`
 * field names (a number, decimal or `0x…`, or an `instance:task` key), else the
 * task installed in its instance's slot, else the catch-all column.
 */
function canonColumn(e: CanonEvent, slot: SlotTracker, taskCols: ReadonlySet<string>): string {
  if (e.task !== undefined) {
    const t = e.task.trim();
    const asNum = /^(0x[0-9a-f]+|\d+)$/i.test(t) ? Number(t) : NaN;
    if (!Number.isNaN(asNum) && taskCols.has(taskId(e.instance, asNum))) return taskId(e.instance, asNum);
    const m = /^(.*):(0x[0-9a-f]+|\d+)$/i.exec(t);
    if (m && taskCols.has(taskId(m[1]!, Number(m[2])))) return taskId(m[1]!, Number(m[2]));
  }
  const cur = slot.currentTask(e.instance);
  if (cur !== 0 && taskCols.has(taskId(e.instance, cur))) return taskId(e.instance, cur);
  return 'other';
}

function drawPlacement(r: Row, colX: ReadonlyMap<string, number>, lifeRight: number): string[] {
  const p = r.placement;
  const out: string[] = [];
  const ev = r.event;
  switch (p.type) {
    case 'arrow': {
      const x1 = colX.get(p.from)!;
      const x2 = colX.get(p.to)!;
      const ly = r.y + 20;
      if (x1 === x2) {
        // Same lifeline (should not happen): a small loop.
        out.push(`<path class="${p.cls}" d="M${x1},${ly - 6} h24 v8 h-20" fill="none" marker-end="url(#ah)"/>`);
        out.push(text(x1 + 30, ly, p.label, 'class="lbl" font-size="11" fill="#222"'));
        break;
      }
      const dir = x2 > x1 ? 1 : -1;
      out.push(`<line class="${p.cls}" x1="${x1 + dir * 5}" y1="${ly}" x2="${x2 - dir * 5}" y2="${ly}" marker-end="url(#ah)"/>`);
      out.push(text(Math.min(x1, x2) + 10, ly - 5, p.label, 'class="lbl" font-size="11" fill="#222"'));
      break;
    }
    case 'note': {
      const x = colX.get(p.col)!;
      const w = Math.round(p.label.length * 11 * CHAR + 12);
      const [fill, stroke, color] =
        p.cls === 'gv' ? ['#fdecea', RED, RED] : p.cls === 'life' ? ['#fff8e1', '#b08900', '#5d4600'] : ['#f1f3f4', '#999', '#333'];
      out.push(`<rect x="${x - Math.round(w / 2)}" y="${r.y + 5}" width="${w}" height="18" rx="3" fill="${fill}" stroke="${stroke}" stroke-width="1"/>`);
      out.push(text(x, r.y + 18, p.label, `text-anchor="middle" font-size="11" fill="${color}"${p.cls === 'gv' ? ' font-weight="bold"' : ''}`));
      break;
    }
    case 'canon': {
      const x = colX.get(p.col)!;
      out.push(text(x + 8, r.y + 12, clip(`${ev.instance}: ${p.label}`, 60), 'class="canon"'));
      break;
    }
    case 'band': {
      const trap = p.cls === 'trap';
      const bw = lifeRight - GUTTER + 4;
      out.push(
        `<rect x="${GUTTER - 4}" y="${r.y + 3}" width="${bw}" height="${r.base - 6}" rx="3" fill="${trap ? RED : '#e8eaed'}"${trap ? ` stroke="${RED}"` : ''}/>`,
      );
      const chars = Math.floor((bw - 20) / (11 * CHAR));
      out.push(text(GUTTER + 6, r.y + 16, clip(trap ? p.label : `▸ ${p.label}`, chars), `font-size="11" fill="${trap ? '#fff' : '#444'}"${trap ? ' font-weight="bold"' : ''}`));
      break;
    }
  }
  return out;
}
