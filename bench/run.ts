// `npm run bench`: runs the benchmark scenarios against one dev server and one fake Claude, and writes
// BENCHMARKS.md. Options: --only a,c (a subset; printed unless --out is given), --reps N, --out FILE.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as prettier from 'prettier';
import { startBenchEnv } from './env';
import { describeMachine } from './machine';
import { renderReport } from './report';
import type { Scenario, ScenarioContext, Section } from './scenario';
import { overhead } from './scenarios/a-overhead';
import { longRun } from './scenarios/b-long-run';
import { fanOut } from './scenarios/c-fan-out';
import { throughput } from './scenarios/d-throughput';
import { historySize } from './scenarios/e-history';
import { recovery, tokensAfterCrash } from './scenarios/fg-crash';
import { streams } from './scenarios/h-streams';
import { peer } from './scenarios/p-peer';

const SCENARIOS: Scenario[] = [
  overhead,
  longRun,
  fanOut,
  throughput,
  historySize,
  recovery,
  tokensAfterCrash,
  streams,
  peer,
];

/** Repetitions of every section unless `--reps` says otherwise: issue 10 asks for medians of at least 5. */
const DEFAULT_REPS = 5;

const USAGE = 'usage: npm run bench -- [--only a,b,...] [--reps N] [--out FILE]';

function options() {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      reps: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(`${USAGE}\nScenarios: ${SCENARIOS.map((s) => `${s.id} ${s.title}`).join('; ')}`);
    process.exit(0);
  }
  const reps = values.reps === undefined ? undefined : Number(values.reps);
  if (reps !== undefined && (!Number.isInteger(reps) || reps < 1))
    throw new Error(`--reps must be a positive integer\n${USAGE}`);
  const ids = values.only?.split(',').map((s) => s.trim().toLowerCase()) ?? SCENARIOS.map((s) => s.id);
  const unknown = ids.filter((id) => !SCENARIOS.some((s) => s.id === id));
  if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}\n${USAGE}`);
  // A full run writes BENCHMARKS.md; a subset only prints, so it never replaces the full report by accident.
  const out =
    values.out ?? (values.only === undefined ? path.resolve(__dirname, '..', 'BENCHMARKS.md') : undefined);
  return { scenarios: SCENARIOS.filter((s) => ids.includes(s.id)), reps, out };
}

async function main(): Promise<void> {
  const { scenarios, reps, out } = options();
  const argv = process.argv.slice(2);
  const command = `npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`;
  // Figures are for the default configuration: no payload encryption, whatever this shell has set.
  for (const name of Object.keys(process.env))
    if (name.startsWith('DURABLE_AGENT_ENCRYPTION')) delete process.env[name];
  // Every child worker adds an exit hook that kills it if the bench dies.
  process.setMaxListeners(100);

  const startedAt = new Date();
  const loadBefore = os.loadavg();
  const log = (line: string) =>
    console.log(`${((Date.now() - startedAt.getTime()) / 1000).toFixed(0).padStart(5)}s ${line}`);
  log(`starting the dev server and the fake Claude for ${scenarios.map((s) => s.id).join(', ')}`);
  const env = await startBenchEnv(log);
  // Described before anything runs: others may commit while the bench goes.
  const machine = describeMachine(env.cliPath);
  const shared = new Map<string, Promise<unknown>>();
  const sections: Section[] = [];
  const failures: string[] = [];
  try {
    for (const scenario of scenarios) {
      log(`(${scenario.id}) ${scenario.title}`);
      try {
        const ctx: ScenarioContext = { env, reps: reps ?? DEFAULT_REPS, log, shared };
        const sectionStart = Date.now();
        const section = await scenario.run(ctx);
        // (f) and (g) share their runs: the second one's time is what it still had to run.
        section.tookMs = Date.now() - sectionStart;
        log(`(${scenario.id}) took ${(section.tookMs / 1000).toFixed(0)} s`);
        sections.push(section);
      } catch (err) {
        const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
        log(`(${scenario.id}) failed: ${message}`);
        failures.push(`(${scenario.id}) ${scenario.title}: ${message.split('\n')[0]}`);
      }
    }
  } finally {
    await env.close();
  }

  const report = renderReport(
    {
      command,
      machine,
      startedAt,
      durationMs: Date.now() - startedAt.getTime(),
      loadBefore,
      loadAfter: os.loadavg(),
    },
    sections,
    failures,
  );
  if (out) {
    // Formatted as the repository's other Markdown, so `npm run check` passes on the file as written.
    const style = (await prettier.resolveConfig(out)) ?? {};
    writeFileSync(out, await prettier.format(report, { ...style, filepath: out }));
    log(`wrote ${out}`);
  } else {
    console.log(`\n${report}`);
  }
  if (failures.length > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
