// Anthropic's server tools (web search, web fetch, code execution): tools the API runs itself, declared in the
// request and never run by a worker. A run declares them in the API's own form; only the types below are
// accepted, so a typo or a version the API has retired fails at pinRun instead of as a 400 mid-run.
import { z } from 'zod';

const SEARCH = [
  'max_uses',
  'allowed_domains',
  'blocked_domains',
  'user_location',
  'allowed_callers',
  'defer_loading',
  'strict',
];
const FETCH = [
  'max_uses',
  'allowed_domains',
  'blocked_domains',
  'citations',
  'max_content_tokens',
  'url_sources',
  'allowed_callers',
  'defer_loading',
  'strict',
];
const CODE = ['allowed_callers', 'defer_loading', 'strict'];

/**
 * The server tool types a run may declare (the versions the installed SDK's stable Messages API lists), each
 * with the name the API requires and the settings it takes. `cache_control` is left out on purpose: the runtime
 * places the prompt-cache breakpoints, and the API allows only four.
 */
export const SERVER_TOOL_TYPES: Readonly<Record<string, { name: string; settings: readonly string[] }>> = {
  web_search_20250305: { name: 'web_search', settings: SEARCH },
  web_search_20260209: { name: 'web_search', settings: SEARCH },
  web_search_20260318: { name: 'web_search', settings: [...SEARCH, 'response_inclusion'] },
  web_fetch_20250910: { name: 'web_fetch', settings: FETCH },
  web_fetch_20260209: { name: 'web_fetch', settings: FETCH },
  web_fetch_20260309: { name: 'web_fetch', settings: [...FETCH, 'use_cache'] },
  web_fetch_20260318: { name: 'web_fetch', settings: [...FETCH, 'use_cache', 'response_inclusion'] },
  code_execution_20250522: { name: 'code_execution', settings: CODE },
  code_execution_20250825: { name: 'code_execution', settings: CODE },
  code_execution_20260120: { name: 'code_execution', settings: CODE },
  code_execution_20260521: { name: 'code_execution', settings: CODE },
};

/** One server tool as the run declares it: the API's `type`, `name` and settings, in the API's snake_case. */
export type ServerToolDeclaration = { type: string; name: string } & Record<string, unknown>;

/** The run input's `serverTools`. */
export const serverToolsSchema = z
  .array(z.object({ type: z.string().min(1), name: z.string().min(1) }).catchall(z.unknown()))
  .max(Object.keys(SERVER_TOOL_TYPES).length)
  .superRefine((tools, ctx) => {
    const names = new Set<string>();
    tools.forEach((tool, index) => {
      const issue = (path: Array<string | number>, message: string) =>
        ctx.addIssue({ code: 'custom', message, path: [index, ...path] });
      const known = SERVER_TOOL_TYPES[tool.type];
      if (!known) {
        issue(
          ['type'],
          `"${tool.type}" is not a server tool type this version knows; use one of ${Object.keys(SERVER_TOOL_TYPES).join(', ')}`,
        );
        return;
      }
      if (tool.name !== known.name) issue(['name'], `a ${tool.type} tool must be named "${known.name}"`);
      for (const key of Object.keys(tool)) {
        if (key === 'type' || key === 'name' || known.settings.includes(key)) continue;
        issue(
          [key],
          key === 'cache_control'
            ? 'cache_control is placed by the runtime (promptCaching); remove it'
            : `${tool.type} has no setting "${key}"; its settings are ${known.settings.join(', ')}`,
        );
      }
      if (names.has(tool.name)) issue(['name'], `only one server tool may be named "${tool.name}"`);
      names.add(tool.name);
    });
  });
