// The state one run of a chain hands to the next when it continues as new. It is the run's second argument,
// and whoever starts a workflow can pass a second argument too (`temporal workflow start --input A --input B`),
// so it is accepted only when it names, as the run it comes from, the run this one continued from: a value the
// server sets, and that a start request cannot know in advance. Anything else fails the run as invalid input.
import { workflowInfo } from '@temporalio/workflow';
import type { ContextState } from '../shared/context';
import type { MessageParam, StopReason } from '../shared/messages';
import type { Usage } from '../shared/result';
import type { RunPlan, ToolPolicy } from '../shared/run-plan';
import { invalidInput, planProblems, toolProblems } from './checks';
import type { Ledger } from './ledger';

/** Marks a value as resume state written by this workflow. */
export const RESUME_KIND = 'durable-agent.resume.v1';

/** What one run of the chain hands to the next when it continues as new. JSON only. */
export interface ResumeState {
  kind: typeof RESUME_KIND;
  /** Run ID of the run that wrote it; the next run checks it against the run it continued from. */
  fromRunId: string;
  plan: RunPlan;
  tools: ToolPolicy[];
  pinned: string;
  head: string | null;
  pending: MessageParam[];
  messages: number;
  iterations: number;
  usage: Usage;
  costUsd: number;
  children?: { usage: Usage; costUsd: number };
  stopReason: StopReason | null;
  ledger: Ledger;
  continuedText: string;
  lastText: string;
  /** The run's validated structured output, once given (runs with an output schema). */
  output?: unknown;
  /** How many outputs failed the schema so far. */
  invalidOutputs?: number;
  /** The next turn is the answering turn: the output is asked for (forced where the API allows). */
  outputDue?: boolean;
  /** What the run knows of its context window and how it compacted (absent before its first count). */
  context?: ContextState;
}

/** The resume state among the arguments after the run input, or undefined on a fresh start. */
export function acceptResume(extra: unknown[]): ResumeState | undefined {
  const given = extra.filter((arg) => arg !== undefined);
  if (given.length === 0) return undefined;
  const from = workflowInfo().continuedFromExecutionRunId;
  const resume = given[0] as ResumeState;
  const forged =
    given.length > 1 ||
    from === undefined ||
    typeof resume !== 'object' ||
    resume === null ||
    resume.kind !== RESUME_KIND ||
    resume.fromRunId !== from;
  if (forged) {
    throw invalidInput([
      'agentRun takes one argument, the run input; a second argument is accepted only from the run it continues as new. Start the run with a single input.',
    ]);
  }
  const problems = [...planProblems(resume.plan), ...toolProblems(resume.tools), ...stateProblems(resume)];
  if (problems.length > 0) throw invalidInput(problems.map((p) => `resume state: ${p}`));
  return resume;
}

function stateProblems(s: ResumeState): string[] {
  const counts = [s.messages, s.iterations, s.costUsd, ...Object.values(s.usage ?? {})];
  const problems: string[] = [];
  if (!isUsage(s.usage)) problems.push('usage is not a token count');
  if (!counts.every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0))
    problems.push('a counter is not a number');
  if (typeof s.pinned !== 'string' || (s.head !== null && typeof s.head !== 'string'))
    problems.push('pinned or head is not a reference');
  if (!Array.isArray(s.pending)) problems.push('pending is not a list');
  const ledger = s.ledger as Partial<Ledger> | undefined;
  if (
    typeof ledger?.counts?.total !== 'number' ||
    typeof ledger.inDoubt !== 'number' ||
    !Array.isArray(ledger.recent) ||
    !Array.isArray(ledger.unstored) ||
    (ledger.ref !== null && typeof ledger.ref !== 'string')
  )
    problems.push('ledger is not a tool-call ledger');
  if (typeof s.continuedText !== 'string' || typeof s.lastText !== 'string')
    problems.push('text is not a string');
  return problems;
}

function isUsage(usage: unknown): boolean {
  return (
    typeof usage === 'object' &&
    usage !== null &&
    ['inputTokens', 'outputTokens', 'cacheReadInputTokens', 'cacheCreationInputTokens'].every(
      (k) => typeof (usage as Record<string, unknown>)[k] === 'number',
    )
  );
}
