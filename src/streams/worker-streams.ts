// A worker's stream backend from DURABLE_AGENT_STREAM, refused at start where it cannot reach every reader.
import type { PayloadCodec } from '@temporalio/common';
import { StreamErrorType } from '../shared/errors';
import { resolveSettings } from '../settings';
import { DriverStore, LocalDiskStore } from '../store/message-store';
import type { MessageStore } from '../store/message-store';
import { StreamError } from './backend';
import type { StreamBackend } from './backend';
import { openStreamBackend } from './open';

/**
 * Opens the worker's stream backend. The default (`store`) keeps streams in files beside a local message store;
 * a worker whose store lives elsewhere (a storage driver: several machines) would keep them where no reader on
 * another machine looks, so it must name Redis (or `off`) instead.
 */
export async function openWorkerStreams(
  given: MessageStore | undefined,
  storeDir: string,
  codecs: readonly PayloadCodec[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<StreamBackend> {
  const settings = resolveSettings(env, ['DURABLE_AGENT_STREAM', 'DURABLE_AGENT_STREAM_RETENTION_HOURS']);
  const stream = settings.DURABLE_AGENT_STREAM;
  if (stream.kind === 'store' && given instanceof DriverStore) {
    throw new StreamError(
      StreamErrorType.Misconfigured,
      'The worker keeps messages in a storage driver (DriverStore), so its runs may move between machines, but run event streams default to files beside a local message store, where readers on other machines would not find them. Set DURABLE_AGENT_STREAM=redis://host:6379 (or DURABLE_AGENT_STREAM=off for no live events).',
    );
  }
  const hours = settings.DURABLE_AGENT_STREAM_RETENTION_HOURS;
  return openStreamBackend({
    stream,
    storeDir: given instanceof LocalDiskStore ? given.dir : storeDir,
    codecs,
    ...(hours !== undefined ? { retentionHours: hours } : {}),
  });
}
