/**
 * A small reader for the diagrams' SVG: every drawn element with its bounding
 * box, so tests can check that everything lies inside the viewBox. Text is
 * measured as the monospace font draws it (DejaVu Sans Mono: an advance of
 * 0.602 em, ascent 0.76 em, descent 0.24 em).
 */

export interface Box {
  tag: string;
  /** The element's text (for `<text>`), or its start tag. */
  what: string;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  attrs: Record<string, string>;
}

export interface ParsedSvg {
  width: number;
  height: number;
  viewBox: [number, number, number, number];
  boxes: Box[];
}

const ADVANCE = 0.602;
const ASCENT = 0.76;
const DESCENT = 0.24;

function unescape(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function attrsOf(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([\w:.-]+)="([^"]*)"/g)) out[m[1]!] = unescape(m[2]!);
  return out;
}

/** Font sizes set by class in the diagram's `<style>` (`.seq{...font-size:11px}`). */
function classFontSizes(svg: string): Map<string, number> {
  const sizes = new Map<string, number>();
  const style = /<style>([\s\S]*?)<\/style>/.exec(svg)?.[1] ?? '';
  for (const m of style.matchAll(/\.([\w-]+)\{[^}]*font-size:(\d+(?:\.\d+)?)px/g)) sizes.set(m[1]!, Number(m[2]));
  return sizes;
}

const num = (a: Record<string, string>, k: string, d = 0): number => (a[k] === undefined ? d : Number(a[k]));

export function parseSvg(svg: string): ParsedSvg {
  const root = attrsOf(/<svg\b[^>]*>/.exec(svg)![0]);
  const viewBox = root.viewBox!.split(/\s+/).map(Number) as [number, number, number, number];
  const rootFont = num(root, 'font-size', 16);
  const classSizes = classFontSizes(svg);
  // Drop what is not drawn in the image's coordinates: the title and marker definitions.
  const body = svg.replace(/<title>[\s\S]*?<\/title>/, '').replace(/<defs>[\s\S]*?<\/defs>/, '');
  const boxes: Box[] = [];
  for (const m of body.matchAll(/<(text|rect|line|circle|path)\b([^>]*?)(\/?)>(?:([^<]*)<\/text>)?/g)) {
    const tag = m[1]!;
    const a = attrsOf(m[2]!);
    const what = tag === 'text' ? unescape(m[4] ?? '') : m[0].slice(0, 80);
    let box: Omit<Box, 'tag' | 'what' | 'attrs'>;
    if (tag === 'rect') {
      box = { x0: num(a, 'x'), y0: num(a, 'y'), x1: num(a, 'x') + num(a, 'width'), y1: num(a, 'y') + num(a, 'height') };
    } else if (tag === 'line') {
      const [x1, y1, x2, y2] = [num(a, 'x1'), num(a, 'y1'), num(a, 'x2'), num(a, 'y2')];
      box = { x0: Math.min(x1, x2), y0: Math.min(y1, y2), x1: Math.max(x1, x2), y1: Math.max(y1, y2) };
    } else if (tag === 'circle') {
      const r = num(a, 'r');
      box = { x0: num(a, 'cx') - r, y0: num(a, 'cy') - r, x1: num(a, 'cx') + r, y1: num(a, 'cy') + r };
    } else if (tag === 'path') {
      // Absolute M, then relative h/v steps (the only commands the diagram uses outside <defs>).
      const d = a.d ?? '';
      const start = /M\s*(-?[\d.]+)[ ,](-?[\d.]+)/.exec(d);
      let x = start ? Number(start[1]) : 0;
      let y = start ? Number(start[2]) : 0;
      const xs = [x];
      const ys = [y];
      for (const s of d.matchAll(/([hv])\s*(-?[\d.]+)/g)) {
        if (s[1] === 'h') x += Number(s[2]);
        else y += Number(s[2]);
        xs.push(x);
        ys.push(y);
      }
      box = { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
    } else {
      const cls = (a.class ?? '').split(/\s+/).find((c) => classSizes.has(c));
      const size = a['font-size'] !== undefined ? Number(a['font-size']) : cls !== undefined ? classSizes.get(cls)! : rootFont;
      const w = [...what].length * size * ADVANCE;
      const anchor = a['text-anchor'] ?? 'start';
      const x = num(a, 'x');
      const x0 = anchor === 'middle' ? x - w / 2 : anchor === 'end' ? x - w : x;
      const y = num(a, 'y');
      box = { x0, y0: y - size * ASCENT, x1: x0 + w, y1: y + size * DESCENT };
    }
    boxes.push({ tag, what, attrs: a, ...box });
  }
  return { width: num(root, 'width'), height: num(root, 'height'), viewBox, boxes };
}

/** The elements that reach outside the viewBox, as readable lines (empty when all fit). */
export function outsideViewBox(svg: string): string[] {
  const p = parseSvg(svg);
  const [vx, vy, vw, vh] = p.viewBox;
  return p.boxes
    .filter((b) => b.x0 < vx || b.y0 < vy || b.x1 > vx + vw || b.y1 > vy + vh)
    .map((b) => `<${b.tag}> ${JSON.stringify(b.what)} spans x ${b.x0.toFixed(1)}..${b.x1.toFixed(1)}, y ${b.y0.toFixed(1)}..${b.y1.toFixed(1)} in ${vw}x${vh}`);
}
