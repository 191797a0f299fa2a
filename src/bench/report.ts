import type { BenchResult } from './run-bench.js';

function row(cells: (string | number)[], widths: number[]): string {
  return cells.map((c, i) => String(c).padEnd(widths[i] ?? 10)).join('  ');
}

/** The figures as a plain-text table for the terminal. */
export function formatReport(result: BenchResult): string {
  const lines: string[] = [];
  const w = [34, 50];
  lines.push(row(['measurement', 'figure'], w), row(['-'.repeat(34), '-'.repeat(50)], w));
  const a = result.ackLatencyMs;
  if (a) {
    lines.push(row(['slash-command ack (ms)', `p50 ${a.p50}, p99 ${a.p99}, max ${a.max} (${a.requests} requests, ${a.concurrency} at a time, ${a.failed} failed)`], w));
    lines.push(row(['  reply at response_url (ms)', `p50 ${a.replyP50}, p99 ${a.replyP99}`], w));
  }
  for (const t of result.tick ?? []) {
    lines.push(row([`tick, ${t.targets} in flight`, `${t.msPerTick} ms/tick (min ${t.msPerTickSpread.min}, max ${t.msPerTickSpread.max}), ${t.usPerTarget} µs/target, ×${t.ratioToSmallest} vs smallest`], w));
  }
  const s = result.seconds;
  lines.push('', `took: ${Object.entries(s).map(([k, v]) => `${k} ${v} s`).join(', ')}`);
  return lines.join('\n');
}
