/**
 * Reading `run`'s input: a WebAssembly binary (by its `\0asm` magic, whatever
 * the file is called) or WAT text (UTF-8, an optional BOM), compiled with
 * jco's `parse` (imported only for WAT text: loading jco takes longer than
 * starting a WASI program). A WAT error reads `file:line:col: message` (1-based), then
 * the source line and a caret under the column.
 */
import { RunError } from './errors.js';

const MAGIC = [0x00, 0x61, 0x73, 0x6d];

export const hasWasmMagic = (b: Uint8Array): boolean => b.length >= 4 && MAGIC.every((m, i) => b[i] === m);

/** Rust's `{:?}` escapes in a string or char: `\"`, `\\`, `\n`, `\u{…}`. */
function unescapeRust(s: string): string {
  return s.replace(/\\(u\{([0-9a-fA-F]+)\}|.)/g, (_m, e: string, hex: string | undefined) => {
    if (hex !== undefined) return String.fromCodePoint(parseInt(hex, 16));
    return ({ n: '\n', t: '\t', r: '\r', '0': '\0' } as Record<string, string>)[e] ?? e;
  });
}

/** wast's lexer errors (`LexError` variants) in words. */
function lexText(kind: string): string {
  const m = /^(\w+)(?:\((.*)\))?(?:\s*\{(.*)\})?$/s.exec(kind.trim());
  if (!m) return kind;
  const [, name, arg, fields] = m;
  const a = arg === undefined ? '' : unescapeRust(arg.replace(/^'(.*)'$/s, '$1'));
  switch (name) {
    case 'Unexpected': return `unexpected character '${a}'`;
    case 'DanglingBlockComment':
    case 'UnterminatedBlockComment': return 'unterminated block comment';
    case 'UnterminatedString': return 'unterminated string';
    case 'InvalidStringElement': return `invalid character in string '${a}'`;
    case 'InvalidStringEscape': return `invalid string escape '\\${a}'`;
    case 'InvalidHexDigit': return `invalid hex digit '${a}'`;
    case 'InvalidDigit': return `invalid decimal digit '${a}'`;
    case 'UnexpectedEof': return 'unexpected end of input';
    case 'NumberTooBig': return 'number is too big to parse';
    case 'InvalidUnicodeValue': return `invalid unicode scalar value ${a}`;
    case 'LoneUnderscore': return 'bare underscore in numeric literal';
    case 'ConfusingUnicode': return `likely-confusing unicode character '${a}'`;
    case 'InvalidUtf8Id': return 'malformed UTF-8 encoding of a string-based id';
    case 'EmptyId': return 'empty identifier';
    case 'EmptyAnnotation': return 'empty annotation id';
    case 'Expected': {
      const w = /wanted:\s*'(.*?)'/.exec(fields ?? '')?.[1];
      const f = /found:\s*'(.*?)'/.exec(fields ?? '')?.[1];
      return w !== undefined && f !== undefined ? `expected '${unescapeRust(w)}' but found '${unescapeRust(f)}'` : kind;
    }
  }
  // A variant this table does not know: its name in words, and its argument.
  const words = name!.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return a ? `${words} '${a}'` : words;
}

/** A WAT error's position (byte offset into the UTF-8 source) and message, from jco's text. */
export function parseWatError(text: string): { offset?: number; message: string } {
  const offset = /span: Span \{ offset: (\d+) \}/.exec(text)?.[1];
  const custom = /kind: Custom\("((?:[^"\\]|\\.)*)"\)/.exec(text)?.[1];
  const lex = /kind: Lex\((.*)\) \} \}\) \}\s*$/s.exec(text)?.[1];
  let message: string;
  if (custom !== undefined) message = unescapeRust(custom);
  else if (lex !== undefined) message = lexText(lex);
  else message = text.split('\n')[0]!.replace(/^Error:\s*/, '');
  return { offset: offset === undefined ? undefined : Number(offset), message };
}

/** `file:line:col: message`, the source line and a caret (line and column 1-based, the column in characters). */
export function formatWatError(file: string, source: string, jcoMessage: string): string {
  const { offset, message } = parseWatError(jcoMessage);
  if (offset === undefined) return `${file}: ${message}`;
  const bytes = Buffer.from(source, 'utf8');
  const before = bytes.subarray(0, Math.min(offset, bytes.length)).toString('utf8');
  const lines = before.split('\n');
  const line = lines.length;
  const col = [...lines[lines.length - 1]!].length + 1;
  const srcLine = (source.split('\n')[line - 1] ?? '').replace(/\r$/, '');
  const lead = [...srcLine].slice(0, col - 1).map((c) => (c === '\t' ? '\t' : ' ')).join('');
  return `${file}:${line}:${col}: ${message}\n  ${srcLine}\n  ${lead}^`;
}

/** The bytes of `raw`: a binary as it is, WAT text compiled. Throws RunError('bad-wat' | 'not-wasm'). */
export async function wasmFromFile(file: string, raw: Uint8Array): Promise<Uint8Array> {
  if (hasWasmMagic(raw)) return raw;
  if (raw.length === 0) throw new RunError('not-wasm', `${file}: the file is empty (neither a WebAssembly binary nor WAT text)`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(raw);
  } catch {
    throw new RunError('not-wasm', `${file}: neither a WebAssembly binary (it does not start with \\0asm) nor UTF-8 WAT text`);
  }
  // TextDecoder drops a leading BOM (ignoreBOM: false), so offsets refer to the text after it.
  if (text.includes('\0')) {
    throw new RunError('not-wasm', `${file}: neither a WebAssembly binary (it does not start with \\0asm) nor WAT text (it contains NUL bytes)`);
  }
  const { parse } = await import('@bytecodealliance/jco');
  try {
    return new Uint8Array(await parse(text));
  } catch (e) {
    throw new RunError('bad-wat', formatWatError(file, text, e instanceof Error ? e.message : String(e)));
  }
}
