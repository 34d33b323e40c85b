// The implementation of world `values` (test/bindgen/values/world.wit)
// against the generated bindings (written to ./bindings by the test).
import { types, host, Tuple_u8__i8__u16__i16__u32__i32__u64__i64, Tuple_f32__f64, Tuple_string__u32, Tuple_u32__string, Tuple_string__string__string__string__string__string__string__string__string, Option, Result, Unit, some, none, ok, err } from "./bindings/bindings";
import { Future, ready, Subtask } from "wasip3-task-shim/assembly/sdk";

class Run extends Future<Result<u32, string>> {
  call: Subtask<string> | null = null;
  constructor(public x: u32) {
    super();
  }
  poll(): bool {
    if (this.x == 0) {
      this.value = err<u32, string>("zero");
      return true;
    }
    if (this.call === null) this.call = host.slow(this.x, "r");
    if (!this.call!.poll()) return false;
    this.value = ok<u32, string>(this.x * 2 + <u32>this.call!.value.length);
    return true;
  }
}

export function run(x: u32): Future<Result<u32, string>> {
  return new Run(x);
}

class CallHost extends Future<Array<string>> {
  step: i32 = 0;
  out: Array<string> = [];
  slow: Subtask<string> | null = null;
  spill: Subtask<u64> | null = null;
  poll(): bool {
    if (this.step == 0) {
      this.out.push(host.greet("wörld"));
      const m = host.mix([1, 2, 3], some<string>("abc"), types.Shape.label("lbl"));
      this.out.push(m.isOk ? "mix ok " + m.value.toString() : "mix err " + m.error);
      const m2 = host.mix([], none<string>(), types.Shape.wide(-5));
      this.out.push(m2.isOk ? "mix ok " + m2.value.toString() : "mix err " + m2.error);
      this.out.push(host.many(255, 65535, 4294967295, 18446744073709551615, -128, -32768, -2147483648, -9223372036854775808, 1.5, -2.25, true, 0x1f600, "str", types.Color.Blue, new types.Point(-7, 0.5), 16));
      host.notify(new types.Point(3, 4.5));
      this.slow = host.slow(7, "slow");
      this.spill = host.slowSpill(1, 2, 3, 4, "five");
      this.step = 1;
    }
    if (!this.slow!.poll()) return false;
    if (!this.spill!.poll()) return false;
    this.out.push(this.slow!.value);
    this.out.push(this.spill!.value.toString());
    this.value = this.out;
    return true;
  }
}

class Echo extends Future<string> {
  turns: i32 = 0;
  constructor(public s: string) {
    super();
  }
  poll(): bool {
    this.value = this.s + "!";
    return true;
  }
}

export namespace api {
  export function echo(s: string): string {
    return s;
  }
  export function echoBool(b: bool): bool {
    return b;
  }
  export function echoInts(a: u8, b: i8, c: u16, d: i16, e: u32, f: i32, g: u64, h: i64): Tuple_u8__i8__u16__i16__u32__i32__u64__i64 {
    return new Tuple_u8__i8__u16__i16__u32__i32__u64__i64(a, b, c, d, e, f, g, h);
  }
  export function echoFloats(a: f32, b: f64): Tuple_f32__f64 {
    return new Tuple_f32__f64(a, b);
  }
  export function echoChar(c: u32): u32 {
    return c;
  }
  export function echoPoint(p: types.Point): types.Point {
    return p;
  }
  export function echoPerson(p: types.Person): types.Person {
    return p;
  }
  export function echoColor(c: types.Color): types.Color {
    return c;
  }
  export function echoSmall(f: u8): u8 {
    return f;
  }
  export function echoWide(f: u16): u16 {
    return f;
  }
  export function echoShape(s: types.Shape): types.Shape {
    return s;
  }
  export function echoList(l: Array<string>): Array<string> {
    return l;
  }
  export function echoPoints(l: Array<types.Point>): Array<types.Point> {
    return l;
  }
  export function echoBytes(l: Array<u8>): Array<u8> {
    return l;
  }
  export function echoOpt(o: Option<u64>): Option<u64> {
    return o;
  }
  export function echoOptOpt(o: Option<Option<string>>): Option<Option<string>> {
    return o;
  }
  export function echoRes(r: Result<string, u8>): Result<string, u8> {
    return r;
  }
  export function echoUnitRes(r: Result<Unit, string>): Result<Unit, string> {
    return r;
  }
  export function sum17(a0: u32, a1: u32, a2: u32, a3: u32, a4: u32, a5: u32, a6: u32, a7: u32, a8: u32, a9: u32, a10: u32, a11: u32, a12: u32, a13: u32, a14: u32, a15: u32, a16: f64): f64 {
    return <f64>(a0 + a1 * 2 + a2 * 3 + a3 * 4 + a4 * 5 + a5 * 6 + a6 * 7 + a7 * 8 + a8 * 9 + a9 * 10 + a10 * 11 + a11 * 12 + a12 * 13 + a13 * 14 + a14 * 15 + a15 * 16) + a16;
  }
  export function asyncSum17(a0: u32, a1: u32, a2: u32, a3: u32, a4: u32, a5: u32, a6: u32, a7: u32, a8: u32, a9: u32, a10: u32, a11: u32, a12: u32, a13: u32, a14: u32, a15: u32, a16: f64): Future<f64> {
    return ready<f64>(sum17(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16) * 2);
  }
  export function asyncEcho(s: string): Future<string> {
    return new Echo(s);
  }
  export function asyncSwap(p: Tuple_string__u32): Future<Tuple_u32__string> {
    return ready<Tuple_u32__string>(new Tuple_u32__string(p.f1, p.f0));
  }
  export function asyncBig(n: u32): Future<Tuple_string__string__string__string__string__string__string__string__string> {
    const s = n.toString();
    return ready(new Tuple_string__string__string__string__string__string__string__string__string(s, s + "1", s + "2", s + "3", s + "4", s + "5", s + "6", s + "7", s + "8"));
  }
  export function asyncNone(): Future<Unit> {
    return ready<Unit>(0);
  }
  export function callHost(): Future<Array<string>> {
    return new CallHost();
  }
}
