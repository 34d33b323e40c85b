// A wasi:cli/run@0.3.0 program: writes a line to stdout through one
// write-via-stream stream, then returns ok.
import { StreamWriter, StreamWrite, Subtask, streamNew } from "wasip3-task-shim/assembly/sdk";
import { Run, implementRun, writeViaStream, BYTES } from "./bindings";
export { run_lift, run_callback } from "./bindings";

class Hello extends Run {
  step: i32 = 0;
  out: StreamWriter<u8> | null = null;
  write: StreamWrite<u8> | null = null;
  call: Subtask<i32> | null = null;

  poll(): bool {
    if (this.step == 0) {
      const stdout = streamNew<u8>(BYTES);
      this.out = stdout.writer;
      this.call = writeViaStream(stdout.reader);
      this.write = stdout.writer.writeString("hello from assemblyscript\n");
      this.step = 1;
    }
    if (this.step == 1) {
      if (!this.write!.poll()) return false;
      this.out!.drop(); // end of stdout: the host's write-via-stream returns
      this.step = 2;
    }
    if (!this.call!.poll()) return false;
    this.value = this.call!.value < 0;
    return true;
  }
}

implementRun((): Run => new Hello());
