import fc from 'fast-check';

/**
 * Property tests run on a fixed seed, printed once per run by the global setup, so a failure on a
 * busy CI machine is the same failure on a laptop. `FC_SEED=<n> npm test` explores other inputs;
 * fast-check prints the seed and path of any counterexample it finds.
 */
export const DEFAULT_FC_SEED = 20_261_206;

export function fastCheckSeed(): number {
  const raw = process.env.FC_SEED;
  if (raw === undefined || raw === '') return DEFAULT_FC_SEED;
  const seed = Number(raw);
  if (!Number.isInteger(seed)) throw new Error(`FC_SEED must be an integer, got "${raw}"`);
  return seed;
}

fc.configureGlobal({ seed: fastCheckSeed() });
