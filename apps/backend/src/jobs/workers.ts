import type { Deps } from '../deps';
import type { Stoppable } from '../lifecycle';

/**
 * ROLE=worker|all: the BullMQ workers. None exist yet (the analyze worker arrives with the
 * analysis feature); this returns a handle so main.ts already wires startup and shutdown.
 */
export async function startWorkers(deps: Deps): Promise<Stoppable> {
  deps.log.info('workers started', { workers: [] });
  return { name: 'workers', stop: async () => {} };
}
