// `wasip3-task bindgen` on world `res` (test/bindgen/resources): a resource
// the component exports is the user's AssemblyScript class; the glue keeps
// rep <-> object tables, makes handles with `[resource-new]`, reads own
// handles with `[resource-rep]`, and exports the destructor, which calls the
// class's `dispose()`.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadComponent } from '../host/component/api.js';
import { buildFixture, type BuiltFixture } from './bindgen-helpers.js';

let built: BuiltFixture;
let api: Record<string, any>;

beforeAll(async () => {
  built = await buildFixture('resources', 'res');
  api = loadComponent(built.component).instantiate({}).exports['test:res/api'] as Record<string, any>;
}, 120_000);

describe('bindgen: an exported resource', () => {
  it('generated code compiles without a warning; the destructor is exported', () => {
    expect(built.diagnostics).toEqual([]);
    expect(Object.values(built.renames)).toContain('test:res/api#[dtor]blob');
    expect(Object.values(built.renames)).toContain('test:res/api#[constructor]blob');
    expect(Object.values(built.renames)).toContain('test:res/api#[method]blob.append');
    expect(Object.values(built.renames)).toContain('test:res/api#[static]blob.merge');
  });

  it('constructor, methods on borrowed self, a static taking borrows and returning own', async () => {
    const b = new api.Blob('a');
    await b.append('bc');
    expect(await b.text()).toBe('abc');
    const c = new api.Blob('x');
    const m = await api.Blob.merge(b, c);
    expect(await m.text()).toBe('abc+x');
    expect(await b.text()).toBe('abc');
  });

  it('own handles in and out: the object keeps its state through the move', async () => {
    const p = new api.Blob('p');
    const p2 = await api.pass(p);
    expect(await p2.text()).toBe('p!');
    expect(await api.consume(new api.Blob('gone'))).toBe('consumed gone');
  });

  it('dropping the handle runs the destructor, which calls dispose()', async () => {
    const before = ((await api.disposed()) as string[]).length;
    const d = new api.Blob('dispose me');
    d[Symbol.dispose]();
    expect((await api.disposed()) as string[]).toEqual(expect.arrayContaining(['dispose me']));
    expect(((await api.disposed()) as string[]).length).toBe(before + 1);
  });
});
