// `wasip3-task bindgen` as a user runs it: the files it writes, and typed
// errors (exit 2, `error [<rule>]`) for bad input.
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, file, root } from './cli-helpers.js';

const out = () => mkdtempSync(join(tmpdir(), 'wasip3-bindgen-'));

describe('wasip3-task bindgen', () => {
  it('writes bindings.ts, exports.ts, exports.json and rt.ts', () => {
    const dir = out();
    const r = cli('bindgen', join(root, 'test/bindgen/values'), '--world', 'values', '--out', dir);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    for (const f of ['bindings.ts', 'exports.ts', 'exports.json', 'rt.ts']) expect(existsSync(join(dir, f))).toBe(true);
    const renames = JSON.parse(readFileSync(join(dir, 'exports.json'), 'utf8')) as Record<string, string>;
    expect(Object.values(renames)).toContain('[async-lift]test:values/api#call-host');
    expect(readFileSync(join(dir, 'exports.ts'), 'utf8')).toContain('import * as impl from "../impl";');
    expect(r.out).toContain(`${Object.keys(renames).length} core exports renamed`);
  });

  it('--impl and --sdk name the modules the glue imports', () => {
    const dir = out();
    const r = cli('bindgen', join(root, 'test/bindgen/values/world.wit'), '--world', 'values', '--out', dir, '--impl', '../src/app', '--sdk', '../sdk');
    expect(r.code).toBe(0);
    const glue = readFileSync(join(dir, 'exports.ts'), 'utf8');
    expect(glue).toContain('import * as impl from "../src/app";');
    expect(glue).toContain('from "../sdk";');
  });

  it('bad input is a typed error with exit code 2', () => {
    const nope = cli('bindgen', join(root, 'test/bindgen/values'), '--world', 'nope', '--out', out());
    expect(nope.code).toBe(2);
    expect(nope.err).toMatch(/^error \[world-not-found\]: world 'nope'/);
    const missing = cli('bindgen', '/no/such/dir', '--world', 'w', '--out', out());
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^error \[wit-not-found\]/);
    const bad = cli('bindgen', file('bad.wit', 'package a:b;\nworld w { export f: func(x: nosuchtype); }\n'), '--world', 'w', '--out', out());
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^error \[wit-invalid\]/);
    const ec = cli('bindgen', file('ec.wit', 'package a:b;\nworld w { export f: func(x: error-context); }\n'), '--world', 'w', '--out', out());
    expect(ec.code).toBe(2);
    expect(ec.err).toMatch(/^error \[unsupported-type\]: .*error-context/);
    const noWorld = cli('bindgen', join(root, 'test/bindgen/values'), '--out', out());
    expect(noWorld.code).toBe(2);
    expect(noWorld.err).toContain("required option '--world <name>'");
  });

  it('a WIT path that is a device or a directory named .wit, an --out that cannot be made: typed errors with the usage line, never an internal error', () => {
    const witDir = out();
    mkdirSync(join(witDir, 'x.wit'));
    const cases: [string[], RegExp][] = [
      [['/dev/null', '--world', 'w', '--out', out()], /^error \[wit-not-found\]: WIT path \/dev\/null is neither a \.wit file nor a directory/],
      [[witDir, '--world', 'w', '--out', out()], /^error \[wit-not-found\]: the WIT file .*x\.wit is a directory/],
      [[join(root, 'test/bindgen/values'), '--world', 'values', '--out', '/dev/null/x'], /^error \[unwritable\]: cannot write into \/dev\/null\/x: ENOTDIR/],
    ];
    for (const [args, re] of cases) {
      const r = cli('bindgen', ...args);
      expect(r.err, args.join(' ')).toMatch(re);
      expect(r.err, args.join(' ')).toMatch(/\nUsage: wasip3-task bindgen /);
      expect(r.err, args.join(' ')).not.toMatch(/internal error/);
      expect(r.code, args.join(' ')).toBe(2);
    }
  });
});
