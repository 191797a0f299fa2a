import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { applyChange } from '../changes/apply-change.js';
import { resolveCodemod } from '../changes/codemod.js';
import { replaceText } from '../changes/replace.js';
import { isFleetError } from '../errors.js';
import { sendBlockAction, sendSlashCommand, sendViewSubmission, signRequest } from '../sandbox/slack/client.js';
import { ACTION } from '../slack/blocks/action-ids.js';
import { START_CALLBACK } from '../slack/start-modal.js';
import { CHANNEL, PEOPLE, SEEDED_CAMPAIGN, waitUntil, type AppHarness } from './app-harness.js';

/**
 * End-to-end checks that people and machines who should not act cannot: forged, stale, future
 * and replayed Slack requests; a person who is neither owner, approver nor admin; forged GitHub
 * webhooks; an outsider starting a campaign; a launcher approving its own gate; spec names and codemod paths that try to leave the catalog; a regular expression
 * built to backtrack forever; and secrets that must never reach the log.
 */

export interface IntruderReport {
  /** Slack requests refused for their signature or timestamp. */
  forgedSlackRefused: number;
  /** Replays of a signed Approve inside the window, refused with 401, and the decisions recorded (must be 1). */
  replays: number;
  replaysRefused: number;
  replayDecisions: number;
  /** Replays of a signed `/fleet start` refused with 401, the store unchanged apart from auth.refused events. */
  replayedStartsRefused: number;
  /** Signed bodies of 2 MB refused with 413 before they were read, the store unchanged. */
  oversizedBodiesRefused: number;
  /** Outsider attempts through commands and buttons, refused, and auth.refused events recorded. */
  outsiderAttempts: number;
  outsiderRefused: number;
  refusalsRecorded: number;
  /** An outsider starting a campaign by command, start modal and Launch button: refused, recorded, nothing created. */
  startAttempts: number;
  startsRefused: number;
  startRefusalsRecorded: number;
  campaignsCreated: number;
  /** The launcher approving its own gate under policy.fourEyes, by button and command: refused and recorded. */
  selfApprovals: number;
  selfApprovalsRefused: number;
  selfApprovalRefusalsRecorded: number;
  forgedWebhooksRefused: number;
  catalogEscapesRefused: number;
  codemodEscapesRefused: number;
  /** Secrets a hostile codemod found in the environment, /proc, a key file or over the network (must be 0). */
  codemodSecretsFound: number;
  hostileRegexStopped: number;
  /** Log lines read, and secrets found in them (must be 0). */
  logLines: number;
  secretsInLog: number;
  /** Every check that did not hold, as a sentence. */
  failures: string[];
}

/** The state that matters to an intruder: everything except the event log (refusals are recorded there). */
const STATE_TABLES_IGNORED = ['events', 'outbox', 'seen_requests'];

/**
 * Runs every intruder check against a fresh harness (it decides the seeded gate at the end, so a
 * harness is good for one run).
 *
 * @example const report = await runIntruders(await startAppHarness());
 */
export async function runIntruders(h: AppHarness & { gateId: number }): Promise<IntruderReport> {
  const report: IntruderReport = {
    forgedSlackRefused: 0,
    replays: 0,
    replaysRefused: 0,
    replayDecisions: 0,
    replayedStartsRefused: 0,
    oversizedBodiesRefused: 0,
    outsiderAttempts: 0,
    outsiderRefused: 0,
    refusalsRecorded: 0,
    startAttempts: 0,
    startsRefused: 0,
    startRefusalsRecorded: 0,
    campaignsCreated: 0,
    selfApprovals: 0,
    selfApprovalsRefused: 0,
    selfApprovalRefusalsRecorded: 0,
    forgedWebhooksRefused: 0,
    catalogEscapesRefused: 0,
    codemodEscapesRefused: 0,
    codemodSecretsFound: 0,
    hostileRegexStopped: 0,
    logLines: 0,
    secretsInLog: 0,
    failures: [],
  };
  const fail = (sentence: string) => report.failures.push(sentence);
  const appUrl = `${h.appUrl}/slack/events`;
  const secret = h.secrets.signingSecret;
  const nowSeconds = () => Math.floor(Date.now() / 1000);

  // 1. Forged Slack requests: each must be 401 and change nothing.
  const before = h.snapshot();
  const forged: [string, () => Promise<{ status: number }>][] = [
    ['unsigned', () => rawPost(appUrl, commandBody('pause', SEEDED_CAMPAIGN), {})],
    ['a wrong secret', () => sendSlashCommand({ appUrl, signingSecret: `${secret}-not`, text: `pause ${SEEDED_CAMPAIGN}`, user: PEOPLE.owner, channel: CHANNEL })],
    ['a signature over another body', () => sendSlashCommand({ appUrl, signingSecret: secret, signature: signRequest({ signingSecret: secret, timestamp: nowSeconds(), body: 'text=list' }), text: `pause ${SEEDED_CAMPAIGN}`, user: PEOPLE.owner, channel: CHANNEL })],
    ['a garbage signature', () => sendSlashCommand({ appUrl, signingSecret: secret, signature: 'v0=zzzz', text: `pause ${SEEDED_CAMPAIGN}`, user: PEOPLE.owner, channel: CHANNEL })],
    ['a stale timestamp (6 minutes old)', () => sendSlashCommand({ appUrl, signingSecret: secret, timestamp: nowSeconds() - 360, text: `pause ${SEEDED_CAMPAIGN}`, user: PEOPLE.owner, channel: CHANNEL })],
    ['a timestamp 6 minutes in the future', () => sendSlashCommand({ appUrl, signingSecret: secret, timestamp: nowSeconds() + 360, text: `pause ${SEEDED_CAMPAIGN}`, user: PEOPLE.owner, channel: CHANNEL })],
    ['a timestamp a day in the future', () => sendSlashCommand({ appUrl, signingSecret: secret, timestamp: nowSeconds() + 86_400, text: `pause ${SEEDED_CAMPAIGN}`, user: PEOPLE.owner, channel: CHANNEL })],
    ['a non-numeric timestamp', () => rawPost(appUrl, commandBody('pause', SEEDED_CAMPAIGN), { 'x-slack-request-timestamp': 'soon', 'x-slack-signature': 'v0=00' })],
    ['a forged Approve click', () => sendBlockAction({ appUrl, signingSecret: `${secret}-not`, user: PEOPLE.owner, channel: CHANNEL, messageTs: '1.2', actionId: ACTION.approve, blockId: 'b', value: JSON.stringify({ c: SEEDED_CAMPAIGN, g: h.gateId }) })],
    ['a stale Approve click', () => sendBlockAction({ appUrl, signingSecret: secret, timestamp: nowSeconds() - 3600, user: PEOPLE.owner, channel: CHANNEL, messageTs: '1.2', actionId: ACTION.approve, blockId: 'b', value: JSON.stringify({ c: SEEDED_CAMPAIGN, g: h.gateId }) })],
  ];
  for (const [what, send] of forged) {
    const response = await send();
    if (response.status === 401) report.forgedSlackRefused++;
    else fail(`a Slack request with ${what} was answered ${response.status}, not 401`);
  }
  if (h.snapshot() !== before) fail('a forged Slack request changed the store');

  // 2. An outsider tries every action through commands and buttons.
  const stateBefore = h.snapshot(STATE_TABLES_IGNORED);
  const refusedBefore = h.store.events.list({ campaignId: SEEDED_CAMPAIGN, kinds: ['auth.refused'] }).length;
  const globalRefusedBefore = countGlobalRefusals(h);
  const commands = [`approve ${SEEDED_CAMPAIGN}`, `pause ${SEEDED_CAMPAIGN}`, `resume ${SEEDED_CAMPAIGN}`, `abort ${SEEDED_CAMPAIGN}`, `skip ${SEEDED_CAMPAIGN} acme/beta`, `retry ${SEEDED_CAMPAIGN} acme/beta`, 'freeze on'];
  for (const text of commands) {
    report.outsiderAttempts++;
    const seen = h.slack.ephemeral(PEOPLE.outsider).length;
    await h.slack.sendCommand({ user: PEOPLE.outsider, channel: CHANNEL, text });
    const reply = await waitUntil(() => h.slack.ephemeral(PEOPLE.outsider)[seen], 10_000, `a reply to /fleet ${text}`);
    if (/Only .* can /.test(String(reply.text))) report.outsiderRefused++;
    else fail(`/fleet ${text} from an outsider got "${String(reply.text)}"`);
  }
  const message = await postButtonsMessage(h);
  const campaignValue = JSON.stringify({ c: SEEDED_CAMPAIGN });
  const buttons: [string, string][] = [
    [ACTION.approve, JSON.stringify({ c: SEEDED_CAMPAIGN, g: h.gateId })],
    [ACTION.reject, JSON.stringify({ c: SEEDED_CAMPAIGN, g: h.gateId })],
    [ACTION.pause, campaignValue],
    [ACTION.resume, campaignValue],
    [ACTION.abort, campaignValue],
    [ACTION.abortConfirm, campaignValue],
    [ACTION.retry, JSON.stringify({ c: SEEDED_CAMPAIGN, r: 'acme/beta' })],
    [ACTION.skip, JSON.stringify({ c: SEEDED_CAMPAIGN, r: 'acme/beta' })],
    [ACTION.revertWave, JSON.stringify({ c: SEEDED_CAMPAIGN, w: 0 })],
  ];
  for (const [actionId, value] of buttons) {
    report.outsiderAttempts++;
    const seen = h.slack.ephemeral(PEOPLE.outsider).length;
    await h.slack.clickButton({ user: PEOPLE.outsider, actionId, channel: CHANNEL, messageTs: message, blockId: 'b0', value });
    const reply = await waitUntil(() => h.slack.ephemeral(PEOPLE.outsider)[seen], 10_000, `a reply to a click of ${actionId}`);
    if (/Only .* can /.test(String(reply.text))) report.outsiderRefused++;
    else fail(`a click of ${actionId} by an outsider got "${String(reply.text)}"`);
  }
  report.refusalsRecorded = h.store.events.list({ campaignId: SEEDED_CAMPAIGN, kinds: ['auth.refused'] }).length - refusedBefore + (countGlobalRefusals(h) - globalRefusedBefore);
  if (report.refusalsRecorded !== report.outsiderAttempts) fail(`${report.outsiderAttempts} outsider attempts but ${report.refusalsRecorded} auth.refused events`);
  if (h.snapshot(STATE_TABLES_IGNORED) !== stateBefore) fail('an outsider changed a campaign, target or gate');

  // 2b. An outsider (no admin, not in FLEET_LAUNCHERS) tries to start a campaign three ways.
  const startStateBefore = h.snapshot(STATE_TABLES_IGNORED);
  const campaignsBefore = h.store.campaigns.list().length;
  const eventsBefore = h.store.events.list().length;
  const startRefusedBefore = countStartRefusals(h);
  const catalogChoice = { spec: { spec: { type: 'static_select', selected_option: { value: 'tiny-bump' } } } };
  const starts: [string, () => Promise<unknown>][] = [
    ['/fleet start tiny-bump', () => h.slack.sendCommand({ user: PEOPLE.outsider, channel: CHANNEL, text: 'start tiny-bump' })],
    ['the start modal', () => sendViewSubmission({ appUrl, signingSecret: secret, user: PEOPLE.outsider, view: { id: 'VINTRUDER1', callback_id: START_CALLBACK, private_metadata: JSON.stringify({ channel: CHANNEL }), state: { values: catalogChoice } } })],
    ['a Launch button', () => h.slack.clickButton({ user: PEOPLE.outsider, actionId: ACTION.launch, channel: CHANNEL, messageTs: message, blockId: 'b0', value: JSON.stringify({ catalog: 'tiny-bump', p: 'p-0123456789ab', at: Date.now(), h: '0123456789abcdef' }) })],
  ];
  for (const [what, send] of starts) {
    report.startAttempts++;
    const seen = h.slack.ephemeral(PEOPLE.outsider).length;
    await send();
    const reply = String((await waitUntil(() => h.slack.ephemeral(PEOPLE.outsider)[seen], 10_000, `a reply to ${what}`)).text);
    if (/Only admins and the launchers \(.*\) may start campaigns; .*ask an admin to make you a launcher/.test(reply)) report.startsRefused++;
    else fail(`${what} from an outsider got "${reply}"`);
  }
  report.startRefusalsRecorded = countStartRefusals(h) - startRefusedBefore;
  report.campaignsCreated = h.store.campaigns.list().length - campaignsBefore;
  if (report.startRefusalsRecorded !== report.startAttempts) fail(`${report.startAttempts} outsider starts but ${report.startRefusalsRecorded} auth.refused events`);
  if (report.campaignsCreated !== 0) fail(`an outsider created ${report.campaignsCreated} campaigns`);
  const startEvents = h.store.events.list().slice(eventsBefore);
  if (startEvents.some((e) => e.kind !== 'auth.refused')) fail(`an outsider's start recorded ${startEvents.map((e) => e.kind).join(', ')}`);
  if (h.snapshot(STATE_TABLES_IGNORED) !== startStateBefore) fail("an outsider's start changed a campaign, target or gate");

  // 2c. Four eyes: the seeded campaign's launcher (its owner) may not approve its own gate.
  const selfStateBefore = h.snapshot(STATE_TABLES_IGNORED);
  const selfRefusedBefore = countSelfApprovalRefusals(h);
  const selfEventsBefore = h.store.events.list({ campaignId: SEEDED_CAMPAIGN }).length;
  const selfApprovals: [string, () => Promise<unknown>][] = [
    ['an Approve click', () => h.slack.clickButton({ user: PEOPLE.owner, actionId: ACTION.approve, channel: CHANNEL, messageTs: message, blockId: 'b0', value: JSON.stringify({ c: SEEDED_CAMPAIGN, g: h.gateId }) })],
    [`/fleet approve ${SEEDED_CAMPAIGN}`, () => h.slack.sendCommand({ user: PEOPLE.owner, channel: CHANNEL, text: `approve ${SEEDED_CAMPAIGN}` })],
  ];
  for (const [what, send] of selfApprovals) {
    report.selfApprovals++;
    const seen = h.slack.ephemeral(PEOPLE.owner).length;
    await send();
    const reply = String((await waitUntil(() => h.slack.ephemeral(PEOPLE.owner)[seen], 10_000, `a reply to ${what} by the launcher`)).text);
    if (/another approver or an admin must approve/.test(reply)) report.selfApprovalsRefused++;
    else fail(`${what} by the campaign's launcher got "${reply}"`);
  }
  report.selfApprovalRefusalsRecorded = countSelfApprovalRefusals(h) - selfRefusedBefore;
  if (report.selfApprovalRefusalsRecorded !== report.selfApprovals) fail(`${report.selfApprovals} self-approvals but ${report.selfApprovalRefusalsRecorded} auth.refused events`);
  const selfEvents = h.store.events.list({ campaignId: SEEDED_CAMPAIGN }).slice(selfEventsBefore);
  if (selfEvents.some((e) => e.kind !== 'auth.refused')) fail(`a self-approval recorded ${selfEvents.map((e) => e.kind).join(', ')}`);
  if (h.snapshot(STATE_TABLES_IGNORED) !== selfStateBefore || h.store.gates.get(h.gateId)?.state !== 'open') fail("the launcher's own approval changed the campaign or its gate");

  // 3. Replay: a signed Approve sent again within the 5-minute window is refused (its signature was
  // seen); the gate's single decision would make it harmless anyway.
  const timestamp = nowSeconds();
  const fixedNow = () => timestamp * 1000;
  const approveClick = () =>
    sendBlockAction({ appUrl, signingSecret: secret, timestamp, now: fixedNow, user: PEOPLE.approver, channel: CHANNEL, messageTs: message, actionId: ACTION.approve, blockId: 'b0', value: JSON.stringify({ c: SEEDED_CAMPAIGN, g: h.gateId }) });
  const first = await approveClick();
  for (let i = 0; i < 3; i++) {
    const again = await approveClick();
    report.replays++;
    if (again.status === 401) report.replaysRefused++;
    else fail(`a replayed Approve was answered ${again.status}, not 401`);
  }
  if (first.status !== 200) fail(`the first Approve was answered ${first.status}`);
  await waitUntil(() => (h.store.gates.get(h.gateId)?.state === 'approved' ? true : undefined), 10_000, 'the approval');
  report.replayDecisions = h.store.events.list({ campaignId: SEEDED_CAMPAIGN, kinds: ['gate.approved'] }).length;
  if (report.replayDecisions !== 1) fail(`a replayed Approve recorded ${report.replayDecisions} decisions`);

  // 3b. A signed /fleet start replayed, and a signed 2 MB body: refused, the store unchanged but
  // for auth.refused events (the first start is processed and may record what it refuses).
  const startTimestamp = nowSeconds();
  const start = () => sendSlashCommand({ appUrl, signingSecret: secret, timestamp: startTimestamp, now: () => startTimestamp * 1000, text: 'start tiny-bump', user: PEOPLE.owner, channel: CHANNEL, triggerId: 'chaos-replayed-start' });
  const startLogs = h.logLines.length;
  if ((await start()).status !== 200) fail('the first signed /fleet start was not answered 200');
  await waitUntil(() => (h.logLines.slice(startLogs).some((l) => l.includes('"what":"/fleet start"')) ? true : undefined), 10_000, 'the first /fleet start to be handled');
  const withoutRefusals = () => h.snapshot(['events']) + JSON.stringify(h.store.events.list().filter((e) => e.kind !== 'auth.refused'));
  const startBefore = withoutRefusals();
  for (let i = 0; i < 2; i++) {
    const again = await start();
    if (again.status === 401) report.replayedStartsRefused++;
    else fail(`a replayed /fleet start was answered ${again.status}, not 401`);
  }
  const big = `command=%2Ffleet&text=${'a'.repeat(2 * 1024 * 1024)}`;
  const bigTimestamp = nowSeconds();
  const bigResponse = await rawPost(appUrl, big, { 'x-slack-request-timestamp': String(bigTimestamp), 'x-slack-signature': signRequest({ signingSecret: secret, timestamp: bigTimestamp, body: big }) });
  if (bigResponse.status === 413) report.oversizedBodiesRefused++;
  else fail(`a signed 2 MB body was answered ${bigResponse.status}, not 413`);
  if (withoutRefusals() !== startBefore) fail('a replayed /fleet start or a 2 MB body changed the store');

  // 4. Forged GitHub webhooks about a real target.
  const payload = JSON.stringify({ action: 'completed', repository: { full_name: 'acme/alpha' }, check_run: { name: 'ci', head_sha: 'abc', status: 'completed', conclusion: 'success', pull_requests: [{ number: 1 }] } });
  const hookBefore = h.snapshot();
  const hooks: Record<string, string>[] = [
    {},
    { 'x-hub-signature-256': sign(`${h.secrets.webhookSecret}-not`, payload) },
    { 'x-hub-signature-256': sign(h.secrets.webhookSecret, `${payload} `) },
    { 'x-hub-signature-256': 'sha256=' },
    { 'x-hub-signature': `sha1=${createHmac('sha1', h.secrets.webhookSecret).update(payload).digest('hex')}` },
  ];
  for (const extra of hooks) {
    const response = await fetch(`${h.appUrl}/github/webhooks`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'check_run', 'x-github-delivery': `forged-${Math.random()}`, ...extra }, body: payload });
    if (response.status === 401) report.forgedWebhooksRefused++;
    else fail(`a forged webhook (${JSON.stringify(extra)}) was answered ${response.status}`);
  }
  if (h.snapshot() !== hookBefore) fail('a forged webhook changed the store');

  // 5. Spec names that try to leave the catalog, through the app.
  const names = ['../outside', '../../etc/passwd', '/etc/passwd', 'linked-out', 'tiny-bump/../../outside', '..', '%2e%2e/outside', 'TINY-BUMP'];
  for (const name of names) {
    const seen = h.slack.ephemeral(PEOPLE.owner).length;
    await h.slack.sendCommand({ user: PEOPLE.owner, channel: CHANNEL, text: `preview ${name}` });
    const reply = String((await waitUntil(() => h.slack.ephemeral(PEOPLE.owner)[seen], 10_000, `a reply to preview ${name}`)).text);
    // The outside spec is named "outside": its name showing up would mean it was read.
    if (!reply.includes('outside the catalog') && !/not (a campaign name|a spec name)|No campaign spec/.test(reply)) fail(`preview ${name} got "${reply}"`);
    else if (/Preview of|\*outside\*/.test(reply)) fail(`preview ${name} read a spec from outside the catalog`);
    else report.catalogEscapesRefused++;
  }
  try {
    await h.service.catalog();
  } catch (error) {
    fail(`the catalog listing failed with a link in it: ${String(error)}`);
  }

  // 6. Codemod modules that try to leave the catalog.
  for (const name of ['../outside', '../../outside', '/tmp/outside', 'linked-out', 'sub/../../outside', '..']) {
    try {
      const path = await resolveCodemod(h.catalogDir, name);
      fail(`the codemod ${name} resolved to ${path}`);
    } catch (error) {
      if (isFleetError(error, 'change_invalid')) report.codemodEscapesRefused++;
      else fail(`the codemod ${name} failed with ${String(error)}`);
    }
  }

  // 6b. A codemod that hunts for secrets: the environment, Fleet's /proc entries, a key file
  // beside the catalog, and the fake Slack over loopback. It must find none, sandboxed or refused.
  await huntSecretsWithCodemod(h, report, fail);

  // 7. A regular expression built to backtrack forever is stopped, and the process goes on.
  for (const find of ['(a+)+$', '(a|aa)+$', '(.*a){20}$', '^(([a-z])+.)+[A-Z]([a-z])+$']) {
    const files = new Map([['src/a.txt', `${'a'.repeat(40)}!`], ['src/b.txt', `${'abcdefghij'.repeat(8)}!`]]);
    try {
      await replaceText({ paths: ['src/**'], find, replace: 'x', regex: true, flags: 'g' }, files, { repo: 'acme/alpha', timeoutMs: 200 });
      fail(`the expression ${find} finished; it was chosen to backtrack`);
    } catch (error) {
      if (isFleetError(error, 'change_failed') && error.message.includes('took longer')) report.hostileRegexStopped++;
      else fail(`the expression ${find} failed with ${String(error)}`);
    }
  }

  // 8. Secrets in the log: every line the app wrote during all of the above.
  report.logLines = h.logLines.length;
  const log = h.logLines.join('\n');
  for (const value of Object.values(h.secrets)) if (log.includes(value)) report.secretsInLog++;
  if (report.secretsInLog > 0) fail(`${report.secretsInLog} secrets appeared in the log`);
  return report;
}

const SECRET_HUNT = `
import { readFileSync } from 'node:fs';
const attempt = (fn) => { try { return String(fn()); } catch (error) { return 'refused'; } };
export async function transform(files, options) {
  const seen = [JSON.stringify(process.env), attempt(() => readFileSync('/proc/self/environ', 'utf8')), attempt(() => readFileSync('/proc/' + options.fleetPid + '/environ', 'utf8')),
    attempt(() => readFileSync('/proc/' + options.fleetPid + '/cmdline', 'utf8')), attempt(() => readFileSync(options.keyFile, 'utf8'))];
  seen.push(await fetch(options.slackUrl + 'auth.test', { method: 'POST' }).then((r) => r.text(), () => 'refused'));
  return { 'seen.txt': seen.join('\\n') };
}
`;

async function huntSecretsWithCodemod(h: AppHarness, report: IntruderReport, fail: (why: string) => void): Promise<void> {
  const keyFile = join(dirname(h.catalogDir), 'fleet-secrets.pem');
  writeFileSync(keyFile, Object.values(h.secrets).join('\n'));
  writeFileSync(join(h.catalogDir, 'codemods', 'secret-hunt.mjs'), SECRET_HUNT);
  const options = { fleetPid: process.pid, keyFile, slackUrl: h.slack.apiUrl };
  try {
    const result = await applyChange({ kind: 'codemod', options: { module: 'secret-hunt', options } }, new Map(), { repo: 'acme/alpha', catalogDir: h.catalogDir });
    const seen = JSON.stringify(result);
    for (const value of Object.values(h.secrets)) if (seen.includes(value)) report.codemodSecretsFound++;
    if (report.codemodSecretsFound > 0) fail(`a codemod found ${report.codemodSecretsFound} of Fleet's secrets`);
  } catch (error) {
    // No sandbox here: the codemod is refused, which also keeps every secret.
    if (!(isFleetError(error, 'change_failed') && error.message.includes('apt-get install bubblewrap'))) fail(`the secret-hunting codemod failed with ${String(error)}`);
  }
}

function countStartRefusals(h: AppHarness): number {
  return h.store.events.list({ kinds: ['auth.refused'] }).filter((e) => e.campaignId === null && e.actor === PEOPLE.outsider && e.data.action === 'start').length;
}

function countSelfApprovalRefusals(h: AppHarness): number {
  return h.store.events.list({ campaignId: SEEDED_CAMPAIGN, kinds: ['auth.refused'] }).filter((e) => e.actor === PEOPLE.owner && e.data.action === 'approve').length;
}

function countGlobalRefusals(h: AppHarness): number {
  return h.store.events.list({ kinds: ['auth.refused'] }).filter((e) => e.campaignId === null).length;
}

function commandBody(sub: string, id: string): string {
  return new URLSearchParams({ command: '/fleet', text: `${sub} ${id}`, user_id: PEOPLE.owner, channel_id: CHANNEL, team_id: 'T0FLEET01' }).toString();
}

async function rawPost(url: string, body: string, headers: Record<string, string>): Promise<{ status: number }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
  await response.text();
  return { status: response.status };
}

function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

async function postButtonsMessage(h: AppHarness): Promise<string> {
  const response = await fetch(`${h.slack.apiUrl}chat.postMessage`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${h.secrets.botToken}` },
    body: JSON.stringify({ channel: CHANNEL, text: 'chaos: buttons to click' }),
  });
  const body = (await response.json()) as { ts?: string };
  if (!body.ts) throw new Error('the fake Slack did not post the message to click on');
  return body.ts;
}
