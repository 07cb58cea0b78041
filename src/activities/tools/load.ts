import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnyTool } from './define';

/** A tool module could not be loaded; the message names the module and what to fix. */
export class ToolModuleError extends Error {
  override name = 'ToolModuleError';
}

/** Splits DURABLE_AGENT_TOOLS (comma-separated paths) into paths, ignoring blanks. */
export function toolModulePaths(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

/** Loads tool modules; each module's default export is a tool or an array of tools. */
export async function loadToolModules(
  paths: readonly string[],
  cwd: string = process.cwd(),
): Promise<AnyTool[]> {
  const tools: AnyTool[] = [];
  for (const modulePath of paths) {
    const absolute = path.resolve(cwd, modulePath);
    let mod: Record<string, unknown>;
    try {
      mod = await loadModule(absolute);
    } catch (err) {
      throw new ToolModuleError(
        `DURABLE_AGENT_TOOLS: cannot load ${modulePath} (${absolute}): ${(err as Error).message}`,
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
