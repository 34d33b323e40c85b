/**
 * The instance side of lifting and lowering for one component instance: its
 * `may_leave` flag and the handle-typed values (own/borrow resources, stream
 * and future ends, error contexts) in its one handle table, as the spec's
 * `lift_own`, `lower_own`, `lift_borrow`, `lower_borrow`, `lift_stream`,
 * `lower_stream`, `lift_future`, `lower_future`, `lift_error_context` and
 * `lower_error_context` do.
 */
import { describeElemType, sameElemType, type ElemType } from '../../canon/buffer.js';
import { Trap, trapIf, type TrapSite } from '../../canon/errors.js';
import { ReadableFutureEnd } from '../../canon/future.js';
import type { ComponentInstance } from '../../canon/instance.js';
import { ErrorContextHandle, ResourceHandle } from '../../canon/resource.js';
import { ReadableStreamEnd } from '../../canon/stream.js';
import type { Task } from '../../canon/task.js';
import type { AbiInstance, HandleOps, LiftLowerContext } from '../abi/context.js';
import { alignment, elemSize } from '../abi/layout.js';
import type { ResourceType, ValType } from '../types.js';

const NUMBER_KINDS: ReadonlySet<string> = new Set(['s8', 'u8', 's16', 'u16', 's32', 'u32', 's64', 'u64', 'f32', 'f64']);

/** `stream` / `future` with no element type. */
const NO_ELEM: ElemType = Object.freeze({ size: 0, align: 1, numeric: true, key: '_' });
const elemTypes = new WeakMap<ValType, ElemType>();

/**
 * The canon host's element type for `stream<T>`/`future<T>` (none:
 * zero-sized): `T`'s layout, its identity (`key`: `stream<u32>` and
 * `stream<s32>` are different types), and whether elements move as values.
 * Only the plain numbers (definitions.py `none_or_number_type`: integers and
 * floats) are copied as bytes, the fast path; everything else (bool and char,
 * which lifting checks, and every type with pointers or handles) is lifted
 * out of the writer and lowered into the reader, each under its own options.
 */
export function elemTypeOf(t: ValType | undefined): ElemType {
  if (t === undefined) return NO_ELEM;
  let e = elemTypes.get(t);
  if (e === undefined) {
    const numeric = NUMBER_KINDS.has(t.kind);
    e = Object.freeze({
      size: elemSize(t),
      align: alignment(t),
      numeric,
      key: typeKey(t),
      typed: !numeric,
      float: t.kind === 'f32' || t.kind === 'f64' ? t.kind : undefined,
    });
    elemTypes.set(t, e);
  }
  return e;
}

const resourceIds = new WeakMap<ResourceType, number>();
let nextResourceId = 1;

/** A resource type's identity within this process (resources are nominal). */
function resourceKey(rt: ResourceType): string {
  let id = resourceIds.get(rt);
  if (id === undefined) resourceIds.set(rt, (id = nextResourceId++));
  return `${rt.name}#${id}`;
}

/** A string that is equal for two value types exactly when the types are (structural; resources by identity). */
export function typeKey(t: ValType | undefined): string {
  if (t === undefined) return '_';
  switch (t.kind) {
    case 'list': return t.l === undefined ? `list<${typeKey(t.t)}>` : `list<${typeKey(t.t)},${t.l}>`;
    case 'option': return `option<${typeKey(t.t)}>`;
    case 'result': return `result<${typeKey(t.ok)},${typeKey(t.error)}>`;
    case 'record': return `record{${t.fields.map((f) => `${f.label}:${typeKey(f.t)}`).join(',')}}`;
    case 'tuple': return `tuple<${t.ts.map(typeKey).join(',')}>`;
    case 'variant': return `variant{${t.cases.map((c) => (c.t === undefined ? c.label : `${c.label}(${typeKey(c.t)})`)).join('|')}}`;
    case 'enum': return `enum{${t.labels.join(',')}}`;
    case 'flags': return `flags{${t.labels.join(',')}}`;
    case 'map': return `map<${typeKey(t.k)},${typeKey(t.v)}>`;
    case 'own': case 'borrow': return `${t.kind}<${resourceKey(t.rt)}>`;
    case 'stream': case 'future': return t.t === undefined ? t.kind : `${t.kind}<${typeKey(t.t)}>`;
    default: return t.kind;
  }
}

/** A readable stream or future end carried as a lifted value (between components, or to the host). */
export interface LiftedAsyncValue {
  readonly kind: 'stream' | 'future';
  readonly end: ReadableStreamEnd | ReadableFutureEnd;
  readonly t: ValType | undefined;
}

/**
 * A lent borrow's scope: a lifting context for a call out of this instance
 * (spec `Subtask.add_lender`) records the own handles it lent, so they are
 * released when the call resolves.
 */
export class Lenders {
  readonly handles: ResourceHandle[] = [];
  add(h: ResourceHandle): void {
    h.numLends++;
    this.handles.push(h);
  }
  /** Spec `Subtask.deliver_resolve`'s lender release. */
  release(): void {
    for (const h of this.handles) h.numLends--;
    this.handles.length = 0;
  }
}

/**
 * The reps of host-defined resources: one number per JS object, held weakly
 * (the handle itself keeps its object, so nothing here keeps objects alive).
 */
export class HostReps {
  private next = 1;
  private readonly reps = new WeakMap<object, number>();
  repOf(o: object): number {
    let r = this.reps.get(o);
    if (r === undefined) {
      r = this.next++;
      this.reps.set(o, r);
    }
    return r;
  }
}

/** A component instance's `AbiInstance`: `may_leave` and its handle table. */
export class RuntimeInstance implements AbiInstance, HandleOps {
  mayLeave = true;
  readonly handles: HandleOps = this;
  /** Reps of host-defined resources (shared by the store's instances). */
  constructor(
    readonly canon: ComponentInstance,
    readonly hostReps: HostReps,
  ) {}

  get name(): string {
    return this.canon.name;
  }

  private site(builtin: string, handle?: number): TrapSite {
    return { instance: this.canon.name, task: this.canon.current?.name, builtin, handle };
  }

  /** Spec `trap_if(not inst.may_leave)`. */
  checkMayLeave(builtin: string): void {
    if (!this.mayLeave) throw new Trap('may-not-leave', this.site(builtin));
  }

  // -------------------------------------------------------------- resources

  /** Spec `lift_own`: the rep, or the host object of a host resource. */
  liftOwn(rt: ResourceType, i: number): unknown {
    const site = this.site('lift own', i);
    const h = this.resource(rt, i, site);
    trapIf(h.numLends !== 0, 'resource-lent', site);
    trapIf(!h.own, 'resource-not-owned', site);
    this.canon.handles.remove(i, site);
    return h.object ?? h.rep;
  }

  /** Spec `lower_own`. */
  lowerOwn(rt: ResourceType, v: unknown): number {
    const [rep, object] = this.rep(rt, v);
    return this.canon.handles.add(new ResourceHandle(rt, rep, true, undefined, object), this.site('lower own'));
  }

  /** Spec `lift_borrow`: records the lender on the call's scope. */
  liftBorrow(rt: ResourceType, i: number, cx: LiftLowerContext): unknown {
    const h = this.resource(rt, i, this.site('lift borrow', i));
    if (cx.borrowScope instanceof Lenders) cx.borrowScope.add(h);
    return h.object ?? h.rep;
  }

  /** Spec `lower_borrow`: a borrow of one's own resource is its rep. */
  lowerBorrow(rt: ResourceType, v: unknown, cx: LiftLowerContext): number {
    const [rep, object] = this.rep(rt, v);
    if (rt.impl === this) return rep;
    const scope = cx.borrowScope as Task | undefined;
    const h = new ResourceHandle(rt, rep, false, scope, object);
    if (scope) scope.numBorrows++;
    return this.canon.handles.add(h, this.site('lower borrow'));
  }

  /** The resource handle at `i`, of type `rt`. */
  private resource(rt: ResourceType, i: number, site: TrapSite): ResourceHandle {
    const h = this.canon.handles.getAs(i, ResourceHandle, site);
    trapIf(h.rt !== rt, 'resource-type-mismatch', { ...site, detail: `handle ${i} is a ${(h.rt as ResourceType).name}, expected a ${rt.name}` });
    return h;
  }

  /** A resource value as (rep, host object): a JS object is a host resource, a number a rep. */
  private rep(rt: ResourceType, v: unknown): [number, object | undefined] {
    if (typeof v === 'object' && v !== null) return [this.hostReps.repOf(v), v];
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffff_ffff) return [v, undefined];
    throw new Trap('host-value', { instance: this.canon.name, detail: `a ${rt.name} handle needs a resource object or an i32 rep, got ${typeof v}` });
  }

  // ------------------------------------------------------- streams, futures

  liftStream(t: ValType | undefined, i: number): unknown {
    const end = this.canon.takeReadableStream(i, { builtin: 'lift stream' });
    trapIf(!sameElemType(end.shared.elem, elemTypeOf(t)), 'type-mismatch', this.site('lift stream', i));
    return { kind: 'stream', end, t } satisfies LiftedAsyncValue;
  }

  lowerStream(t: ValType | undefined, v: unknown): number {
    const a = v as LiftedAsyncValue;
    if (a?.kind !== 'stream' || !(a.end instanceof ReadableStreamEnd)) {
      throw new Trap('host-value', { instance: this.canon.name, detail: 'a stream value must be the readable end of a stream' });
    }
    // The spec asserts this (a lifted stream has its type); a stream made by the host is checked here.
    if (!sameElemType(a.end.shared.elem, elemTypeOf(t))) {
      throw new Trap('type-mismatch', { ...this.site('lower stream'), detail: `a stream of ${describeElemType(a.end.shared.elem)} where a stream of ${typeKey(t)} is expected` });
    }
    return this.canon.addReadableStream(new ReadableStreamEnd(a.end.shared));
  }

  liftFuture(t: ValType | undefined, i: number): unknown {
    const end = this.canon.takeReadableFuture(i, { builtin: 'lift future' });
    trapIf(!sameElemType(end.shared.elem, elemTypeOf(t)), 'type-mismatch', this.site('lift future', i));
    return { kind: 'future', end, t } satisfies LiftedAsyncValue;
  }

  lowerFuture(t: ValType | undefined, v: unknown): number {
    const a = v as LiftedAsyncValue;
    if (a?.kind !== 'future' || !(a.end instanceof ReadableFutureEnd)) {
      throw new Trap('host-value', { instance: this.canon.name, detail: 'a future value must be the readable end of a future' });
    }
    if (!sameElemType(a.end.shared.elem, elemTypeOf(t))) {
      throw new Trap('type-mismatch', { ...this.site('lower future'), detail: `a future of ${describeElemType(a.end.shared.elem)} where a future of ${typeKey(t)} is expected` });
    }
    return this.canon.addReadableFuture(new ReadableFutureEnd(a.end.shared));
  }

  // ---------------------------------------------------------- error context

  liftErrorContext(i: number): unknown {
    return this.canon.handles.getAs(i, ErrorContextHandle, this.site('lift error-context', i));
  }

  lowerErrorContext(v: unknown): number {
    if (!(v instanceof ErrorContextHandle)) {
      throw new Trap('host-value', { instance: this.canon.name, detail: 'an error-context value must come from error-context.new' });
    }
    return this.canon.handles.add(v, this.site('lower error-context'));
  }
}

