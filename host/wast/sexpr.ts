/**
 * S-expressions of the `.wast` script format: atoms (keywords, `$ids`,
 * numbers), strings and parenthesised lists, with `;; line` and nested
 * `(; block ;)` comments skipped. Every node keeps its source span (offsets
 * into the text, 1-based line and column), so a module or component form can
 * be handed to the text parser as written and errors point into the file.
 */

export interface Pos {
  readonly offset: number;
  readonly line: number;
  readonly col: number;
}

export type SExpr = SAtom | SString | SList;

export interface SAtom {
  readonly kind: 'atom';
  readonly text: string;
  readonly start: Pos;
  readonly end: number;
}

export interface SString {
  readonly kind: 'string';
  /** The string's bytes (escapes resolved). */
  readonly bytes: Uint8Array;
  readonly start: Pos;
  readonly end: number;
}

export interface SList {
  readonly kind: 'list';
  readonly items: readonly SExpr[];
  readonly start: Pos;
  /** The offset just past the closing parenthesis. */
  readonly end: number;
}

/** A script that is not well-formed s-expressions (an unclosed list, a bad escape). */
export class WastSyntaxError extends Error {
  constructor(
    readonly rule: 'unclosed-list' | 'unexpected-paren' | 'unclosed-string' | 'bad-escape' | 'unclosed-comment' | 'bad-form',
    readonly pos: Pos,
    detail: string,
  ) {
    super(`${pos.line}:${pos.col}: [${rule}] ${detail}`);
    this.name = 'WastSyntaxError';
  }
}

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** A string node's text (UTF-8), or undefined when its bytes are not valid UTF-8. */
export function stringText(s: SString): string | undefined {
  try {
    return utf8Strict.decode(s.bytes);
  } catch {
    return undefined;
  }
}

/** Parses a whole script into its top-level forms. */
export function parseSExprs(text: string): SList[] {
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const pos = (): Pos => ({ offset: i, line, col: i - lineStart + 1 });
  const advance = (n = 1): void => {
    for (let k = 0; k < n; k++) {
      if (text.charCodeAt(i) === 10) {
        line++;
        lineStart = i + 1;
      }
      i++;
    }
  };

  const skipSpace = (): void => {
    for (;;) {
      const c = text[i];
      if (c === undefined) return;
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
        advance();
      } else if (c === ';' && text[i + 1] === ';') {
        while (i < text.length && text[i] !== '\n') advance();
      } else if (c === '(' && text[i + 1] === ';') {
        const at = pos();
        let depth = 0;
        do {
          if (i >= text.length) throw new WastSyntaxError('unclosed-comment', at, 'a (; block comment ;) is not closed');
          if (text[i] === '(' && text[i + 1] === ';') {
            depth++;
            advance(2);
          } else if (text[i] === ';' && text[i + 1] === ')') {
            depth--;
            advance(2);
          } else advance();
        } while (depth > 0);
      } else return;
    }
  };

  const readString = (): SString => {
    const start = pos();
    advance(); // "
    const out: number[] = [];
    for (;;) {
      const c = text[i];
      if (c === undefined || c === '\n') throw new WastSyntaxError('unclosed-string', start, 'a string is not closed on its line');
      if (c === '"') {
        advance();
        break;
      }
      if (c === '\\') {
        const e = text[i + 1];
        const escAt = pos();
        const simple: Record<string, number> = { n: 10, t: 9, r: 13, '\\': 92, "'": 39, '"': 34 };
        if (e !== undefined && e in simple) {
          out.push(simple[e]!);
          advance(2);
        } else if (e === 'u' && text[i + 2] === '{') {
          const close = text.indexOf('}', i + 3);
          const hex = close < 0 ? '' : text.slice(i + 3, close).replace(/_/g, '');
          const cp = /^[0-9a-fA-F]+$/.test(hex) ? parseInt(hex, 16) : NaN;
          if (!(cp >= 0 && cp <= 0x10ffff) || (cp >= 0xd800 && cp <= 0xdfff)) {
            throw new WastSyntaxError('bad-escape', escAt, 'a \\u{...} escape must name a Unicode scalar value');
          }
          out.push(...utf8.encode(String.fromCodePoint(cp)));
          advance(close + 1 - i);
        } else if (e !== undefined && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
          out.push(parseInt(text.slice(i + 1, i + 3), 16));
          advance(3);
        } else {
          throw new WastSyntaxError('bad-escape', escAt, `unknown escape \\${e ?? ''}`);
        }
        continue;
      }
      const cp = text.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      out.push(...utf8.encode(ch));
      advance(ch.length);
    }
    return { kind: 'string', bytes: Uint8Array.from(out), start, end: i };
  };

  const readAtom = (): SAtom => {
    const start = pos();
    while (i < text.length && !/[\s()";]/.test(text[i]!)) advance();
    return { kind: 'atom', text: text.slice(start.offset, i), start, end: i };
  };

  const readList = (): SList => {
    const start = pos();
    advance(); // (
    const items: SExpr[] = [];
    for (;;) {
      skipSpace();
      const c = text[i];
      if (c === undefined) throw new WastSyntaxError('unclosed-list', start, 'a list is not closed');
      if (c === ')') {
        advance();
        return { kind: 'list', items, start, end: i };
      }
      items.push(readItem());
    }
  };

  const readItem = (): SExpr => {
    const c = text[i];
    if (c === '(') return readList();
    if (c === '"') return readString();
    return readAtom();
  };

  const forms: SList[] = [];
  for (;;) {
    skipSpace();
    if (i >= text.length) return forms;
    if (text[i] === ')') throw new WastSyntaxError('unexpected-paren', pos(), 'a ")" closes nothing');
    const item = readItem();
    if (item.kind !== 'list') throw new WastSyntaxError('bad-form', item.start, 'a top-level item of a script must be a parenthesised form');
    forms.push(item);
  }
}

/** The head keyword of a list (`component`, `assert_return`, ...), if it starts with an atom. */
export function head(l: SExpr): string | undefined {
  if (l.kind !== 'list') return undefined;
  const h = l.items[0];
  return h?.kind === 'atom' ? h.text : undefined;
}
