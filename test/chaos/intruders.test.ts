import { afterAll, beforeAll, expect, test } from 'vitest';
import { startAppHarness, type AppHarness } from '../../src/chaos/app-harness.js';
import { runIntruders, type IntruderReport } from '../../src/chaos/intruders.js';

let h: AppHarness & { gateId: number };
let report: IntruderReport;
beforeAll(async () => {
  h = await startAppHarness();
  report = await runIntruders(h);
}, 60_000);
afterAll(async () => {
  await h?.close();
});

test('every intruder check holds', () => {
  expect(report.failures).toEqual([]);
});

test('forged, stale and future Slack requests are refused', () => {
  expect(report.forgedSlackRefused).toBe(10);
});

test('an outsider is refused every action through commands and buttons, and each attempt is recorded', () => {
  expect(report.outsiderAttempts).toBe(16);
  expect(report.outsiderRefused).toBe(16);
  expect(report.refusalsRecorded).toBe(16);
});

test('an outsider cannot start a campaign by command, modal or Launch button: refused, recorded, nothing created', () => {
  expect(report.startAttempts).toBe(3);
  expect(report.startsRefused).toBe(3);
  expect(report.startRefusalsRecorded).toBe(3);
  expect(report.campaignsCreated).toBe(0);
});

test("under four eyes the launcher's own approval is refused and recorded", () => {
  expect(report.selfApprovals).toBe(2);
  expect(report.selfApprovalsRefused).toBe(2);
  expect(report.selfApprovalRefusalsRecorded).toBe(2);
});

test('a signed Approve replayed within the window is refused and records one decision', () => {
  expect(report.replays).toBe(3);
  expect(report.replaysRefused).toBe(3);
  expect(report.replayDecisions).toBe(1);
});

test('a replayed signed /fleet start and a signed 2 MB body are refused', () => {
  expect(report.replayedStartsRefused).toBe(2);
  expect(report.oversizedBodiesRefused).toBe(1);
});

test('forged webhooks, catalog and codemod escapes and a backtracking expression are all stopped', () => {
  expect(report.forgedWebhooksRefused).toBe(5);
  expect(report.catalogEscapesRefused).toBe(8);
  expect(report.codemodEscapesRefused).toBe(6);
  expect(report.codemodSecretsFound).toBe(0);
  expect(report.hostileRegexStopped).toBe(4);
});

test('no secret reaches the log', () => {
  expect(report.logLines).toBeGreaterThan(0);
  expect(report.secretsInLog).toBe(0);
});
