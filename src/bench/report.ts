import type { BenchResult } from './run-bench.js';

function row(cells: (string | number)[], widths: number[]): string {
  return cells.map((c, i) => String(c).padEnd(widths[i] ?? 10)).join('  ');
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/** The figures as a plain-text table for the terminal. */
export function formatReport(result: BenchResult): string {
  const lines: string[] = [];
  const w = [34, 50];
  lines.push(row(['measurement', 'figure'], w), row(['-'.repeat(34), '-'.repeat(50)], w));
  const a = result.ackLatencyMs;
  if (a) {
    const m = (s: { min: number; median: number; max: number }) => `${s.median} (${s.min}–${s.max})`;
    lines.push(row(['Fleet ack (ms), median (min–max)', `p50 ${m(a.fleet.ack.p50)}, p99 ${m(a.fleet.ack.p99)}, max ${m(a.fleet.ack.max)}`], w));
    lines.push(row(['bare Bolt ack (ms), same rounds', `p50 ${m(a.bare.ack.p50)}, p99 ${m(a.bare.ack.p99)}, max ${m(a.bare.ack.max)}`], w));
    lines.push(row(['  ack p99 Fleet / bare', `${m(a.p99Ratio)} over ${a.rounds} rounds of ${a.requestsPerRound}, ${a.concurrency} at a time; ${a.failed} failed`], w));
    lines.push(row(['Fleet reply at Slack (ms)', `p50 ${m(a.fleet.reply.p50)}, p99 ${m(a.fleet.reply.p99)}, max ${m(a.fleet.reply.max)}; ${a.missingReplies} missing`], w));
  }
  for (const t of result.tick ?? []) {
    lines.push(row([`tick, ${t.targets} in flight`, `${t.msPerTick} ms/tick (min ${t.msPerTickSpread.min}, max ${t.msPerTickSpread.max}), ${t.usPerTarget} µs/target, ×${t.ratioToSmallest} vs smallest`], w));
  }
  const g = result.githubRequestsPerTarget;
  if (g) {
    for (const mode of ['webhooks', 'polling', 'naive'] as const) {
      const m = g[mode];
      lines.push(row([`GitHub requests/target, ${mode}`, `${m.total} total, ${m.counted} counted, ${m.notModified} free 304s (poll every ${m.pollEvery})`], w));
    }
  }
  const c = result.contentRequestsPerPr;
  const shortRoute = (r: string) => r.split(' ')[0] + ' ' + (r.split('/').slice(4).join('/') || r);
  if (c) {
    lines.push(row(['content requests/PR', `${c.withPush} with the push; REST ${c.count}: ${c.requests.map(shortRoute).join(', ')}`], w));
    for (const b of c.bySetting) {
      lines.push(row([`  labels ${b.labels.length > 0 ? 'asked' : 'none'}, auto-delete ${b.deleteBranchOnMerge ? 'on' : 'off'}`, `${b.withPushPerPr} with the push; REST ${b.perPr}: ${b.requests.map(shortRoute).join(', ')}`], w));
    }
  }
  const gt = result.gitPerTarget;
  if (gt) {
    lines.push(row(['workspace → pushed branch (ms)', `min ${gt.workspaceToPushMs.min}, median ${gt.workspaceToPushMs.median}, max ${gt.workspaceToPushMs.max} (the change itself excluded)`], w));
    lines.push(row(['git bytes/target', `${gt.bytesPerTarget.sent} sent, ${gt.bytesPerTarget.received} received (${gt.gitRequestsPerTarget} git requests)`], w));
    lines.push(row(['REST content requests/PR', `${gt.restContentPerPr} (the push is git, not REST)`], w));
  }
  const p = result.prsPerHourCeiling;
  if (p) lines.push(row(['PRs/hour ceiling', `Fleet ${p.fleet} (primary ${p.primary}, secondary ${p.secondary}); naive ${p.naive} (primary ${p.naivePrimary})`], w));
  const sl = result.slackCallsPerCampaign;
  if (sl) lines.push(row([`Slack calls, ${sl.targets}-target campaign`, `${sl.calls} calls: ${sl.posts} posts, ${sl.updates} updates, ${sl.rateLimited} rate-limited (${sl.finalState})`], w));
  const r = result.peakRss;
  if (r) lines.push(row([`peak RSS, ${r.targets} in flight (MB)`, `${r.peakRssMb} (VmHWM of a child running Fleet alone; ${r.advanced} PRs opened in ${r.ticks} ticks)`], w));
  const d = result.decisionQuality;
  if (d) {
    lines.push(row([`decisions, ${d.campaigns.healthy}+${d.campaigns.bad} campaigns × ${d.campaigns.repos}`, `human touch ${pct(d.humanTouchShare)} (strict ${pct(d.humanTouchShareStrict)}), exposure ${pct(d.exposureBeforeHalt)} (max ${pct(d.exposureBeforeHaltMax)})`], w));
    lines.push(row(['', `false halts ${d.falseHalts}/${d.campaigns.healthy}, missed bad ${d.missedBad}/${d.campaigns.bad}, finished ${d.campaigns.finished}`], w));
    lines.push(row(['', `world ${d.world}, ${d.campaigns.targets} targets through every brick over HTTP in ${d.wallSeconds} s (${d.rounds} rounds of ${d.simulatedMinutesPerRound} simulated minutes), ${d.cpu.msPerTarget} ms CPU/target`], w));
  }
  const ws = result.worldShares;
  if (ws) {
    for (const [name, world] of Object.entries(ws)) {
      const o = world.observed;
      const m = (x: { median: number }) => pct(x.median);
      lines.push(row([`world ${name}, ${world.fleets} × ${world.repos} repos`, `red ${m(o.redDefault)} (rate ${pct(world.rates.redDefaultShare)}), flaky runs failing ${m(o.flakyRunFailure)} (${pct(world.rates.flakyFailRate)})`], w));
      lines.push(row(['', `PRs failing after a re-run ${m(o.prFailedAgain)} (own ${pct(world.rates.prOwnFailureShare)}), deploys failing ${m(o.deployFailed)} (${pct(world.rates.deployFailureShare)}), ${world.mismatches} mismatches`], w));
    }
  }
  const sc = result.scaleCampaign;
  if (sc) {
    const ph = sc.phases;
    lines.push(row([`campaign of ${sc.targets}, launch → digest`, `peak RSS ${sc.peakRssMb} MB (VmHWM of the child); ${sc.prsOpened} PRs in ${sc.wavesRun} waves, ${sc.ticks} ticks`], w));
    lines.push(row(['  ms (GitHub requests)', `launch ${ph.launch.ms} (${ph.launch.requests}), root ${ph.root.ms}, waves ${ph.waves.ms} (${ph.waves.requests}), messages ${ph.messages.ms}, digest ${ph.digest.ms}`], w));
  }
  const s = result.seconds;
  lines.push('', `took: ${Object.entries(s).map(([k, v]) => `${k} ${v} s`).join(', ')}`);
  return lines.join('\n');
}
