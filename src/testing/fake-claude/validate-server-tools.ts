// The Messages API's server tools: the tool types it knows (each with the name it requires), and the
// server_tool_use and result blocks a client sends back, which must be the ones the API returned, unchanged.
import { reject } from './errors';
import type { JsonObject } from './json';
import { at } from './json';
import type { Provenance } from './provenance';
import { serverKey } from './provenance';
import type { RequestMessage } from './types';

// Every non-custom tool type of the stable Messages API (as the SDK lists them), with the name it must carry;
// null where the type is a toolset without one.
const SERVER_TOOLS: Readonly<Record<string, readonly string[] | null>> = {
  bash_20250124: ['bash'],
  browser_toolset_20260801: null,
  code_execution_20250522: ['code_execution'],
  code_execution_20250825: ['code_execution'],
  code_execution_20260120: ['code_execution'],
  code_execution_20260521: ['code_execution'],
  computer_toolset_20260801: null,
  memory_20250818: ['memory'],
  text_editor_20250124: ['str_replace_editor'],
  text_editor_20250429: ['str_replace_based_edit_tool'],
  text_editor_20250728: ['str_replace_based_edit_tool'],
  tool_search_tool_bm25: ['tool_search_tool_bm25'],
  tool_search_tool_bm25_20251119: ['tool_search_tool_bm25'],
  tool_search_tool_regex: ['tool_search_tool_regex'],
  tool_search_tool_regex_20251119: ['tool_search_tool_regex'],
  web_fetch_20250910: ['web_fetch'],
  web_fetch_20260209: ['web_fetch'],
  web_fetch_20260309: ['web_fetch'],
  web_fetch_20260318: ['web_fetch'],
  web_search_20250305: ['web_search'],
  web_search_20260209: ['web_search'],
  web_search_20260318: ['web_search'],
};

/** Validates a server tool's type and name against the API's list; returns its name. */
export function validateServerTool(tool: JsonObject, path: string): string {
  const type = String(tool['type']);
  if (!(type in SERVER_TOOLS)) {
    const tags = ['custom', ...Object.keys(SERVER_TOOLS)].map((t) => `'${t}'`).join(', ');
    reject(path, `Input tag '${type}' found using 'type' does not match any of the expected tags: ${tags}`);
  }
  const names = SERVER_TOOLS[type];
  const name = tool['name'];
  if (names === null || names === undefined) return typeof name === 'string' ? name : type;
  if (name === undefined) reject(at(at(path, type), 'name'), 'Field required');
  if (typeof name !== 'string' || !names.includes(name))
    reject(at(at(path, type), 'name'), `Input should be ${names.map((n) => `'${n}'`).join(' or ')}`);
  return name;
}

/** Rejects server tool blocks outside assistant messages, and any this server did not play exactly so. */
export function checkServerBlocks(messages: RequestMessage[], provenance: Provenance): void {
  messages.forEach((message, index) => {
    if (typeof message.content === 'string') return;
    message.content.forEach((block, blockIndex) => {
      if (serverKey(block) === undefined) return;
      const path = at(at(at('messages', index), 'content'), blockIndex);
      const type = String(block['type']);
      if (message.role !== 'assistant')
        reject(path, `\`${type}\` blocks may only appear in assistant messages`);
      if (!provenance.servedUnchanged(block))
        reject(
          path,
          `This \`${type}\` block does not match one the API returned. Server tool blocks must be sent back exactly as they were received.`,
        );
    });
  });
}
