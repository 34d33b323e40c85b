// The abort handler of components built with `wasip3-task componentize`
// (`--use abort=.../sdk/abort/sdkAbort`): a trap, with no import, so any
// world can use it. The message is lost; the host reports the trap.

export function sdkAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  unreachable();
}
