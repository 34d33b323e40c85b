/**
 * WASI 0.2.x for the component host. `@bytecodealliance/preview2-shim`
 * serves random, the clocks, `wasi:io/poll`, `wasi:io/error` and
 * `wasi:filesystem` (per-host preopens with `createFilesystem`, whose path
 * resolution refuses `..` and symlinks out of a preopen; its descriptors
 * wrapped by host/wasi/p2-fs.ts, which serves what the shim cannot on a
 * preopen, `read-directory` first). The `wasi:cli`
 * interfaces and the stdio streams are this module's: the package's are
 * process-global (`_setArgs`, `_setEnv`), its `exit` calls `process.exit`,
 * and its stdio streams write to the process's own descriptors, not to a
 * sink an embedder chooses. Deterministic mode replaces the clocks, random
 * and `poll` with virtual ones.
 */
import * as p2cli from '@bytecodealliance/preview2-shim/cli';
import * as p2clocks from '@bytecodealliance/preview2-shim/clocks';
import * as p2fs from '@bytecodealliance/preview2-shim/filesystem';
import * as p2io from '@bytecodealliance/preview2-shim/io';
import * as p2random from '@bytecodealliance/preview2-shim/random';
import { MAX_RANDOM_BYTES, WasiError, WasiExit, ioErrorCode, type SinkWriter, type SourceReader, type WasiEnv } from './common.js';
import { Trap } from '../canon/errors.js';
import { wasiP2Filesystem } from './p2-fs.js';

type Obj = Record<string, unknown>;
const shim = {
  cli: p2cli as unknown as Obj,
  clocks: p2clocks as unknown as { monotonicClock: Obj & { now(): bigint; resolution(): bigint; subscribeDuration(ns: bigint): unknown; subscribeInstant(ns: bigint): unknown }; wallClock: Obj & { now(): unknown; resolution(): unknown } },
  fs: p2fs as unknown as { createFilesystem(o: { preopens: Record<string, string> }): { types: Obj; preopens: Obj } },
  io: p2io as unknown as { poll: Obj & { poll(list: unknown[]): Uint32Array | number[]; Pollable: unknown }; error: Obj & { Error: new (m: string) => unknown }; streams: Obj },
  random: p2random as unknown as { random: Obj; insecure: Obj; insecureSeed: Obj },
};

function checkLen(len: bigint | number, what: string): number {
  const n = Number(len);
  if (n > MAX_RANDOM_BYTES) throw new Trap('host-error', { builtin: what, detail: `${what}(${len}) asks for more than ${MAX_RANDOM_BYTES} bytes` });
  return n;
}

/** A pollable of deterministic mode: ready once the virtual clock reaches `until`. */
class VirtualPollable {
  constructor(
    private readonly env: WasiEnv,
    readonly until: bigint,
  ) {}
  ready(): boolean {
    return this.env.clock!.now >= this.until;
  }
  block(): void {
    this.env.clock!.advanceTo(this.until);
  }
}

/** An output-stream over a sink (stdout, stderr). */
class SinkOutputStream {
  constructor(
    private readonly w: SinkWriter,
    private readonly ready: () => unknown,
  ) {}
  private put(bytes: Uint8Array): void {
    if (this.w.closed) throw new WasiError({ tag: 'closed' });
    try {
      this.w.writeSync(bytes);
    } catch (e) {
      if (ioErrorCode(e) === 'pipe') {
        this.w.closed = true;
        throw new WasiError({ tag: 'closed' });
      }
      throw new WasiError({ tag: 'last-operation-failed', val: new (shim.io.error.Error)(String((e as Error).message ?? e)) });
    }
  }
  checkWrite(): bigint {
    if (this.w.closed) throw new WasiError({ tag: 'closed' });
    return 1n << 20n;
  }
  write(bytes: Uint8Array): void {
    this.put(bytes);
  }
  blockingWriteAndFlush(bytes: Uint8Array): void {
    this.put(bytes);
  }
  flush(): void {
    if (this.w.closed) throw new WasiError({ tag: 'closed' });
  }
  blockingFlush(): void {
    this.flush();
  }
  writeZeroes(n: bigint): void {
    this.put(new Uint8Array(Number(n)));
  }
  blockingWriteZeroesAndFlush(n: bigint): void {
    this.put(new Uint8Array(Number(n)));
  }
  subscribe(): unknown {
    return this.ready();
  }
  /** `splice`: what `src` (any 0.2 input-stream) has now, up to `len`, written here. */
  splice(src: { read(n: bigint): Uint8Array }, len: bigint): bigint {
    if (this.w.closed) throw new WasiError({ tag: 'closed' });
    const b = src.read(len);
    this.put(b);
    return BigInt(b.length);
  }
  /** `blocking-splice`: waits for `src` to give something (or be closed). */
  blockingSplice(src: { blockingRead(n: bigint): Uint8Array }, len: bigint): bigint {
    if (this.w.closed) throw new WasiError({ tag: 'closed' });
    const b = src.blockingRead(len > 65536n ? 65536n : len);
    this.put(b);
    return BigInt(b.length);
  }
}

/** An input-stream over a source (stdin). */
class SourceInputStream {
  constructor(
    private readonly r: SourceReader,
    private readonly ready: () => unknown,
  ) {}
  private get(len: bigint): Uint8Array {
    const b = this.r.readSync(Number(len > 65536n ? 65536n : len));
    if (b === undefined) throw new WasiError({ tag: 'closed' });
    return b;
  }
  read(len: bigint): Uint8Array {
    return this.get(len);
  }
  blockingRead(len: bigint): Uint8Array {
    return this.get(len);
  }
  skip(len: bigint): bigint {
    return BigInt(this.get(len).length);
  }
  blockingSkip(len: bigint): bigint {
    return this.skip(len);
  }
  subscribe(): unknown {
    return this.ready();
  }
}

/** The WASI 0.2 interfaces by unversioned name (`wasi:cli/stdout`). */
export function wasiP2(env: WasiEnv, onExit: (code: number) => void): Record<string, Obj> {
  const det = env.clock !== undefined;
  const clock = env.clock;
  const mono = shim.clocks.monotonicClock;
  const readyPollable = (): unknown => (det ? new VirtualPollable(env, 0n) : mono.subscribeDuration(0n));
  const stdout = new SinkOutputStream(env.stdout, readyPollable);
  const stderr = new SinkOutputStream(env.stderr, readyPollable);
  const stdin = new SourceInputStream(env.stdin, readyPollable);
  const fs = wasiP2Filesystem(shim.fs, Object.fromEntries(Object.entries(env.options.preopens ?? {})), { deterministic: det });
  const exit = (code: number): never => {
    onExit(code);
    throw new WasiExit(code);
  };
  const terminal = env.options.terminal === true;
  const cli = shim.cli as { terminalInput: { TerminalInput: new () => unknown }; terminalOutput: { TerminalOutput: new () => unknown } };
  const tIn = new cli.terminalInput.TerminalInput();
  const tOut = new cli.terminalOutput.TerminalOutput();
  const tErr = new cli.terminalOutput.TerminalOutput();

  const monotonic: Obj = det
    ? {
        now: () => clock!.now,
        resolution: () => 1n,
        subscribeInstant: (when: bigint) => new VirtualPollable(env, when),
        subscribeDuration: (ns: bigint) => new VirtualPollable(env, clock!.now + ns),
      }
    : mono;
  const wall: Obj = det
    ? {
        now: () => ({ seconds: env.epoch + clock!.now / 1_000_000_000n, nanoseconds: Number(clock!.now % 1_000_000_000n) }),
        resolution: () => ({ seconds: 0n, nanoseconds: 1 }),
      }
    : shim.clocks.wallClock;
  const poll: Obj = det
    ? {
        Pollable: VirtualPollable,
        poll(list: { ready(): boolean; block(): void; until?: bigint }[]): Uint32Array {
          if (list.length === 0) throw new Trap('host-error', { builtin: 'wasi:io/poll.poll', detail: 'poll of an empty list' });
          let ready = list.flatMap((p, i) => (p.ready() ? [i] : []));
          if (ready.length === 0) {
            // Time moves to the earliest deadline; a real pollable (a file) blocks.
            const virt = list.filter((p) => p instanceof VirtualPollable) as VirtualPollable[];
            if (virt.length > 0) virt.reduce((a, b) => (a.until <= b.until ? a : b)).block();
            else list[0]!.block();
            ready = list.flatMap((p, i) => (p.ready() ? [i] : []));
          }
          return Uint32Array.from(ready);
        },
      }
    : shim.io.poll;
  const random: Obj = {
    getRandomBytes: (len: bigint) => env.randomBytes(checkLen(len, 'get-random-bytes')),
    getRandomU64: () => (env.rng ? env.rng.u64() : (shim.random.random['getRandomU64'] as () => bigint)()),
  };
  const insecure: Obj = {
    getInsecureRandomBytes: (len: bigint) => env.randomBytes(checkLen(len, 'get-insecure-random-bytes')),
    getInsecureRandomU64: () => (env.rng ? env.rng.u64() : (shim.random.insecure['getInsecureRandomU64'] as () => bigint)()),
  };
  const insecureSeed: Obj = {
    insecureSeed: () => (env.rng ? [env.rng.u64(), env.rng.u64()] : (shim.random.insecureSeed['insecureSeed'] as () => unknown)()),
  };
  if (!det) {
    random['getRandomBytes'] = (len: bigint) => (shim.random.random['getRandomBytes'] as (n: bigint) => Uint8Array)(BigInt(checkLen(len, 'get-random-bytes')));
  }
  return {
    'wasi:cli/environment': {
      getEnvironment: () => env.env,
      getArguments: () => env.args,
      initialCwd: () => env.options.cwd,
    },
    'wasi:cli/exit': {
      exit: (status: { tag: string }) => exit(status.tag === 'ok' ? 0 : 1),
      exitWithCode: (code: number) => exit(code),
    },
    'wasi:cli/stdin': { getStdin: () => stdin },
    'wasi:cli/stdout': { getStdout: () => stdout },
    'wasi:cli/stderr': { getStderr: () => stderr },
    'wasi:cli/terminal-input': cli.terminalInput as unknown as Obj,
    'wasi:cli/terminal-output': cli.terminalOutput as unknown as Obj,
    'wasi:cli/terminal-stdin': { getTerminalStdin: () => (terminal ? tIn : undefined) },
    'wasi:cli/terminal-stdout': { getTerminalStdout: () => (terminal ? tOut : undefined) },
    'wasi:cli/terminal-stderr': { getTerminalStderr: () => (terminal ? tErr : undefined) },
    'wasi:clocks/monotonic-clock': monotonic,
    'wasi:clocks/wall-clock': wall,
    'wasi:io/poll': poll,
    'wasi:io/error': shim.io.error,
    'wasi:io/streams': shim.io.streams,
    'wasi:random/random': random,
    'wasi:random/insecure': insecure,
    'wasi:random/insecure-seed': insecureSeed,
    'wasi:filesystem/types': fs.types,
    'wasi:filesystem/preopens': fs.preopens,
  };
}
