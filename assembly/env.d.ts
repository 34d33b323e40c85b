// Build-time constants, given by asconfig.json targets (`--use NAME=value`).
/** The task ABI version this build publishes and its importer understands: 1 or 2. */
declare const ABI_VERSION: i32;
/** 1: emit task-ABI events through the `wasip3-task-shim` `trace` import; 0: none. */
declare const TRACE: i32;
