import { reject } from './errors';
import type { JsonObject } from './json';
import { at, cacheBreakpoint, optionalBoolean, rejectExtraFields, requireObject } from './json';
import { validateServerTool } from './validate-server-tools';
import { validateStrictLimits, validateStrictSchema } from './validate-strict';

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

const CUSTOM_TOOL_FIELDS = [
  'type',
  'name',
  'description',
  'input_schema',
  'cache_control',
  'strict',
  'allowed_callers',
  'defer_loading',
  'eager_input_streaming',
  'input_examples',
] as const;

/** What later checks need to know about the validated `tools`. */
interface ToolsSummary {
  names: Set<string>;
  breakpoints: number;
}

/** Validates `tools`: custom tools strictly, server tools (a non-custom `type`, no schema) by type and name. */
export function validateTools(tools: unknown): ToolsSummary {
  const summary: ToolsSummary = { names: new Set(), breakpoints: 0 };
  if (tools === undefined) return summary;
  if (!Array.isArray(tools)) reject('tools', 'Input should be a valid list');
  tools.forEach((raw, index) => {
    const path = at('tools', index);
    const tool = requireObject(raw, path);
    const isServerTool =
      typeof tool['type'] === 'string' && tool['type'] !== 'custom' && tool['input_schema'] === undefined;
    const name = isServerTool ? validateServerTool(tool, path) : validateCustomTool(tool, at(path, 'custom'));
    if (summary.names.has(name)) reject('tools', `Tool names must be unique. Duplicate: '${name}'`);
    summary.names.add(name);
    summary.breakpoints += cacheBreakpoint(tool, path);
  });
  validateStrictLimits(tools.filter((tool) => (tool as JsonObject)['strict'] === true) as JsonObject[]);
  return summary;
}

function validateCustomTool(tool: JsonObject, path: string): string {
  rejectExtraFields(tool, CUSTOM_TOOL_FIELDS, path);
  const name = tool['name'];
  if (name === undefined) reject(at(path, 'name'), 'Field required');
  if (typeof name !== 'string' || !TOOL_NAME.test(name)) {
    reject(at(path, 'name'), `String should match pattern '${TOOL_NAME.source}'`);
  }
  if (tool['description'] !== undefined && typeof tool['description'] !== 'string') {
    reject(at(path, 'description'), 'Input should be a valid string');
  }
  optionalBoolean(tool, 'strict', path);
  const schemaPath = at(path, 'input_schema');
  if (tool['input_schema'] === undefined) reject(schemaPath, 'Field required');
  const schema = requireObject(tool['input_schema'], schemaPath);
  if (schema['type'] !== 'object') reject(at(schemaPath, 'type'), "Input should be 'object'");
  if (tool['strict'] === true) validateStrictSchema(schema, schemaPath);
  return name;
}

/** Validates `tool_choice` against the tools actually provided. */
export function validateToolChoice(choice: unknown, toolNames: Set<string>, thinkingEnabled: boolean): void {
  if (choice === undefined) return;
  const value = requireObject(choice, 'tool_choice');
  if (toolNames.size === 0) reject('tool_choice', 'tool_choice may only be specified while providing tools.');
  const type = value['type'];
  if (type === 'auto' || type === 'any') {
    rejectExtraFields(value, ['type', 'disable_parallel_tool_use'], 'tool_choice');
  } else if (type === 'none') {
    rejectExtraFields(value, ['type'], 'tool_choice');
  } else if (type === 'tool') {
    rejectExtraFields(value, ['type', 'name', 'disable_parallel_tool_use'], 'tool_choice');
    const name = value['name'];
    if (typeof name !== 'string') reject('tool_choice.tool.name', 'Field required');
    if (!toolNames.has(name)) reject('tool_choice.tool.name', `Tool '${name}' not found in provided tools`);
  } else {
    reject(
      'tool_choice',
      `Input tag '${String(type)}' found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'`,
    );
  }
  optionalBoolean(value, 'disable_parallel_tool_use', 'tool_choice');
  if (thinkingEnabled && (type === 'any' || type === 'tool')) {
    reject('tool_choice', 'Thinking may not be enabled when tool_choice forces tool use.');
  }
}
