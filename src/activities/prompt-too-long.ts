// The API's answer to a request larger than the model's context window: a 400 whose message reads
// "prompt is too long: 210000 tokens > 200000 maximum". It is not a bug in the request like other 400s: the run
// can compact its context and ask again, and the numbers tell it the window from then on.

const PROMPT_TOO_LONG = /prompt is too long:\s*(\d+)\s*tokens\s*>\s*(\d+)\s*maximum/i;

/** What a "prompt is too long" answer says: the request's tokens and the window. */
export interface PromptTooLong {
  promptTokens: number;
  windowTokens: number;
}

/** The numbers of a "prompt is too long" message, or undefined for any other message. */
export function parsePromptTooLong(message: string): PromptTooLong | undefined {
  const match = PROMPT_TOO_LONG.exec(message);
  if (!match) return undefined;
  const promptTokens = Number(match[1]);
  const windowTokens = Number(match[2]);
  if (!Number.isSafeInteger(promptTokens) || !Number.isSafeInteger(windowTokens) || windowTokens <= 0)
    return undefined;
  return { promptTokens, windowTokens };
}
