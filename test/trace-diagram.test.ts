import { describe, expect, it } from 'vitest';
import { Trace, type TaskAbiEvent, type TraceEvent } from '../host/trace/trace.js';
import type { Violation } from '../host/trace/violation.js';
import { escapeXml, renderSequenceDiagram, renderTimeline } from '../host/trace/diagram.js';

const INST = 'guest-a';
const TASK_A = 0x1230;
const TASK_B = 0x1450;
const STRUCT_A = 0x1100;
const STRUCT_B = 0x1300;
const STATUS_1 = 0x2010;
const STATUS_2 = 0x2040;
const W = 3;

type AbiFields = Omit<TaskAbiEvent, 'seq' | 'kind' | 'instance' | 'actor'>;

function abi(t: Trace, kind: TaskAbiEvent['kind'], f: Partial<AbiFields>): number {
  t.push({ kind, instance: INST, actor: 'guest', task: 0, waitable: 0, ptr: 0, extra: 0, ...f });
  return t.events[t.events.length - 1]!.seq;
}

/** A small #1618-shaped run: register in A, switch to B, register in B, callback, free, stale register in A. */
function buildTrace() {
  const t = new Trace(true);
  t.note(INST, 'step 1: <write> & poll in E');
  const newA = abi(t, 'task_new', { task: TASK_A, extra: 1 });
  const setA = abi(t, 'slot_set', { task: TASK_A, ptr: STRUCT_A, extra: 0 });
  abi(t, 'status_new', { ptr: STATUS_1 });
  const regA = abi(t, 'register', { task: TASK_A, waitable: W, ptr: STATUS_1, extra: 0 });
  const newB = abi(t, 'task_new', { task: TASK_B, extra: 1 });
  const setB = abi(t, 'slot_set', { task: TASK_B, ptr: STRUCT_B, extra: STRUCT_A });
  const regB = abi(t, 'register', { task: TASK_B, waitable: W, ptr: STATUS_1, extra: 0 });
  t.push({ kind: 'canon', instance: INST, task: undefined, builtin: 'waitable-set.wait', args: [1, 64], result: 3 });
  const cb = abi(t, 'callback', { task: TASK_B, waitable: W, ptr: STATUS_1, extra: 0 });
  const free = abi(t, 'status_free', { ptr: STATUS_1 });
  const back = abi(t, 'slot_set', { task: TASK_A, ptr: STRUCT_A, extra: STRUCT_B });
  abi(t, 'status_new', { ptr: STATUS_2 });
  const stale = abi(t, 'register', { task: TASK_A, waitable: W, ptr: STATUS_2, extra: STATUS_1 });
  const clear = abi(t, 'slot_set', { task: 0, ptr: 0, extra: STRUCT_A });
  const freeB = abi(t, 'task_free', { task: TASK_B });
  const violations: Violation[] = [
    {
      kind: 'stale-registration',
      instance: INST,
      task: TASK_A,
      waitable: W,
      ptr: STATUS_1,
      seq: stale,
      message: `waitable_register returned stale prev 0x2010 <freed> & not ours`,
    },
    {
      kind: 'registration-left-behind',
      instance: INST,
      task: TASK_A,
      waitable: W,
      ptr: STATUS_2,
      message: 'task A never unregistered w=3',
    },
  ];
  return { t, violations, seqs: { newA, setA, regA, newB, setB, regB, cb, free, back, stale, clear, freeB } };
}

/** A tiny well-formedness check: tags nest and close properly, no stray `<` or `&`. */
function checkXml(svg: string): void {
  const stack: string[] = [];
  const tagRe = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = tagRe.exec(svg)) !== null) {
    const between = svg.slice(last, m.index);
    expect(between, `text before ${m[0]}`).not.toMatch(/[<>]/);
    expect(between).not.toMatch(/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/i);
    const [, close, name, , selfClose] = m;
    if (close) expect(stack.pop(), `closing </${name}>`).toBe(name);
    else if (!selfClose) stack.push(name!);
    last = tagRe.lastIndex;
  }
  expect(svg.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
}

function rowGroup(svg: string, seq: number): string {
  const m = new RegExp(`<g class="row[^"]*" data-seq="${seq}">([\\s\\S]*?)</g>`).exec(svg);
  expect(m, `row group for seq ${seq}`).not.toBeNull();
  return m![1]!;
}

describe('renderSequenceDiagram', () => {
  const { t, violations, seqs } = buildTrace();
  const taskNames = new Map([[`${INST}:${TASK_A}`, 'E (run)']]);
  const svg = renderSequenceDiagram(t.events, { title: 'issue #1618 <V1>', subtitle: 'abi=v1', violations, taskNames });

  it('is a well-formed standalone SVG document', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    checkXml(svg);
    expect(svg.match(/<text\b/g)!.length).toBe(svg.match(/<\/text>/g)!.length);
    // Self-contained: no external references.
    expect(svg).not.toMatch(/<script|@import|xlink:href|href="http|url\(http/);
    expect(svg).toMatch(/font-family="[^"]*monospace/);
  });

  it('has lifelines for the importer, the slot and both tasks, named from taskNames or by hex', () => {
    const labels = [...svg.matchAll(/<text[^>]*class="lifeline-label"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(labels).toEqual(['importer (guest)', 'slot', 'E (run)', 'task 0x1450']);
    expect(svg).toContain(`>${INST}</text>`);
  });

  it('draws one numbered row per event, in order', () => {
    const rows = [...svg.matchAll(/<g class="row[^"]*" data-seq="(\d+)">/g)].map((m) => Number(m[1]));
    expect(rows).toEqual(t.events.map((e) => e.seq));
    expect(rowGroup(svg, seqs.setB)).toContain('set 0x1300 (task 0x1450) (prev 0x1100)');
    expect(rowGroup(svg, seqs.regA)).toContain('register w=3 cb_ptr=0x2010 → prev 0x0000');
    expect(rowGroup(svg, seqs.cb)).toContain('callback w=3 code=0 cb_ptr=0x2010');
    expect(rowGroup(svg, seqs.free)).toContain('status 0x2010 freed');
    expect(rowGroup(svg, seqs.regA)).toMatch(/class="seq"[^>]*>\d+<\/text>/);
  });

  it('shows the violation message on its row next to a red marker', () => {
    const row = rowGroup(svg, seqs.stale);
    expect(row).toMatch(/<circle[^>]*fill="#d32f2f"/);
    // The message may be wrapped over several red lines; read them back together.
    const vio = [...row.matchAll(/<text[^>]*class="vio"[^>]*fill="#d32f2f"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!.trim()).join(' ');
    expect(vio).toBe('✖ stale-registration: waitable_register returned stale prev 0x2010 &lt;freed&gt; &amp; not ours');
    // Other rows carry no marker.
    expect(rowGroup(svg, seqs.regA)).not.toContain('<circle');
  });

  it('lists violations without seq in a red box at the bottom and gives a verdict', () => {
    const box = /<g class="unanchored">([\s\S]*?)<\/g>/.exec(svg);
    expect(box).not.toBeNull();
    expect(box![1]).toContain('task A never unregistered w=3');
    expect(box![1]).toMatch(/stroke="#d32f2f"/);
    expect(svg).toMatch(/class="verdict"[^>]*fill="#d32f2f"[^>]*>2 violations/);
  });

  it('escapes XML in the title and notes', () => {
    expect(svg).toContain('issue #1618 &lt;V1&gt;');
    expect(svg).toContain('step 1: &lt;write&gt; &amp; poll in E');
    expect(svg).not.toContain('<write>');
    expect(escapeXml(`a<b>&"c'\u0001`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;\ufffd');
  });

  it('places canon events on the current task and greys a freed task', () => {
    const canonSeq = t.events.find((e) => e.kind === 'canon')!.seq;
    const canonRow = rowGroup(svg, canonSeq);
    expect(canonRow).toContain('waitable-set.wait(1, 64) = 3');
    // The canon text sits just right of task B's lifeline (B is installed then).
    const xB = Number(/<text x="(\d+)"[^>]*class="lifeline-label">task 0x1450<\/text>/.exec(svg)![1]);
    expect(canonRow).toContain(`x="${xB + 8}"`);
    expect(svg).toContain(`<line class="dead" x1="${xB}"`);
  });

  it('is deterministic and says "no violations" in green for a clean run', () => {
    const again = renderSequenceDiagram(buildTrace().t.events, { title: 'issue #1618 <V1>', subtitle: 'abi=v1', violations, taskNames });
    expect(again).toBe(svg);
    const clean = renderSequenceDiagram(t.events, { title: 'clean', violations: [] });
    checkXml(clean);
    expect(clean).toMatch(/class="verdict"[^>]*fill="#2e7d32"[^>]*>no violations/);
    expect(clean).not.toContain('class="unanchored"');
    expect(clean).toContain('>task 0x1230</text>');
  });

  it('copes with an empty trace, traps and host importers', () => {
    checkXml(renderSequenceDiagram([], { title: 'empty', violations: [] }));
    const events: TraceEvent[] = [
      { seq: 1, kind: 'register', instance: 'x', actor: 'host', task: 5, waitable: 1, ptr: 8, extra: 0 },
      { seq: 2, kind: 'trap', instance: 'x', task: undefined, code: 'unreachable', message: 'a < b' },
    ];
    const svg2 = renderSequenceDiagram(events, { title: 't', violations: [{ kind: 'bad-drop', instance: 'x', task: 5, waitable: 0, ptr: 0, seq: 99, message: 'm' }] });
    checkXml(svg2);
    expect(svg2).toContain('>importer (host)</text>');
    expect(rowGroup(svg2, 2)).toMatch(/fill="#d32f2f"/);
    expect(rowGroup(svg2, 2)).toContain('a &lt; b');
    // A seq that matches no event goes to the bottom box.
    expect(/<g class="unanchored">[\s\S]*bad-drop: m/.test(svg2)).toBe(true);
  });
});

describe('renderTimeline', () => {
  const { t, violations, seqs } = buildTrace();
  const lines = renderTimeline(t.events, violations);
  const eventLines = lines.filter((l) => !l.trimStart().startsWith('!!'));
  const lineOf = (seq: number) => eventLines.find((l) => new RegExp(`^\\s*${seq}  `).test(l))!;

  it('has one line per event, numbered in order', () => {
    expect(eventLines).toHaveLength(t.events.length);
    eventLines.forEach((l, i) => expect(l).toMatch(new RegExp(`^\\s*${t.events[i]!.seq}  \\[`)));
    expect(lineOf(seqs.regA)).toBe(`${String(seqs.regA).padStart(3)}  [task 0x1230 current] register w=3 cb_ptr=0x2010 -> prev 0x0000`);
  });

  it('tracks the current task through slot sets', () => {
    expect(lineOf(seqs.setA)).toMatch(/\[-\] set 0x1100 \(task 0x1230\) \(prev 0x0000\)$/);
    expect(lineOf(seqs.setB)).toContain('[task 0x1230 current] set 0x1300');
    expect(lineOf(seqs.regB)).toContain('[task 0x1450 current] register w=3');
    expect(lineOf(seqs.cb)).toContain('[task 0x1450 current] callback w=3 code=0');
    expect(lineOf(seqs.stale)).toContain('[task 0x1230 current] register w=3 cb_ptr=0x2040 -> prev 0x2010');
    expect(lineOf(seqs.freeB)).toContain('[-] task 0x1450 freed');
  });

  it('names a target task that is not the current one', () => {
    const l = renderTimeline(
      [{ seq: 1, kind: 'unregister', instance: 'i', actor: 'guest', task: 0x40, waitable: 2, ptr: 0, extra: 0x99 }],
      [],
    );
    expect(l).toEqual(['  1  [-] unregister w=2 -> prev 0x0099 on task 0x0040']);
  });

  it('puts each violation right after its event with !!, and the rest at the end', () => {
    const i = lines.indexOf(lineOf(seqs.stale));
    expect(lines[i + 1]).toMatch(/^\s+!! stale-registration: waitable_register returned stale prev 0x2010 <freed> & not ours$/);
    expect(lines.filter((l) => l.includes('!!'))).toHaveLength(2);
    expect(lines[lines.length - 1]).toMatch(/!! .*registration-left-behind: task A never unregistered w=3$/);
    expect(lines[lines.length - 2]).toBe(lineOf(seqs.freeB));
  });
});
