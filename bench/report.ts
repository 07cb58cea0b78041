// Writes the results as BENCHMARKS.md.
import { verdict, verdictSentence } from './goals';
import type { Machine } from './machine';
import type { Row, Section } from './scenario';
import { format, formatRange } from './stats';
import { DEV_SERVER_DYNAMIC_CONFIG } from '../src/dev-server/dev-server';

/** Everything the report header states. */
export interface ReportHeader {
  command: string;
  machine: Machine;
  startedAt: Date;
  durationMs: number;
  loadBefore: number[];
  loadAfter: number[];
}

function row(r: Row): string {
  if (r.fixed !== undefined) return `| ${r.label} | ${r.fixed} | — | ${r.versus ?? ''} |`;
  const s = r.summary;
  if (!s) return `| ${r.label} | n/a | n/a | ${r.versus ?? ''} |`;
  return `| ${r.label} | ${format(s.median, r.unit)} | ${formatRange(s, r.unit)} | ${r.versus ?? ''} |`;
}

function rawValues(section: Section): string[] {
  const lines = section.rows
    .filter((r) => r.summary && r.summary.values.length > 1)
    .map(
      (r) =>
        `- ${r.label.replace(/\*\*/g, '')}: ${r.summary?.values.map((v) => format(v, r.unit)).join(', ')}`,
    );
  if (lines.length === 0) return [];
  return ['<details><summary>every repetition, in order</summary>', '', ...lines, '', '</details>', ''];
}

/** The heading of a section, and the anchor GitHub gives it (lower case, punctuation dropped, spaces to dashes). */
function heading(section: Section): { text: string; anchor: string } {
  const text = `(${section.id}) ${section.title}`;
  const anchor = text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
  return { text, anchor };
}

/** The table of every section's goals, for the top of the report. */
function goalsTable(sections: Section[]): string[] {
  const rows = sections.flatMap((section) =>
    (section.goals ?? []).map((g) => {
      const { anchor } = heading(section);
      const note = g.note && !g.met ? `: ${g.note}` : '';
      return `| ${g.figure} | ${g.goal} | ${g.measured} | ${verdict(g)}${note} | [(${section.id})](#${anchor}) |`;
    }),
  );
  if (rows.length === 0) return [];
  const all = sections.flatMap((s) => s.goals ?? []);
  return [
    '## Goals',
    '',
    `${all.filter((g) => g.met).length} of ${all.length} goals met in this run. Each verdict is computed from the ` +
      'measured values of its section (median over the repetitions, min–max in brackets; a ratio is the median of ' +
      'the per-repetition ratios).',
    '',
    '| figure | goal | measured | verdict | section |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ];
}

const minutes = (ms: number) => `${(ms / 60_000).toFixed(1)} min`;

/** The markdown of BENCHMARKS.md. */
export function renderReport(header: ReportHeader, sections: Section[], failures: string[]): string {
  const m = header.machine;
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(', ');
  const out = [
    '# Benchmarks',
    '',
    `Written by \`${header.command}\` on ${header.startedAt.toISOString()}; the whole bench took ` +
      `${minutes(header.durationMs)}. Each figure is the median of the repetitions its section ` +
      'states, with the smallest and largest value; ratios compare with a baseline measured in the same repetition ' +
      '(the median of the per-repetition ratios). `npm run bench -- --only a,c --reps 3` runs a subset (printed, not written here ' +
      'unless `--out BENCHMARKS.md`).',
    '',
    '| machine | |',
    '|---|---|',
    `| CPU | ${m.cpu}, ${m.cores} cores |`,
    `| memory | ${m.memoryGiB} GiB |`,
    `| OS | ${m.os} |`,
    `| Node.js | ${m.node} |`,
    `| Temporal CLI | ${m.temporalCli} |`,
    `| durable-agent | ${m.commit} |`,
    `| load average (1, 5, 15 min) | ${load(header.loadBefore)} before, ${load(header.loadAfter)} after |`,
    `| server settings | ${Object.entries(DEV_SERVER_DYNAMIC_CONFIG)
      .map(([key, value]) => `\`--dynamic-config-value ${key}=${value}\``)
      .join(', ')} |`,
    '',
    'One Temporal dev server (`temporal server start-dev --headless`, in-memory SQLite) and one fake Claude ' +
      '(src/testing, over HTTP on 127.0.0.1) serve the whole bench; each scenario has its own task queues (`bench-<section>-` and 8 hex characters, ' +
      'as long as a short user queue name; see (e)) and ' +
      'workers. Workers run in the bench process except in (f), (g) and (p), where they are child processes (that ' +
      '(f) and (g) kill; (p) runs its peer, which pins another Temporal SDK, and durable-agent alike). Payloads are not encrypted; worker logs are at ERROR level. Other processes share this machine, so ' +
      'the spread matters as much as the median.',
    '',
  ];
  if (failures.length > 0) out.push('**Failed scenarios:**', '', ...failures.map((f) => `- ${f}`), '');
  out.push(...goalsTable(sections));
  for (const section of sections) {
    const took = section.tookMs === undefined ? '' : `; the section took ${minutes(section.tookMs)}`;
    const goals = verdictSentence(section.goals ?? []);
    out.push(
      `## ${heading(section).text}`,
      '',
      `${section.setup} ${section.reps} repetition${section.reps === 1 ? '' : 's'}${took}.`,
      '',
      '| | median | min–max | vs baseline |',
      '|---|---:|---:|---|',
      ...section.rows.map(row),
      '',
      section.interpretation,
      '',
      ...(goals ? [goals, ''] : []),
      ...rawValues(section),
    );
  }
  return `${out.join('\n').trimEnd()}\n`;
}
