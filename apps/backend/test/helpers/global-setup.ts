import { ensureTemplate } from './pg';

/** Once per `jest` run: the migrated template database every test file clones. */
export default async function globalSetup(): Promise<void> {
  await ensureTemplate();
}
