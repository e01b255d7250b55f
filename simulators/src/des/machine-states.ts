// The six states a machine's time is split into, in this order everywhere (arrays, reports).
// working: processing a part. blocked: holding a finished part that the next buffer has no
// room for. starved: free, with no part to take. failed: broken down, being repaired
// (with or without a part in it). setup: being set up (at the start, after off-shift).
// offShift: outside the calendar's working time (nights, breaks, planned stops), whatever it
// was doing before; it takes that up again when the shift starts.
export const MACHINE_STATES = ['working', 'blocked', 'starved', 'failed', 'setup', 'offShift'] as const;
export type MachineState = (typeof MACHINE_STATES)[number];

export const WORKING = 0;
export const BLOCKED = 1;
export const STARVED = 2;
export const FAILED = 3;
export const SETUP = 4;
export const OFF_SHIFT = 5;
export const STATE_COUNT = 6;

/** Active in the bottleneck method's sense: not waiting and not off shift. */
export const isActive = (state: number): boolean => state === WORKING || state === FAILED || state === SETUP;
