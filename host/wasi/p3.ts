/**
 * WASI 0.3.0 (and 0.3.0-rc-2026-03-15) for the component host.
 * `@bytecodealliance/preview3-shim` serves random (its p3 renames included),
 * the system clock and the monotonic clock's `now`/`get-resolution`. Served
 * here instead, and why:
 * - `wasi:cli/stdout`, `stderr` `write-via-stream`: the package copies the
 *   stream to a worker thread that writes to the process's descriptors; an
 *   embedder's sink cannot be reached from there, and its writes would not
 *   be ordered with WASI 0.2 writes of the same program. Here the
 *   component's stream (a `ComponentStreamReader`) is read on the main
 *   thread into the sink.
 * - `wasi:cli/stdin` `read-via-stream`: the package reads `process.stdin`
 *   only; here a `ComponentStream` and `ComponentFuture` of the store are
 *   fed from the configured source.
 * - `wasi:cli/environment`, `exit`: the package's are process-global and
 *   `exit` calls `process.exit`.
 * - `monotonic-clock` `wait-for`/`wait-until`: the package's loop overflows
 *   Node's timer for waits over 2^31 ms (it then spins every millisecond);
 *   here they sleep in steps, or on the virtual clock in deterministic mode.
 * - `wasi:filesystem@0.3`: host/wasi/p3-fs.ts, over WASI 0.2's descriptors
 *   (the package resolves paths without looking at symlinks, so a symlink in
 *   a preopen would lead out of it).
 */
import type { Store } from '../canon/store.js';
import { ComponentFuture, ComponentStream, type ComponentStreamReader } from '../component/runtime/streams.js';
import type { ValType } from '../component/types.js';
import { MAX_RANDOM_BYTES, WasiError, WasiExit, ioErrorCode, realSleep, type SinkWriter, type WasiEnv } from './common.js';
import { Trap } from '../canon/errors.js';

type Obj = Record<string, unknown>;
/** The clocks and random outside deterministic mode (host/wasi/p3-shims.ts's: preview3-shim's random, host clocks). */
export interface P3Shims {
  clocks: { monotonicClock: { now(): bigint; getResolution(): bigint }; systemClock: Obj & { now(): unknown; getResolution(): bigint } };
  random: { random: Obj; insecure: Obj; insecureSeed: Obj };
}

const ERROR_CODE: ValType = { kind: 'enum', labels: ['io', 'illegal-byte-sequence', 'pipe'] };
const RESULT_OF_ERROR_CODE: ValType = { kind: 'result', ok: undefined, error: ERROR_CODE };

function checkLen(len: bigint | number, what: string): number {
  const n = Number(len);
  if (n > MAX_RANDOM_BYTES) throw new Trap('host-error', { builtin: what, detail: `${what}(${len}) asks for more than ${MAX_RANDOM_BYTES} bytes` });
  return n;
}

/**
 * Copies a component's byte stream into a sink; `pipe`/`io` on a failed
 * write (the stream is dropped then). The copy runs inside the store's
 * drive (`pipeTo`): a descriptor sink is written with `writeSync` as each
 * chunk arrives and the guest's next write is taken in the same run.
 */
async function drain(reader: ComponentStreamReader, w: SinkWriter): Promise<void> {
  if (w.closed) {
    reader.cancel();
    throw new WasiError('pipe');
  }
  try {
    // a descriptor is written before put returns: one read buffer serves every chunk
    await reader.pipeTo((chunk) => (chunk.length === 0 ? undefined : w.put(chunk as Uint8Array)), { reuse: w.isDescriptor });
  } catch (e) {
    if (e instanceof Trap) throw e;
    const code = ioErrorCode(e);
    if (code === 'pipe') w.closed = true;
    throw new WasiError(code);
  }
}

/**
 * The WASI 0.3 interfaces by unversioned name. Without `shim` (a program
 * that imports no clocks and no random: host/wasi/p3-shims.ts is then not
 * loaded) there are no `wasi:clocks/monotonic-clock`,
 * `wasi:clocks/system-clock` nor `wasi:random/*`.
 */
export function wasiP3(env: WasiEnv, store: Store, onExit: (code: number) => void, shim?: P3Shims): Record<string, Obj> {
  const det = env.clock !== undefined;
  const clock = env.clock;
  const mono = shim?.clocks.monotonicClock;
  const now = (): bigint => (det ? clock!.now : mono!.now());
  const sleepUntil = (until: bigint): Promise<void> => (det ? clock!.sleepUntil(until) : realSleep(until - mono!.now(), mono!.now));
  const exit = (code: number): never => {
    onExit(code);
    throw new WasiExit(code);
  };
  let stdinTaken = false;
  const terminal = env.options.terminal === true;
  class TerminalInput {}
  class TerminalOutput {}
  const served: Record<string, Obj> = {
    'wasi:cli/environment': {
      getEnvironment: () => env.env,
      getArguments: () => env.args,
      getInitialCwd: () => env.options.cwd,
    },
    'wasi:cli/exit': {
      exit: (status: { tag: string }) => exit(status.tag === 'ok' ? 0 : 1),
      exitWithCode: (code: number) => exit(code),
    },
    'wasi:cli/stdout': { writeViaStream: (data: ComponentStreamReader) => drain(data, env.stdout) },
    'wasi:cli/stderr': { writeViaStream: (data: ComponentStreamReader) => drain(data, env.stderr) },
    'wasi:cli/stdin': {
      readViaStream: () => {
        const s = new ComponentStream(store, { kind: 'u8' });
        const f = new ComponentFuture(store, RESULT_OF_ERROR_CODE);
        const pump = async (): Promise<void> => {
          if (stdinTaken) return void (s.close(), await f.resolve({ tag: 'err', val: 'io' }));
          stdinTaken = true;
          try {
            for (;;) {
              const chunk = await env.stdin.read();
              if (chunk === undefined) break;
              const took = await s.write(chunk);
              if (took < chunk.length) break;
            }
            s.close();
            await f.resolve({ tag: 'ok', val: undefined });
          } catch (e) {
            s.close();
            await f.resolve({ tag: 'err', val: ioErrorCode(e) });
          }
        };
        void pump();
        return [s.readable, f.readable];
      },
    },
    'wasi:cli/terminal-input': { TerminalInput },
    'wasi:cli/terminal-output': { TerminalOutput },
    'wasi:cli/terminal-stdin': { getTerminalStdin: () => (terminal ? new TerminalInput() : undefined) },
    'wasi:cli/terminal-stdout': { getTerminalStdout: () => (terminal ? new TerminalOutput() : undefined) },
    'wasi:cli/terminal-stderr': { getTerminalStderr: () => (terminal ? new TerminalOutput() : undefined) },
    'wasi:clocks/types': {},
    'wasi:cli/types': {},
  };
  if (shim === undefined) return served;
  return {
    ...served,
    'wasi:clocks/monotonic-clock': {
      now,
      getResolution: () => (det ? 1n : mono!.getResolution()),
      waitUntil: (when: bigint) => sleepUntil(when),
      waitFor: (ns: bigint) => sleepUntil(now() + ns),
    },
    'wasi:clocks/system-clock': det
      ? {
          now: () => ({ seconds: env.epoch + clock!.now / 1_000_000_000n, nanoseconds: Number(clock!.now % 1_000_000_000n) }),
          getResolution: () => 1n,
        }
      : shim.clocks.systemClock,
    'wasi:random/random': {
      getRandomBytes: (len: bigint) => (det ? env.randomBytes(checkLen(len, 'get-random-bytes')) : (shim.random.random['getRandomBytes'] as (n: bigint) => Uint8Array)(BigInt(checkLen(len, 'get-random-bytes')))),
      getRandomU64: () => (det ? env.rng!.u64() : (shim.random.random['getRandomU64'] as () => bigint)()),
    },
    'wasi:random/insecure': {
      getInsecureRandomBytes: (len: bigint) => env.randomBytes(checkLen(len, 'get-insecure-random-bytes')),
      getInsecureRandomU64: () => (det ? env.rng!.u64() : (shim.random.insecure['getInsecureRandomU64'] as () => bigint)()),
    },
    'wasi:random/insecure-seed': {
      getInsecureSeed: () => (det ? [env.rng!.u64(), env.rng!.u64()] : (shim.random.insecureSeed['getInsecureSeed'] as () => unknown)()),
    },
  };
}
