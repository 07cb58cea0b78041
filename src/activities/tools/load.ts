import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnyTool } from './define';
import { commaList } from '../../settings';

/** A tool module could not be loaded; the message names the module and what to fix. */
export class ToolModuleError extends Error {
  override name = 'ToolModuleError';
}

// The module each loaded tool came from, so a call can be run in a child process that loads the same module.
const modules = new WeakMap<AnyTool, string>();

/** The absolute path of the module `tool` was loaded from; undefined for a tool given directly in code. */
export function toolModuleOf(tool: AnyTool): string | undefined {
  return modules.get(tool);
}

/** Splits DURABLE_AGENT_TOOLS (comma-separated paths) into paths, ignoring blanks. */
export function toolModulePaths(value: string | undefined): string[] {
  return commaList(value);
}

/** How long loading one tool module may take, unless the worker's settings say otherwise. */
const TOOL_IMPORT_TIMEOUT_MS = 30_000;

/** Loads tool modules; each module's default export is a tool or an array of tools. */
export async function loadToolModules(
  paths: readonly string[],
  cwd: string = process.cwd(),
  options: { importTimeoutMs?: number } = {},
): Promise<AnyTool[]> {
  const timeoutMs = options.importTimeoutMs ?? TOOL_IMPORT_TIMEOUT_MS;
  const tools: AnyTool[] = [];
  for (const modulePath of paths) {
    const absolute = path.resolve(cwd, modulePath);
    let mod: Record<string, unknown>;
    try {
      mod = await withTimeout(loadModule(absolute), timeoutMs, () => {
        return new ToolModuleError(
          `DURABLE_AGENT_TOOLS: ${modulePath} (${absolute}) did not finish loading within ${timeoutMs / 1000}s; something it runs at import (a top-level await, a connection) never settles. Move that work into the tool's run, or raise DURABLE_AGENT_TOOL_IMPORT_TIMEOUT_SECONDS.`,
        );
      });
    } catch (err) {
      if (err instanceof ToolModuleError) throw err;
      throw new ToolModuleError(
        `DURABLE_AGENT_TOOLS: cannot load ${modulePath} (${absolute}): ${describe(err)}`,
      );
    }
    // A CommonJS module compiled from `export default` arrives as { default: { default: x } } through import().
    let exported = mod.default;
    if (exported && typeof exported === 'object' && 'default' in exported && !('run' in exported)) {
      exported = (exported as { default: unknown }).default;
    }
    const list = Array.isArray(exported) ? exported : [exported];
    if (exported === undefined || list.length === 0) {
      throw new ToolModuleError(
        `DURABLE_AGENT_TOOLS: ${modulePath} has no default export; export a tool or an array of tools with \`export default\`.`,
      );
    }
    for (const candidate of list) {
      if (!candidate || typeof candidate !== 'object' || typeof (candidate as AnyTool).run !== 'function') {
        throw new ToolModuleError(
          `DURABLE_AGENT_TOOLS: ${modulePath}'s default export is not a tool (an object with name, description, input, effect and run).`,
        );
      }
      tools.push(candidate as AnyTool);
      modules.set(candidate as AnyTool, absolute);
    }
  }
  return tools;
}

// require() first: the project is CommonJS and runs under tsx, whose require hook compiles TypeScript tool
// modules. ES modules (.mjs, or packages of type module) go through import().
async function loadModule(absolute: string): Promise<Record<string, unknown>> {
  if (!absolute.endsWith('.mjs')) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above: require() loads TypeScript through tsx
      return { default: undefined, ...(require(absolute) as Record<string, unknown>) };
    } catch (err) {
      if ((err as { code?: string }).code !== 'ERR_REQUIRE_ESM') throw err;
    }
  }
  return (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
}

// A module may throw anything, not only Errors; the message must still say what it threw.
function describe(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message;
  if (typeof thrown === 'string') return thrown;
  let json: string | undefined;
  try {
    json = JSON.stringify(thrown);
  } catch {
    json = undefined;
  }
  return `it threw a non-Error value: ${json ?? String(thrown)}`;
}

// The module's own promise is left pending (an import cannot be aborted); the worker refuses to start anyway.
async function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
