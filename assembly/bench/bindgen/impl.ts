// World `echo` on the glue `wasip3-task bindgen` generates (./bindings).
import { Future, ready } from "wasip3-task-shim/assembly/sdk";

export function echo(s: string): string {
  return s;
}

export function echoAsync(s: string): Future<string> {
  return ready<string>(s);
}
