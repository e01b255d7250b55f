// One independent random stream per source of randomness (each machine's cycle times, its
// failures, its repairs, its setups; each station's scrap; the arrivals), named, so that a
// baseline and a scenario draw the same numbers for everything they share: common random
// numbers. A stream's numbers depend only on the run's seed and the stream's name, never on
// which other streams exist or how often they are drawn from; adding a printer or changing
// the robot's cycle time leaves every other machine's draws as they were.
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';

type Generator = ReturnType<typeof xoroshiro128plusFromState>;

const TWO_POW_MINUS_53 = 1.1102230246251565e-16;

export class RandomStream {
  private readonly rng: Generator;

  constructor(
    readonly seed: number,
    readonly name: string,
  ) {
    this.rng = xoroshiro128plusFromState(streamState(seed, name));
  }

  /**
   * Uniform on the open interval (0, 1), 53 bits: never 0 or 1, so every inverse CDF is
   * finite (the normal's at 0 is -∞).
   */
  next(): number {
    const rng = this.rng;
    const high = rng.next() >>> 6; // 26 bits
    const low = rng.next() >>> 5; // 27 bits
    return (high * 134217728 + low + 0.5) * TWO_POW_MINUS_53;
  }
}

/**
 * The generator's 128-bit state from the seed and the stream's name: FNV-1a over the name,
 * then splitmix32 steps, so names that differ in one letter and seeds that differ by one give
 * unrelated states (pure-rand's own `xoroshiro128plus(seed)` fills the state from the seed
 * nearly as is, which is fine for one stream and poor for many neighbours).
 */
export function streamState(seed: number, name: string): number[] {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  // Seeds beyond 32 bits keep their upper part.
  const low = seed | 0;
  const high = Math.floor(seed / 4294967296) | 0;
  let x = (h ^ Math.imul(low, 0x9e3779b1) ^ Math.imul(high, 0x85ebca77)) | 0;
  const state: number[] = [];
  for (let i = 0; i < 4; i++) {
    x = (x + 0x9e3779b9) | 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    state.push((z ^ (z >>> 16)) | 0);
  }
  if (!state.some((s) => s !== 0)) state[0] = 1; // the one state xoroshiro cannot leave
  return state;
}

/** The run's streams by name, each made on first use. */
export class RandomStreams {
  private readonly streams = new Map<string, RandomStream>();
  constructor(readonly seed: number) {}
  get(name: string): RandomStream {
    let s = this.streams.get(name);
    if (!s) this.streams.set(name, (s = new RandomStream(this.seed, name)));
    return s;
  }
}
