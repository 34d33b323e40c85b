// A wasi:cli/run@0.3.0 program: copies stdin to stdout, one read and one
// write in flight at a time, then returns ok (err if stdin or stdout failed).
import { StreamReader, StreamWriter, StreamRead, StreamWrite, Subtask, FutureRead, streamNew } from "wasip3-task-shim/assembly/sdk";
import { Run, implementRun, readViaStream, writeViaStream, BYTES } from "./bindings";
export { run_lift, run_callback } from "./bindings";

const CHUNK: u32 = 16384;

class Cat extends Run {
  step: i32 = 0;
  input: StreamReader<u8> | null = null;
  output: StreamWriter<u8> | null = null;
  stdinResult: FutureRead<i32> | null = null;
  call: Subtask<i32> | null = null;
  read: StreamRead<u8> | null = null;
  write: StreamWrite<u8> | null = null;
  /** The read that ended stdin came with data: write it, then finish. */
  inputDone: bool = false;

  poll(): bool {
    if (this.step == 0) {
      const stdin = readViaStream(BYTES);
      this.input = stdin.data;
      this.stdinResult = stdin.result.read();
      const stdout = streamNew<u8>(BYTES);
      this.output = stdout.writer;
      this.call = writeViaStream(stdout.reader);
      this.step = 1;
    }
    // The stdout call runs alongside: poll it every turn (it registers).
    const callDone = this.call!.poll();
    while (this.step == 1 || this.step == 2) {
      if (this.step == 1) {
        if (this.read === null) this.read = this.input!.read(CHUNK);
        if (!this.read!.poll()) return false;
        const r = this.read!;
        this.read = null;
        // The last bytes may come with the end of the stream (DROPPED).
        this.inputDone = r.dropped;
        if (r.value.length > 0) {
          this.write = this.output!.write(r.value);
          this.step = 2;
        } else if (r.dropped) {
          this.finishInput();
        }
      } else {
        if (!this.write!.poll()) return false;
        const dropped = this.write!.dropped;
        this.write = null;
        if (dropped || this.inputDone) this.finishInput(); // stdout went away, or stdin ended
        else this.step = 1;
      }
    }
    if (this.step == 3) {
      if (!this.stdinResult!.poll()) return false;
      this.step = 4;
    }
    if (!callDone && !this.call!.poll()) return false;
    this.value = this.call!.value < 0 && this.stdinResult!.value < 0;
    return true;
  }

  /** End of stdin (or of stdout): drop both stream ends, then wait for the results. */
  finishInput(): void {
    this.input!.drop();
    this.output!.drop();
    this.step = 3;
  }

  cancel(): void {
    if (this.read !== null) this.read!.cancel();
    if (this.write !== null) this.write!.cancel();
    if (this.call !== null) this.call!.cancel();
  }
}

implementRun((): Run => new Cat());
