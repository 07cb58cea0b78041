// Turns whatever a tool returned into the text sent to the model. This runs after the tool succeeded, so it
// must never throw: an error here would fail the activity and re-run the tool, repeating its side effect.
import type { ToolResultContent } from '../shared';

/**
 * A tool result made of content blocks (text and images) rather than one text. The blocks go to the message
 * store and only their reference into history; `text` describes them, for when the store cannot keep them.
 */
export class ToolContent {
  constructor(
    readonly blocks: ToolResultContent,
    readonly text: string,
  ) {}
}

/** The text of a tool's result, and what could not be carried over as it was (empty when nothing). */
interface ToolOutputText {
  text: string;
  lost: string[];
}

// Deeper than this is almost surely a structure built by mistake; it also keeps the walk off the stack limit.
const MAX_DEPTH = 200;

/** Serializes a tool's return value: strings as they are, anything else as JSON with what JSON cannot hold converted. */
export function toolOutputText(output: unknown): ToolOutputText {
  if (typeof output === 'string') return { text: output === '' ? '(empty result)' : output, lost: [] };
  if (output === undefined) return { text: '(no result)', lost: [] };
  const lost = new Set<string>();
  try {
    const value = toJsonValue(output, [], lost, 0);
    if (value === undefined) {
      return { text: `(the tool returned a ${typeof output}, which has no JSON form)`, lost: [...lost] };
    }
    return { text: JSON.stringify(value), lost: [...lost] };
  } catch (err) {
    // Only a hostile value (a revoked Proxy, say) gets here; the tool's work still counts as done.
    const reason = err instanceof Error ? err.message : String(err);
    return { text: `(the tool's result could not be turned into text: ${reason})`, lost: [reason] };
  }
}

// Returns undefined for what JSON leaves out (functions, symbols, undefined), as JSON.stringify does.
function toJsonValue(value: unknown, ancestors: object[], lost: Set<string>, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) lost.add(`the number ${value} (sent as null)`);
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      lost.add('BigInt values (sent as strings)');
      return value.toString();
    case 'undefined':
      return undefined;
    case 'function':
    case 'symbol':
      lost.add(`${typeof value}s (left out)`);
      return undefined;
  }
  if (value === null) return null;
  const object = value as object;
  if (ancestors.includes(object)) {
    lost.add('circular references (sent as "[Circular]")');
    return '[Circular]';
  }
  if (depth >= MAX_DEPTH) {
    lost.add(`nesting deeper than ${MAX_DEPTH} levels (sent as "[Too deep]")`);
    return '[Too deep]';
  }
  const inner = [...ancestors, object];
  const toJson = attempt(() => (object as { toJSON?: unknown }).toJSON, lost);
  if (typeof toJson === 'function') {
    const converted = attempt(() => (toJson as () => unknown).call(object), lost);
    return converted === object
      ? plainObject(object, inner, lost, depth)
      : toJsonValue(converted, inner, lost, depth + 1);
  }
  if (object instanceof Map) return toJsonValue(Object.fromEntries(object), inner, lost, depth + 1);
  if (object instanceof Set) return toJsonValue([...object], inner, lost, depth + 1);
  if (Array.isArray(object)) {
    return object.map((item) => toJsonValue(item, inner, lost, depth + 1) ?? null);
  }
  return plainObject(object, inner, lost, depth);
}

function plainObject(object: object, inner: object[], lost: Set<string>, depth: number) {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(object)) {
    const item = toJsonValue(
      attempt(() => (object as Record<string, unknown>)[key], lost),
      inner,
      lost,
      depth + 1,
    );
    if (item !== undefined) out[key] = item;
  }
  return out;
}

// A getter or toJSON that throws loses that one value, not the whole result.
function attempt(read: () => unknown, lost: Set<string>): unknown {
  try {
    return read();
  } catch (err) {
    lost.add(`values whose getter or toJSON threw (${err instanceof Error ? err.message : String(err)})`);
    return undefined;
  }
}
