/** Errors of the `wasip3-task` command line that are not guest traps. */

/** A problem with the command's input (not a trap in the guest): exit code 2. */
export class RunError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'RunError';
  }
}
