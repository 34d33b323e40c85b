/**
 * Task names of lifted functions (docs/component-host.md, "The JS API", Traps): the
 * `name` section's name, else the name the component exports the function
 * under (directly, or as `<interface>#<name>` through an exported instance
 * of exports), else `func N`.
 */
import { describe, expect, it } from 'vitest';
import { Trap } from '../host/canon/index.js';
import { loadComponent } from '../host/component/api.js';
import { wat } from './component-bytes.js';

type Fn = (...a: unknown[]) => Promise<unknown>;

// No `$` identifier on a component func: jco's `parse` would put it in a `name` section.
const COMPONENT = `(component
  (core module $m
    (func (export "trap") unreachable))
  (core instance $i (instantiate $m))
  (alias core export $i "trap" (core func $trap))
  (func (canon lift (core func $trap)))
  (func (canon lift (core func $trap)))
  (func (canon lift (core func $trap)))
  (func $named (canon lift (core func $trap)))
  (instance (export "boom" (func 1)))
  (export "local:demo/api" (instance 0))
  (export "direct" (func 0))
  (export "renamed" (func $named))
  (export "again" (func 4))
)`;

async function trapOf(f: Fn): Promise<Trap> {
  const e = await f().catch((err: unknown) => err);
  expect(e).toBeInstanceOf(Trap);
  return e as Trap;
}

describe('task names of lifted functions', async () => {
  const c = loadComponent(await wat(COMPONENT));
  const fresh = (): Record<string, unknown> => c.instantiate(null).exports as Record<string, unknown>;

  it('a func of an exported instance of exports is named <interface>#<name>', async () => {
    const t = await trapOf((fresh()['local:demo/api'] as Record<string, Fn>)['boom']!);
    expect(t.code).toBe('wasm-trap');
    expect(t.task).toMatch(/^root\/local:demo\/api#boom#\d+$/);
    expect(t.message).toContain('task root/local:demo/api#boom#');
  });

  it('a func exported directly is named by its export', async () => {
    const t = await trapOf(fresh()['direct'] as Fn);
    expect(t.task).toMatch(/^root\/direct#\d+$/);
  });

  it('the name section wins over the export name', async () => {
    const t = await trapOf(fresh()['renamed'] as Fn);
    expect(t.task).toMatch(/^root\/named#\d+$/);
  });

  it('an export of an export (a new func index) names the lifted func by the first', async () => {
    // func 4 is the index `(export "direct" (func 0))` defines.
    const t = await trapOf(fresh()['again'] as Fn);
    expect(t.task).toMatch(/^root\/direct#\d+$/);
  });

  it('a lifted func the component exports only through an alias stays func N', async () => {
    const c3 = loadComponent(await wat(`(component
      (core module $m (func (export "trap") unreachable))
      (core instance $i (instantiate $m))
      (alias core export $i "trap" (core func $trap))
      (func (canon lift (core func $trap)))
      (component $inner (import "f" (func)) (export "g" (func 0)))
      (instance (instantiate $inner (with "f" (func 0))))
      (alias export 0 "g" (func))
      (export "outer" (func 1)))`));
    const t = await trapOf((c3.instantiate(null).exports as Record<string, Fn>)['outer']!);
    expect(t.task).toMatch(/^root\/func 0#\d+$/);
  });
});
