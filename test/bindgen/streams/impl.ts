// The implementation of world `streams` against the generated bindings.
import { api as apiTypes, host, STREAM_u8, STREAM_u32, STREAM_api_Pt, FUTURE_u32, FUTURE_api_Pt } from "./bindings/bindings";
import { Future, ready, spawn, streamNew, futureNew, StreamReader, StreamRead, StreamWrite, StreamWriter, FutureReader, FutureWriter, FutureRead, FutureWrite, Subtask } from "wasip3-task-shim/assembly/sdk";

/** Pumps `input` to `output` upper-casing ASCII letters, then drops both. */
class Upper extends Future<bool> {
  read: StreamRead<u8> | null = null;
  write: StreamWrite<u8> | null = null;
  constructor(public input: StreamReader<u8>, public output: StreamWriter<u8>) {
    super();
  }
  poll(): bool {
    for (;;) {
      if (this.write !== null) {
        if (!this.write!.poll()) return false;
        const dropped = this.write!.dropped;
        this.write = null;
        if (dropped) break;
      }
      if (this.read === null) this.read = this.input.read(64);
      if (!this.read!.poll()) return false;
      const got = this.read!.value;
      const end = this.read!.dropped;
      this.read = null;
      for (let i = 0; i < got.length; i++) {
        const c = got[i];
        if (c >= 97 && c <= 122) got[i] = c - 32;
      }
      if (got.length > 0) this.write = this.output.write(got);
      if (end) {
        if (this.write !== null && !this.write!.poll()) return false;
        break;
      }
    }
    this.input.drop();
    this.output.drop();
    this.value = true;
    return true;
  }
}

class Start extends Future<StreamReader<u8>> {
  constructor(public s: StreamReader<u8>) {
    super();
  }
  poll(): bool {
    const pair = streamNew<u8>(STREAM_u8);
    spawn(new Upper(this.s, pair.writer));
    this.value = pair.reader;
    return true;
  }
}

class Sum extends Future<u64> {
  read: StreamRead<u32> | null = null;
  total: u64 = 0;
  constructor(public s: StreamReader<u32>) {
    super();
  }
  poll(): bool {
    for (;;) {
      if (this.read === null) this.read = this.s.read(3);
      if (!this.read!.poll()) return false;
      const got = this.read!.value;
      for (let i = 0; i < got.length; i++) this.total += <u64>got[i];
      const end = this.read!.dropped;
      this.read = null;
      if (end) break;
    }
    this.s.drop();
    this.value = this.total;
    return true;
  }
}

class Points extends Future<bool> {
  read: StreamRead<apiTypes.Pt> | null = null;
  write: StreamWrite<apiTypes.Pt> | null = null;
  constructor(public input: StreamReader<apiTypes.Pt>, public output: StreamWriter<apiTypes.Pt>) {
    super();
  }
  poll(): bool {
    for (;;) {
      if (this.write !== null) {
        if (!this.write!.poll()) return false;
        this.write = null;
      }
      if (this.read === null) this.read = this.input.read(8);
      if (!this.read!.poll()) return false;
      const got = this.read!.value;
      const end = this.read!.dropped;
      this.read = null;
      const out = new Array<apiTypes.Pt>(got.length);
      for (let i = 0; i < got.length; i++) out[i] = new apiTypes.Pt(got[i].x * 2, got[i].y);
      if (out.length > 0) this.write = this.output.write(out);
      if (end) {
        if (this.write !== null && !this.write!.poll()) return false;
        break;
      }
    }
    this.input.drop();
    this.output.drop();
    this.value = true;
    return true;
  }
}

class StartPoints extends Future<StreamReader<apiTypes.Pt>> {
  constructor(public s: StreamReader<apiTypes.Pt>) {
    super();
  }
  poll(): bool {
    const pair = streamNew<apiTypes.Pt>(STREAM_api_Pt);
    spawn(new Points(this.s, pair.writer));
    this.value = pair.reader;
    return true;
  }
}

class Resolve extends Future<bool> {
  w: FutureWrite<u32> | null = null;
  constructor(public writer: FutureWriter<u32>, public v: u32) {
    super();
  }
  poll(): bool {
    if (this.w === null) this.w = this.writer.write(this.v);
    if (!this.w!.poll()) return false;
    this.value = true;
    return true;
  }
}

class Later extends Future<FutureReader<u32>> {
  constructor(public x: u32) {
    super();
  }
  poll(): bool {
    const pair = futureNew<u32>(FUTURE_u32);
    spawn(new Resolve(pair.writer, this.x + 1));
    this.value = pair.reader;
    return true;
  }
}

class AwaitPt extends Future<apiTypes.Pt> {
  r: FutureRead<apiTypes.Pt> | null = null;
  constructor(public f: FutureReader<apiTypes.Pt>) {
    super();
  }
  poll(): bool {
    if (this.r === null) this.r = this.f.read();
    if (!this.r!.poll()) return false;
    const p = this.r!.value;
    this.f.drop();
    this.value = new apiTypes.Pt(p.x + 1, p.y * 2);
    return true;
  }
}

class ToSink extends Future<u32> {
  call: Subtask<u32> | null = null;
  write: StreamWrite<u8> | null = null;
  writer: StreamWriter<u8> | null = null;
  constructor(public text: string) {
    super();
  }
  poll(): bool {
    if (this.call === null) {
      const pair = streamNew<u8>(STREAM_u8);
      this.writer = pair.writer;
      this.call = host.sink(pair.reader);
      this.write = pair.writer.writeString(this.text);
    }
    if (this.write !== null) {
      if (!this.write!.poll()) return false;
      this.write = null;
      this.writer!.drop();
    }
    if (!this.call!.poll()) return false;
    this.value = this.call!.value;
    return true;
  }
}

export namespace api {
  export function upper(s: StreamReader<u8>): Future<StreamReader<u8>> {
    return new Start(s);
  }
  export function sum(s: StreamReader<u32>): Future<u64> {
    return new Sum(s);
  }
  export function points(s: StreamReader<apiTypes.Pt>): Future<StreamReader<apiTypes.Pt>> {
    return new StartPoints(s);
  }
  export function later(x: u32): Future<FutureReader<u32>> {
    return new Later(x);
  }
  export function awaitPt(f: FutureReader<apiTypes.Pt>): Future<apiTypes.Pt> {
    return new AwaitPt(f);
  }
  export function useCounter(start: u32): Array<u32> {
    const c = host.Counter.create(start);
    const out: Array<u32> = [];
    out.push(c.add(2));
    out.push(c.add(3));
    out.push(host.peek(c));
    out.push(<u32>host.Counter.label(7).length);
    const d = host.make(100);
    out.push(host.peek(d));
    out.push(d.add(1));
    d.drop();
    c.drop();
    return out;
  }
  export function toSink(text: string): Future<u32> {
    return new ToSink(text);
  }
}
