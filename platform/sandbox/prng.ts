/**
 * mulberry32: a tiny seeded PRNG, so every sandbox's data is the same on every machine and every run
 * (no Math.random anywhere in a sandbox).
 */
export function createRandom(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    chance: (p: number) => next() < p,
    /** a MongoDB ObjectId-shaped id: 24 lowercase hex digits (OZmap ids look like this) */
    objectId: () => {
      let s = '65a1f0c0';
      for (let i = 0; i < 16; i++) s += Math.floor(next() * 16).toString(16);
      return s;
    },
  };
}
export type Random = ReturnType<typeof createRandom>;
