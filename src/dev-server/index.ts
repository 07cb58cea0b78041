// Public entry point for finding the Temporal CLI and running a dev server.
export { freePort, startDevServer } from './dev-server';
export type { DevServer, DevServerOptions } from './dev-server';
export {
  TEMPORAL_CLI_GO_PACKAGE,
  cacheRoot,
  cachedTemporalCliPath,
  downloadTemporalCliWithSdk,
  findOrInstallTemporalCli,
  findTemporalCli,
  goBuildLogPath,
  toEphemeralServerExecutable,
} from './temporal-cli';
export type { TemporalCli, TemporalCliOptions, TemporalCliSource } from './temporal-cli';
