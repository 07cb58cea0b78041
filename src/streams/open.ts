// Chooses the stream backend from DURABLE_AGENT_STREAM: `store` (the default: files in the message store's
// directory, for workers and readers on one machine or a shared volume), `redis://…` (many machines and many
// readers), or `off`.
import path from 'node:path';
import type { PayloadCodec } from '@temporalio/common';
import { codecsOf } from '../codec/keys';
import { resolveSettings } from '../settings';
import type { Settings, StreamSetting } from '../settings';
import { OFF_BACKEND } from './backend';
import type { StreamBackend } from './backend';
import { FileRecordLog, STREAMS_SUBDIR } from './file-log';
import { RedisRecordLog } from './redis-log';
import { RecordStreamBackend } from './sealed';

/** Default retention of a Redis stream after its last event: a week. */
export const DEFAULT_STREAM_RETENTION_HOURS = 24 * 7;

/** What a stream backend is opened from. */
export interface StreamBackendOptions {
  stream: StreamSetting;
  /** The message store's directory; `store` streams live in its `streams/` subdirectory. */
  storeDir: string;
  /** The payload codecs: streams are sealed when they encrypt. */
  codecs: readonly PayloadCodec[];
  /** Retention of Redis streams, in hours. */
  retentionHours?: number;
}

/** Opens the backend the settings name; a Redis URL is connected to (and checked) here. */
export async function openStreamBackend(options: StreamBackendOptions): Promise<StreamBackend> {
  const { stream, codecs } = options;
  if (stream.kind === 'off') return OFF_BACKEND;
  if (stream.kind === 'store')
    return new RecordStreamBackend(new FileRecordLog(path.join(options.storeDir, STREAMS_SUBDIR)), codecs);
  const hours = options.retentionHours ?? DEFAULT_STREAM_RETENTION_HOURS;
  return new RecordStreamBackend(
    await RedisRecordLog.connect(stream.url, Math.max(1, Math.round(hours * 3600))),
    codecs,
  );
}

/** The setting names a stream backend is opened from. */
const STREAM_SETTING_NAMES = [
  'DURABLE_AGENT_STREAM',
  'DURABLE_AGENT_STREAM_RETENTION_HOURS',
  'DURABLE_AGENT_STORE_DIR',
  'DURABLE_AGENT_CACHE_DIR',
  'DURABLE_AGENT_ENCRYPTION_KEY',
  'DURABLE_AGENT_ENCRYPTION_KEY_ID',
  'DURABLE_AGENT_ENCRYPTION_OLD_KEYS',
] as const;

/** The backend options of resolved settings (codecs from the settings unless given). */
export function streamOptionsOf(settings: Settings, codecs?: readonly PayloadCodec[]): StreamBackendOptions {
  const hours = settings.DURABLE_AGENT_STREAM_RETENTION_HOURS;
  return {
    stream: settings.DURABLE_AGENT_STREAM,
    storeDir: settings.storeDir,
    codecs: codecs ?? codecsOf(settings),
    ...(hours !== undefined ? { retentionHours: hours } : {}),
  };
}

/** Opens the backend of the environment, as a client process (the CLI, watchRun) does. */
export function streamBackendFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  codecs?: readonly PayloadCodec[],
): Promise<StreamBackend> {
  return openStreamBackend(streamOptionsOf(resolveSettings(env, STREAM_SETTING_NAMES), codecs));
}
