import { fastCheckSeed } from './fast-check-seed';

/** Once per `jest` run: say which seed the property tests use. */
export default function globalSetup(): void {
  process.stdout.write(`fast-check seed ${fastCheckSeed()} (set FC_SEED to change it)\n`);
}
