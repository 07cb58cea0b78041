// Task queue names of the bench. A run's task queue is written into several history events of every turn
// (each activity's scheduling names it, and the model calls go to `<queue>-model`), so a long name inflates
// the history figures over what a user's queue costs (the default is `durable-agent`).
import { randomBytes } from 'node:crypto';

/** A task queue unique to this bench run: `bench-<section>-` and 8 hex characters, e.g. `bench-e-1a2b3c4d`. */
export function benchQueue(prefix: string): string {
  return `bench-${prefix}-${randomBytes(4).toString('hex')}`;
}
