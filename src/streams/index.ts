// Run event streams: backends, the writers the activities use, and the reader (watchRun).
export * from './backend';
export * from './assemble';
export { FileRecordLog, STREAMS_SUBDIR, STREAM_FILE_SUFFIX } from './file-log';
export { RedisRecordLog } from './redis-log';
export { RecordStreamBackend } from './sealed';
export {
  DEFAULT_STREAM_RETENTION_HOURS,
  openStreamBackend,
  streamBackendFromEnv,
  streamOptionsOf,
} from './open';
export type { StreamBackendOptions } from './open';
export { StreamWriter, warnOnce } from './writer';
export type { WarnFn } from './writer';
export { watchRun, watchSession, outcomeEvent } from './watch';
export type { WatchRunOptions, WatchSessionOptions } from './watch';
