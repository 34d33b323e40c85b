// A stream transformer: `upper(input)` returns a new stream at once and
// keeps uppercasing what arrives on `input` into it (a future spawned into
// the export task, which outlives the return); `run` pipes stdin through
// the same transformer to stdout.
import {
  Future, Pollable, StreamReader, StreamWriter, StreamRead, StreamWrite, Subtask, FutureRead, streamNew, spawn, join,
} from "wasip3-task-shim/assembly/sdk";
import { Run, implementRun, implementUpper, readViaStream, writeViaStream, BYTES } from "./bindings";
export { run_lift, run_callback, upper_lift, upper_callback } from "./bindings";

const CHUNK: u32 = 4096;

/** Copies `input` to `output`, uppercasing ASCII letters; drops both ends when either side is done. */
class Uppercase extends Future<u32> {
  read: StreamRead<u8> | null = null;
  write: StreamWrite<u8> | null = null;
  inputDone: bool = false;
  constructor(public input: StreamReader<u8>, public output: StreamWriter<u8>) {
    super();
  }
  poll(): bool {
    for (;;) {
      if (this.write !== null) {
        if (!this.write!.poll()) return false;
        const dropped = this.write!.dropped;
        this.value += this.write!.value;
        this.write = null;
        if (dropped || this.inputDone) break;
      }
      if (this.read === null) this.read = this.input.read(CHUNK);
      if (!this.read!.poll()) return false;
      const r = this.read!;
      this.read = null;
      this.inputDone = r.dropped; // the last bytes may come with the end
      const bytes = r.value;
      for (let i = 0, n = bytes.length; i < n; i++) {
        const c = unchecked(bytes[i]);
        if (c >= 0x61 && c <= 0x7a) unchecked((bytes[i] = c - 0x20));
      }
      if (bytes.length > 0) this.write = this.output.write(bytes);
      else if (this.inputDone) break;
    }
    this.input.drop();
    this.output.drop();
    return true;
  }
  cancel(): void {
    if (this.read !== null) this.read!.cancel();
    if (this.write !== null) this.write!.cancel();
    this.input.drop();
    this.output.drop();
  }
}

/** `upper`: a new stream, returned at once; the transformer runs on in the same task. */
class Upper extends Future<StreamReader<u8>> {
  constructor(public input: StreamReader<u8>) {
    super();
  }
  poll(): bool {
    const out = streamNew<u8>(BYTES);
    spawn(new Uppercase(this.input, out.writer));
    this.value = out.reader;
    return true;
  }
}

/** `run`: stdin -> Uppercase -> stdout. */
class Main extends Run {
  both: Pollable | null = null;
  call: Subtask<i32> | null = null;
  stdinResult: FutureRead<i32> | null = null;
  poll(): bool {
    if (this.both === null) {
      const stdin = readViaStream(BYTES);
      const stdout = streamNew<u8>(BYTES);
      this.call = writeViaStream(stdout.reader);
      this.stdinResult = stdin.result.read();
      this.both = join(new Uppercase(stdin.data, stdout.writer), join(this.call!, this.stdinResult!));
    }
    if (!this.both!.poll()) return false;
    this.value = this.call!.value < 0 && this.stdinResult!.value < 0;
    return true;
  }
  cancel(): void {
    if (this.both !== null) this.both!.cancel();
  }
}

implementUpper((input: StreamReader<u8>): Future<StreamReader<u8>> => new Upper(input));
implementRun((): Run => new Main());
