// Extended thinking as pinned in the run plan, and what follows from it. No zod here, so workflow code can import it
// (the input schema and its checks stay in thinking.ts).

/** Extended thinking as pinned in the run plan (JSON). */
export type ThinkingConfig =
  | { type: 'enabled'; budgetTokens: number; interleaved?: boolean | undefined }
  | { type: 'adaptive'; interleaved?: boolean | undefined }
  | { type: 'disabled' };

/** Whether the model thinks under this setting (which restricts tool_choice and sampling). */
export function thinkingOn(thinking: ThinkingConfig | undefined): boolean {
  return thinking !== undefined && thinking.type !== 'disabled';
}

/** Whether the interleaved-thinking beta is asked for. */
export function interleaved(thinking: ThinkingConfig | undefined): boolean {
  return thinking !== undefined && thinking.type !== 'disabled' && thinking.interleaved === true;
}
