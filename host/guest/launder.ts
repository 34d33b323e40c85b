/**
 * The `launder` peer: another instance that takes a readable stream end and
 * hands back a new one that it forwards into. It forwards on demand: it reads
 * from the original end only while the guest has a read pending on the new
 * one, so a guest write on the original stream stays blocked until the guest
 * reads (step 1 of the #1618 scenario depends on that).
 */
import type { ComponentInstance, HostInstance, ReadableStreamEnd, WritableStreamEnd } from '../canon/index.js';
import { CopyResultKind } from '../canon/index.js';

/** The interface the guest imports `launder` from (wit/: shim:scenarios/laundry). */
export const LAUNDRY = 'shim:scenarios/laundry';

export function launderImport(guest: ComponentInstance, peer: HostInstance, readable: number): number {
  const from = guest.takeReadableStream(readable);
  const { readable: back, writable: into } = peer.streamNew();
  forward(peer, from, into);
  return guest.addReadableStream(back);
}

function forward(peer: HostInstance, from: ReadableStreamEnd, into: WritableStreamEnd): void {
  peer.whenReadPending(into, (n) => {
    peer.read(from, n, (result, bytes) => {
      // DROPPED may still carry the last bytes; forward them, then stop.
      const last = result.kind !== CopyResultKind.COMPLETED;
      if (bytes.length === 0 && last) {
        peer.dropReadable(from);
        peer.dropWritable(into);
        return;
      }
      peer.write(into, bytes, (written) => {
        if (last || written.kind === CopyResultKind.DROPPED) {
          peer.dropReadable(from);
          peer.dropWritable(into);
          return;
        }
        forward(peer, from, into);
      });
    });
  });
}
