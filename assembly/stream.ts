// `stream<u8>` read and write operations on WaitableOperation.

import { stream_new, stream_read, stream_write, stream_cancel_read, stream_cancel_write } from "./canon";
import { WaitableOperation, operationNew, operationPoll, operationDrop } from "./waitable";

function writeStart(self: usize): u32 {
  const op = changetype<WaitableOperation>(self);
  return stream_write(op.handle, op.buf, op.len);
}
function readStart(self: usize): u32 {
  const op = changetype<WaitableOperation>(self);
  return stream_read(op.handle, op.buf, op.len);
}
function writeCancel(self: usize): u32 {
  return stream_cancel_write(changetype<WaitableOperation>(self).handle);
}
function readCancel(self: usize): u32 {
  return stream_cancel_read(changetype<WaitableOperation>(self).handle);
}
function opPoll(self: usize): bool {
  return operationPoll(changetype<WaitableOperation>(self));
}
function opDrop(self: usize): void {
  operationDrop(changetype<WaitableOperation>(self));
}

/** A write of up to 8 bytes, copied into the operation. */
export function streamWriteBytes(writable: u32, bytes: u64, len: u32): WaitableOperation {
  const op = operationNew(writable, writeStart.index, writeCancel.index, opPoll.index, opDrop.index);
  op.inline = bytes;
  op.buf = changetype<usize>(op) + offsetof<WaitableOperation>("inline");
  op.len = len;
  return op;
}

/** A read of up to `len` bytes into `buf`. */
export function streamRead(readable: u32, buf: usize, len: u32): WaitableOperation {
  const op = operationNew(readable, readStart.index, readCancel.index, opPoll.index, opDrop.index);
  op.buf = buf;
  op.len = len;
  return op;
}

/** A new stream: readable end in the low 32 bits, writable in the high. */
export function streamNew(): u64 {
  return stream_new();
}
