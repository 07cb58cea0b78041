// `durable-agent/testing`: a fake Messages API over real HTTP, and a real Temporal dev server, for testing
// agents without the Claude API or a Temporal cluster.
export * from '../testing';
export { freePort, startDevServer } from '../dev-server';
export type { DevServer, DevServerOptions } from '../dev-server';
