// Which tools may run as local activities. A local activity runs inside the workflow task of the worker that
// runs the run: it sends no heartbeats, its worker's crash is noticed only when the workflow task times out, and
// it can run again after a failed workflow task even when it was given one attempt. That is only acceptable for
// short calls without side effects, in the worker's own process.
import type { AnyTool, ToolIsolation } from './define';
import { ToolSchemaError } from './schema';

/** The pinned spec's part for `runAs`: `{ local: true }` for a local-activity tool, nothing otherwise. */
export function runAsSpec(tool: AnyTool, label: string): { local?: true } {
  const runAs: unknown = tool.runAs;
  if (runAs === undefined || runAs === 'activity') return {};
  if (runAs !== 'localActivity') {
    throw new ToolSchemaError(
      `${label}: \`runAs\` must be 'activity' or 'localActivity', got ${JSON.stringify(runAs)}.`,
    );
  }
  if (tool.effect !== 'read') {
    throw new ToolSchemaError(
      `${label}: \`runAs: 'localActivity'\` is only for 'read' tools, and this one is '${tool.effect}': a local activity may run again after its worker's workflow task fails, even with a single attempt, and a crash is noticed only when the workflow task times out. Remove \`runAs\` (a regular activity) or, if the tool has no side effect, declare it \`effect: 'read'\`.`,
    );
  }
  if (tool.isolation === 'process') {
    throw new ToolSchemaError(
      `${label}: \`runAs: 'localActivity'\` runs the call in the worker's own process, so it cannot have \`isolation: 'process'\`. Remove one of the two.`,
    );
  }
  return { local: true };
}

/** Refuses a local-activity tool that the worker's default isolation would run in a child process. */
export function checkLocalIsolation(tool: AnyTool, fallback: ToolIsolation): void {
  if (tool.runAs !== 'localActivity' || tool.isolation !== undefined || fallback !== 'process') return;
  throw new ToolSchemaError(
    `tool "${tool.name}": it has \`runAs: 'localActivity'\`, which runs the call in the worker's own process, but DURABLE_AGENT_TOOL_ISOLATION is 'process'. Give the tool \`isolation: 'none'\`, or remove \`runAs\`.`,
  );
}
