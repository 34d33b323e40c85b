/**
 * Resources a component exports, as JS classes (jco's convention): for an
 * exported resource `counter` with `[constructor]counter`,
 * `[method]counter.inc` and `[static]counter.zero`, the export object has a
 * class `Counter`: `new Counter(...)` (the constructor runs synchronously, as
 * a non-async function does), `c.inc()` and `Counter.zero()` (async, like
 * every export), and `c[Symbol.dispose]()` to drop the owned handle (which
 * runs the resource's destructor in its instance). An `own<counter>` or
 * `borrow<counter>` result is an instance of the class; an instance passed
 * where the function takes `own`/`borrow<counter>` gives its rep (an `own`
 * moves it: the instance is then JS's no more, as after `[Symbol.dispose]`).
 */
import { Trap } from '../canon/errors.js';
import type { Store } from '../canon/store.js';
import { describe, toLowerCamelCase } from './abi/js.js';
import { LowerError } from './abi/context.js';
import type { ResourceType, ValType } from './types.js';
import { RuntimeInstance } from './runtime/handles.js';

/** The rep an instance of an exported resource's class stands for. */
export const REP = Symbol('rep');
/** The resource type of an exported resource's class (a static of the class). */
const TYPE = Symbol('resource type');

interface Wrapped {
  [REP]: number;
  dropped?: boolean;
  /** Passed as an `own` to a component: the handle is the component's now. */
  moved?: boolean;
}

/** Marks instances passed as `own` (collected by `fromJsResource`) as moved: JS holds no handle any more. */
export function markMoved(taken: readonly object[]): void {
  for (const w of taken) {
    (w as Wrapped).dropped = true;
    (w as Wrapped).moved = true;
  }
}

/** Undoes `markMoved` for instances whose move did not happen (stream elements the reader never took). */
export function markReturned(taken: readonly object[]): void {
  for (const w of taken) {
    (w as Wrapped).dropped = false;
    (w as Wrapped).moved = false;
  }
}

/** The classes of the exported resources of one store, by resource type. */
export class ResourceClasses {
  private readonly byType = new Map<ResourceType, new (...a: unknown[]) => unknown>();

  constructor(private readonly store: Store) {}

  get(rt: ResourceType): (new (...a: unknown[]) => unknown) | undefined {
    return this.byType.get(rt);
  }

  /**
   * Makes (once per resource type) the class of exported resource `rt`, named
   * `name`; `construct` calls the constructor synchronously and returns the rep.
   */
  define(rt: ResourceType, name: string, construct: ((args: unknown[]) => number) | undefined): new (...a: unknown[]) => unknown {
    const had = this.byType.get(rt);
    if (had !== undefined) return had;
    const store = this.store;
    const className = upperCamel(name);
    const cls = {
      [className]: class {
        [REP]!: number;
        dropped = false;
        constructor(...args: unknown[]) {
          if (args[0] === REP) {
            this[REP] = args[1] as number;
            return;
          }
          if (construct === undefined) throw new TypeError(`${className} has no constructor in this component`);
          this[REP] = construct(args);
        }
        /** Drops the owned handle: the resource's destructor runs in its instance. */
        [Symbol.dispose](): void {
          if (this.dropped) return;
          this.dropped = true;
          destroy(store, rt, this[REP]);
        }
      },
    }[className]!;
    Object.defineProperty(cls, TYPE, { value: rt });
    this.byType.set(rt, cls as unknown as new (...a: unknown[]) => unknown);
    return cls as unknown as new (...a: unknown[]) => unknown;
  }

  /** A lifted value of type `t` as JS: an own/borrow of an exported resource becomes an instance of its class. */
  toJs(v: unknown, t: ValType | undefined): unknown {
    if (t === undefined || (t.kind !== 'own' && t.kind !== 'borrow') || typeof v !== 'number') return v;
    const cls = this.byType.get(t.rt);
    return cls === undefined ? v : new cls(REP, v);
  }
}

const classesByStore = new WeakMap<Store, ResourceClasses>();

/** The resource classes of `store` (one set per store, shared by the typed API and host streams). */
export function classesOf(store: Store): ResourceClasses {
  let c = classesByStore.get(store);
  if (c === undefined) classesByStore.set(store, (c = new ResourceClasses(store)));
  return c;
}

/** A JS value passed to a component: an instance of an exported resource's class gives its rep. */
export function fromJsResource(v: unknown, rt?: ResourceType, taken?: object[]): unknown {
  if (typeof v === 'object' && v !== null && REP in v) {
    const w = v as Wrapped;
    if (w.moved) throw new LowerError('resource-dropped', 'this resource was passed as an own handle to a component, whose it is now: JS cannot pass or use it again');
    if (w.dropped) throw new LowerError('resource-dropped', 'this resource was dropped ([Symbol.dispose]) and cannot be passed again');
    if (taken !== undefined) {
      // An own moves: given twice in one value, two handles would own one rep.
      if (taken.includes(w)) throw new LowerError('resource-dropped', 'this resource is passed as an own handle twice in one call');
      taken.push(w);
    }
    // Resource types are fresh per instantiation: an instance of another
    // instance's class is not a handle of this type.
    const have = (v.constructor as unknown as Record<symbol, ResourceType | undefined>)[TYPE];
    if (rt !== undefined && have !== undefined && have !== rt) {
      throw new LowerError('wrong-js-type', `an instance of resource '${have.name}' of another component instance where a '${rt.name}' of this one is expected`);
    }
    return w[REP];
  }
  // A resource a component defines is passed as an instance of its class
  // only: any other object would be taken as a host resource and hand the
  // guest a rep it never made. A host resource is any JS object.
  if (rt !== undefined && rt.impl instanceof RuntimeInstance) {
    throw new LowerError('wrong-js-type', `a '${rt.name}' (a resource of the component) is an instance of its class, not ${describe(v)}`);
  }
  if (rt !== undefined && (typeof v !== 'object' || v === null)) {
    throw new LowerError('wrong-js-type', `a '${rt.name}' (a host resource) is a JS object, not ${describe(v)}`);
  }
  return v;
}

/** Runs `rt`'s destructor for `rep` as a sync task of its instance (spec `canon resource.drop` of an own handle). */
function destroy(store: Store, rt: ResourceType, rep: number): void {
  const impl = rt.impl;
  if (!(impl instanceof RuntimeInstance) || rt.dtor === undefined) return;
  const inst = impl.canon;
  if (inst.poisoned) throw inst.poisonedTrap({ builtin: `[resource-drop]${rt.name}` });
  const dtor = rt.dtor;
  const task = inst.newTask(`[dtor]${rt.name}`, 'sync');
  task.lifted = { fn: () => dtor(rep) };
  let trap: unknown;
  store.runTopLevel(task, []).catch((e: unknown) => (trap = e));
  if (task.trap) throw task.trap;
  if (trap instanceof Trap) throw trap;
}

function upperCamel(s: string): string {
  const c = toLowerCamelCase(s);
  return c.charAt(0).toUpperCase() + c.slice(1);
}
