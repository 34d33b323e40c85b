// The user part of the hello example (world `hello`, wit/world.wit): a
// wasi:cli/run@0.3.0 `run` that writes a line to stdout through one
// write-via-stream stream, then returns ok. The glue (bindings/, generated
// by `wasip3-task bindgen` at build time) lifts `run` and wraps the stdout
// import; hello.ts, the entry, re-exports it.
import { Future, StreamWriter, StreamWrite, Subtask, streamNew } from "wasip3-task-shim/assembly/sdk";
import { stdout, types, Result, Unit, ok, err, STREAM_u8 } from "./bindings/bindings";

class Hello extends Future<Result<Unit, Unit>> {
  step: i32 = 0;
  out: StreamWriter<u8> | null = null;
  write: StreamWrite<u8> | null = null;
  call: Subtask<Result<Unit, types.ErrorCode>> | null = null;

  poll(): bool {
    if (this.step == 0) {
      const s = streamNew<u8>(STREAM_u8);
      this.out = s.writer;
      this.call = stdout.writeViaStream(s.reader);
      this.write = s.writer.writeString("hello from assemblyscript\n");
      this.step = 1;
    }
    if (this.step == 1) {
      if (!this.write!.poll()) return false;
      this.out!.drop(); // end of stdout: the host's write-via-stream returns
      this.step = 2;
    }
    if (!this.call!.poll()) return false;
    this.value = this.call!.value.isOk ? ok<Unit, Unit>(0) : err<Unit, Unit>(0);
    return true;
  }
}

/** `wasi:cli/run@0.3.0`. */
export namespace run {
  /** `run: async func() -> result`. */
  export function run(): Future<Result<Unit, Unit>> {
    return new Hello();
  }
}
