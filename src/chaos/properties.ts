import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { loadSpec } from '../campaigns/load-spec.js';
import { resolveSteps, type CampaignSpec } from '../domain/spec.js';
import { sendViewSubmission } from '../sandbox/slack/client.js';
import { ACTION, CampaignValue, GateValue, LaunchValue, TargetValue, WaveValue, decodeValue } from '../slack/blocks/action-ids.js';
import { FleetCommand, SUBCOMMANDS, parseCommand } from '../slack/parse-command.js';
import { START_CALLBACK, launchValueOf, readStartSubmission } from '../slack/start-modal.js';
import { CHANNEL, PEOPLE, SEEDED_CAMPAIGN, waitUntil, type AppHarness } from './app-harness.js';
import { createSlackClient } from '../slack/web-client.js';
import type { MergeLogEntry } from '../sandbox/github/server.js';

/**
 * Property checks of every input boundary: whatever arrives (command text, a spec, a modal, a
 * button payload, a webhook body), Fleet answers with a clear error, does not crash and changes
 * nothing. Each check runs `runs` generated cases; about one in ten goes through the real Bolt
 * app over signed HTTP, the rest through the pure parser the app uses.
 */

/**
 * The invariant "never merge a PR whose checks had not completed", over the fake's merge log
 * (every merge of a PR, by any path): one sentence per merge that broke it, none when it held.
 *
 * @example uncheckedMerges(github.state.merges()) // []
 */
export function uncheckedMerges(merges: readonly MergeLogEntry[]): string[] {
  return merges
    .filter((m) => !m.checksComplete)
    .map((m) => `${m.repo}#${m.number} was merged (${m.via}, ${m.method}) at ${m.headSha.slice(0, 7)} while ${m.incompleteChecks.join(', ') || 'its checks'} had not completed`);
}

export interface PropertyReport {
  name: string;
  cases: number;
  /** Cases sent through the running app over HTTP. */
  viaApp: number;
}

export interface PropertyOptions {
  runs: number;
  /** Fixes the generated cases (fast-check prints the seed of a failure to replay it). */
  seed?: number;
}

/** Text a person might type: any Unicode, Slack markup, paths, and near-miss subcommands. */
const word = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('c-1', SEEDED_CAMPAIGN, '../../etc/passwd', '<!channel>', '<@U0ADMIN01>', '`rm -rf /`', 'acme/x', 'on', 'off', 'ON', 'x'.repeat(300), '*', 'c-😀', 'acme/../x', '%00', '\u0000'),
  fc.stringMatching(/^[A-Za-z0-9_./-]{0,12}$/),
);
const whitespace = fc.constantFrom(' ', '  ', '\t', '\n', '\u00a0', '\u3000');
const commandText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc
    .tuple(fc.constantFrom(...SUBCOMMANDS, 'pasue', 'APPROVE', 'aprove', 'stat', '', 'start!', 'Freeze'), fc.array(fc.tuple(whitespace, word), { maxLength: 4 }))
    .map(([first, rest]) => `${first}${rest.map(([s, w]) => `${s}${w}`).join('')}`),
);

/** What every refusal of command text must look like: a sentence that says what to type. */
function isClearCommandError(error: string): boolean {
  return error.length > 10 && error.length < 600 && error.includes('/fleet') && !error.includes('<!') && !error.includes('<@');
}

/**
 * `/fleet` command text: parseCommand never throws; a refusal says what to type; an accepted
 * command validates again. Through the app, a refused text gets an ephemeral reply and the store
 * does not change.
 */
export async function checkCommandText(h: AppHarness, options: PropertyOptions): Promise<PropertyReport> {
  let cases = 0;
  let viaApp = 0;
  await fc.assert(
    fc.asyncProperty(commandText, fc.integer({ min: 0, max: 9 }), async (text, lane) => {
      cases++;
      const parsed = parseCommand(text);
      if (parsed.ok) {
        if (!FleetCommand.safeParse(parsed.command).success) throw new Error(`accepted a command that does not validate: ${JSON.stringify(parsed.command)}`);
        return;
      }
      if (!isClearCommandError(parsed.error)) throw new Error(`unclear refusal for ${JSON.stringify(text)}: ${parsed.error}`);
      if (lane !== 0) return;
      // Slack sends UTF-8 form fields: lone surrogates arrive as U+FFFD.
      const sent = Buffer.from(text, 'utf8').toString('utf8');
      if (parseCommand(sent).ok) return;
      viaApp++;
      const before = h.snapshot();
      const seen = h.slack.ephemeral(PEOPLE.outsider).length;
      const response = await h.slack.sendCommand({ user: PEOPLE.outsider, channel: CHANNEL, text: sent });
      if (response.status !== 200) throw new Error(`the app answered ${response.status} to /fleet ${JSON.stringify(sent)}`);
      const reply = await waitUntil(() => h.slack.ephemeral(PEOPLE.outsider)[seen], 10_000, `a reply to /fleet ${JSON.stringify(sent)}`);
      if (!isClearCommandError(String(reply.text ?? ''))) throw new Error(`unclear reply to ${JSON.stringify(sent)}: ${String(reply.text)}`);
      if (h.snapshot() !== before) throw new Error(`/fleet ${JSON.stringify(sent)} changed the store`);
    }),
    { numRuns: options.runs, seed: options.seed },
  );
  return { name: '/fleet command text', cases, viaApp };
}

const VALID_SPEC = {
  name: 'prop-bump',
  description: 'Bump lodash.',
  owner: PEOPLE.owner,
  approvers: { users: [PEOPLE.approver], groups: ['S0PLATFRM'] },
  channel: CHANNEL,
  targets: { org: 'acme', topics: ['node'], canary: ['acme/search-indexer'] },
  change: { kind: 'npm-dependency', options: { package: 'lodash', version: '^4.17.21' } },
  pr: { title: 'Bump lodash', labels: ['deps'] },
  steps: ['open-pr', { kind: 'await-checks', options: { timeout: '2m' } }, 'compliance', 'gate', 'merge'],
  waves: [3, '25%', '100%'],
  policy: { auto: 90, review: 60, failureBudget: '10%' },
};
const VALID_TEXT = stringifyYaml(VALID_SPEC);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Sets (or, with `undefined`, deletes) the value at a path of keys/indexes into a copy of `root`. */
function mutateAt(root: Json, path: number[], value: Json | undefined): Json {
  if (path.length === 0 || root === null || typeof root !== 'object') return value === undefined ? null : value;
  const copy: Json = Array.isArray(root) ? [...root] : { ...root };
  const keys = Array.isArray(copy) ? copy.map((_, i) => i) : Object.keys(copy);
  if (keys.length === 0) return copy;
  const key = keys[path[0] % keys.length];
  const child = (copy as Record<string | number, Json>)[key];
  const next = path.length === 1 ? value : mutateAt(child, path.slice(1), value);
  if (next === undefined) {
    if (Array.isArray(copy)) copy.splice(key as number, 1);
    else delete (copy as Record<string, Json>)[key];
  } else {
    (copy as Record<string | number, Json>)[key] = next;
  }
  return copy;
}

const specText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 400 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => stringifyYaml(v)),
  // A valid spec with one value replaced or removed somewhere inside it.
  fc
    .tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }))
    .map(([path, value]) => stringifyYaml(mutateAt(structuredClone(VALID_SPEC) as Json, path, value as Json | undefined))),
  // A valid spec's text with a line dropped, doubled or cut, or junk put in.
  fc.tuple(fc.nat(), fc.constantFrom('drop', 'double', 'cut', 'insert', 'tab'), fc.string({ unit: 'binary', maxLength: 30 })).map(([at, how, junk]) => {
    const lines = VALID_TEXT.split('\n');
    const i = at % lines.length;
    if (how === 'drop') lines.splice(i, 1);
    else if (how === 'double') lines.splice(i, 0, lines[i]);
    else if (how === 'cut') lines[i] = lines[i].slice(0, at % (lines[i].length + 1));
    else if (how === 'tab') lines[i] = `\t${lines[i]}`;
    else lines.splice(i, 0, junk);
    return lines.join('\n');
  }),
  fc.constantFrom('a: &a [*a]', `x: &a ["lol"]\ny: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nz: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nw: [*c,*c,*c,*c,*c,*c,*c,*c,*c]`, '---\n---\n', '!!binary aGVsbG8=', '? [a]\n: b', '{a: 1, a: 2}'),
);

/**
 * Campaign specs as YAML: loadSpec never throws; a refusal lists problems with a message, a
 * place (or none) and a hint; an accepted spec validates again.
 */
export async function checkSpecYaml(options: PropertyOptions): Promise<PropertyReport> {
  let cases = 0;
  await fc.assert(
    fc.asyncProperty(specText, async (text) => {
      cases++;
      // The app under test shares this process. Without a turn of the event loop, 10,000 cases
      // hold back its timers for seconds: the server's keep-alive timeout then fires under the
      // next check's first request, which is reset (ECONNRESET) on a connection left idle here.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const result = loadSpec(text, 'generated.yml');
      if (result.ok) {
        // It is stored as JSON and read back as written (engine/campaign-spec.ts): that must hold.
        const stored = JSON.parse(JSON.stringify(result.spec)) as CampaignSpec;
        if (JSON.stringify(stored) !== JSON.stringify(result.spec)) throw new Error('accepted a spec that does not survive being stored');
        if (resolveSteps(stored).length === 0) throw new Error('accepted a spec without steps');
        return;
      }
      if (result.errors.length === 0) throw new Error('refused a spec without saying why');
      for (const e of result.errors) {
        if (typeof e.message !== 'string' || e.message.trim() === '') throw new Error(`an error without a message: ${JSON.stringify(e)}`);
        if (typeof e.hint !== 'string') throw new Error(`an error without a hint: ${JSON.stringify(e)}`);
        if (e.line !== null && !(Number.isInteger(e.line) && e.line >= 1)) throw new Error(`an error placed at line ${String(e.line)}`);
      }
    }),
    { numRuns: options.runs, seed: options.seed },
  );
  // The valid spec itself must still load, or every case above would be a refusal for free.
  const control = loadSpec(VALID_TEXT, 'valid.yml');
  if (!control.ok) throw new Error(`the control spec does not load: ${JSON.stringify(control.errors)}`);
  return { name: 'campaign specs (YAML)', cases, viaApp: 0 };
}

const anyJsonText = fc.oneof(fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), fc.string({ unit: 'binary', maxLength: 80 }));
/** Button values: junk, and well-formed values that name campaigns, gates or repos that do not exist. */
const buttonValue = fc.oneof(
  anyJsonText,
  fc.record({ c: fc.stringMatching(/^c-[a-z0-9]{1,8}$/).filter((c) => c !== SEEDED_CAMPAIGN), g: fc.integer({ min: 1, max: 1_000_000 }) }).map((v) => JSON.stringify(v)),
  fc.record({ c: fc.constantFrom(SEEDED_CAMPAIGN, 'c-none'), r: fc.oneof(fc.constantFrom('acme/nope', '../../x', 'acme/alpha/..'), fc.string({ maxLength: 20 })) }).map((v) => JSON.stringify(v)),
  fc.record({ c: fc.constantFrom(SEEDED_CAMPAIGN, 'c-none'), g: fc.oneof(fc.constant(0), fc.integer({ min: -5, max: -1 }), fc.double()) }).map((v) => JSON.stringify(v)),
  fc.record({ catalog: fc.oneof(fc.constantFrom('../outside', 'linked-out', '/etc/passwd', 'tiny-bump\u0000', 'Tiny-Bump'), fc.string({ maxLength: 30 })) }).map((v) => JSON.stringify(v)),
  fc
    .record({ kind: fc.constant('npm-dependency'), name: fc.string({ maxLength: 63 }), package: fc.string({ maxLength: 40 }), version: fc.string({ maxLength: 20 }), org: fc.string({ maxLength: 39 }), topic: fc.string({ maxLength: 20 }), channel: fc.constantFrom(CHANNEL, 'C0NOPE', '', 'D0OWNER01') })
    .map((form) => JSON.stringify({ form })),
);
/** Buttons whose click with a value for a campaign that does exist would (rightly) change state. */
const STATEFUL = new Set<string>([ACTION.approve, ACTION.reject, ACTION.pause, ACTION.resume, ACTION.abortConfirm, ACTION.retry, ACTION.skip, ACTION.revertWave]);

function wouldAct(actionId: string, raw: string): boolean {
  if (!STATEFUL.has(actionId)) return false;
  const schemas = [CampaignValue, GateValue, TargetValue, WaveValue] as const;
  return schemas.some((s) => decodeValue(s as typeof CampaignValue, raw)?.c === SEEDED_CAMPAIGN);
}

/**
 * Block-action payloads: decodeValue never throws and yields only values that validate; through
 * the app, a click with a bad value (or one naming what does not exist) gets an ephemeral reply
 * and changes nothing.
 */
export async function checkBlockActions(h: AppHarness, options: PropertyOptions): Promise<PropertyReport> {
  let cases = 0;
  let viaApp = 0;
  const ids = Object.values(ACTION);
  // A plain message to click on: the fake Slack issues a response URL only for real messages.
  const posted = await createSlackClient(h.secrets.botToken, h.slack.apiUrl).chat.postMessage({ channel: CHANNEL, text: 'chaos: a message to click on' });
  const messageTs = posted.ts!;
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...ids), buttonValue, fc.integer({ min: 0, max: 9 }), async (actionId, raw, lane) => {
      cases++;
      for (const schema of [CampaignValue, GateValue, TargetValue, WaveValue, LaunchValue] as const) {
        const decoded = decodeValue(schema as typeof CampaignValue, raw);
        if (decoded !== undefined && !(schema as typeof CampaignValue).safeParse(decoded).success) throw new Error(`decoded a value that does not validate: ${raw}`);
      }
      if (lane !== 0 || wouldAct(actionId, raw) || actionId === ACTION.cancel) return;
      viaApp++;
      const before = h.snapshot();
      const seen = h.slack.ephemeral(PEOPLE.owner).length;
      const response = await h.slack.clickButton({ user: PEOPLE.owner, actionId, channel: CHANNEL, messageTs, blockId: 'b0', value: raw });
      if (response.status !== 200) throw new Error(`the app answered ${response.status} to a click of ${actionId} with ${raw}`);
      const reply = await waitUntil(() => h.slack.ephemeral(PEOPLE.owner)[seen], 10_000, `an answer to ${actionId} with ${raw}`);
      if (String(reply.text ?? '').length < 10) throw new Error(`an unclear answer to ${actionId} with ${raw}: ${JSON.stringify(reply)}`);
      if (h.snapshot() !== before) throw new Error(`a click of ${actionId} with ${raw} changed the store`);
    }),
    { numRuns: options.runs, seed: options.seed },
  );
  return { name: 'block-action payloads', cases, viaApp };
}

const fieldValue = fc.oneof(fc.constant(null), fc.string({ unit: 'binary', maxLength: 60 }), fc.constantFrom('lodash', '^4.17.21', 'acme', '', '   ', '@scope/x', 'a'.repeat(300)));
const modalValues = fc.record(
  {
    spec: fc.record({ spec: fc.record({ type: fc.constant('static_select'), selected_option: fc.option(fc.record({ value: fc.oneof(fc.constantFrom('tiny-bump', '../outside', 'linked-out'), fc.string({ maxLength: 20 })) }), { nil: null }) }) }),
    package: fc.record({ package: fc.record({ type: fc.constant('plain_text_input'), value: fieldValue }) }),
    version: fc.record({ version: fc.record({ type: fc.constant('plain_text_input'), value: fieldValue }) }),
    org: fc.record({ org: fc.record({ type: fc.constant('plain_text_input'), value: fieldValue }) }),
    topic: fc.record({ topic: fc.record({ type: fc.constant('plain_text_input'), value: fieldValue }) }),
    name: fc.record({ name: fc.record({ type: fc.constant('plain_text_input'), value: fieldValue }) }),
  },
  { requiredKeys: [] },
);
const modalMetadata = fc.oneof(fc.constant(JSON.stringify({ channel: CHANNEL })), fc.constant(''), anyJsonText, fc.constant('{"channel":"C0FLEET001","x":'));

/**
 * Start-modal submissions: readStartSubmission never throws and every field error is a sentence;
 * through the app, a submission is answered (field errors, or an ephemeral preview or refusal)
 * and changes nothing.
 */
export async function checkModalSubmissions(h: AppHarness, options: PropertyOptions): Promise<PropertyReport> {
  let cases = 0;
  let viaApp = 0;
  await fc.assert(
    fc.asyncProperty(modalValues, modalMetadata, fc.integer({ min: 0, max: 9 }), async (values, metadata, lane) => {
      cases++;
      const read = readStartSubmission(values, metadata, PEOPLE.owner);
      if (!read.ok) {
        const messages = Object.values(read.errors);
        if (messages.length === 0 || messages.some((m) => typeof m !== 'string' || m.trim().length < 5)) throw new Error(`unclear field errors: ${JSON.stringify(read.errors)}`);
      } else if (!LaunchValue.safeParse(launchValueOf(read.launch, { id: 'p-000000000000', at: 1, specHash: '0'.repeat(16) })).success) {
        throw new Error(`accepted a launch that does not validate: ${JSON.stringify(read.launch)}`);
      }
      if (lane !== 0) return;
      viaApp++;
      const before = h.snapshot();
      const seen = h.slack.ephemeral(PEOPLE.owner).length;
      const response = await sendViewSubmission({
        appUrl: `${h.appUrl}/slack/events`,
        signingSecret: h.secrets.signingSecret,
        user: PEOPLE.owner,
        view: { id: `VCHAOS${viaApp}`, callback_id: START_CALLBACK, private_metadata: metadata, state: { values: values } },
      });
      if (response.status !== 200) throw new Error(`the app answered ${response.status} to a modal submission`);
      const body = (response.json ?? {}) as { response_action?: string; errors?: Record<string, unknown> };
      if (body.response_action === 'errors') {
        if (!body.errors || Object.values(body.errors).some((m) => typeof m !== 'string' || m.length < 5)) throw new Error(`unclear modal errors: ${response.body}`);
      } else if (read.ok) {
        // Closed: the preview (or why there is none) arrives as an ephemeral message.
        await waitUntil(() => h.slack.ephemeral(PEOPLE.owner)[seen], 10_000, 'the preview or its refusal');
      } else {
        throw new Error(`the app closed a modal the parser refuses: ${response.body}`);
      }
      if (h.snapshot() !== before) throw new Error('a modal submission changed the store');
    }),
    { numRuns: options.runs, seed: options.seed },
  );
  return { name: 'start-modal submissions', cases, viaApp };
}

const EVENTS = ['check_run', 'check_suite', 'status', 'pull_request', 'pull_request_review', 'ping', 'push', '', 'installation'];
const webhookBody = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  // Close to what GitHub sends, with holes and wrong types.
  fc
    .record(
      {
        action: fc.oneof(fc.constantFrom('completed', 'opened', 'closed', 'submitted'), fc.jsonValue({ maxDepth: 1 })),
        repository: fc.oneof(fc.record({ full_name: fc.oneof(fc.constantFrom('acme/alpha', 'acme/beta'), fc.jsonValue({ maxDepth: 1 })) }), fc.jsonValue({ maxDepth: 1 })),
        check_run: fc.record({ name: fc.jsonValue({ maxDepth: 1 }), head_sha: fc.jsonValue({ maxDepth: 1 }), pull_requests: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] }),
        pull_request: fc.record({ number: fc.oneof(fc.double(), fc.string()), head: fc.jsonValue({ maxDepth: 1 }) }, { requiredKeys: [] }),
        sha: fc.jsonValue({ maxDepth: 1 }),
      },
      { requiredKeys: [] },
    )
    .map((v) => JSON.stringify(v)),
);

function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * GitHub webhook bodies: an unsigned or wrongly signed delivery is 401 and changes nothing; a
 * signed one that is not what Fleet reads is 400 (or 202 for an event Fleet ignores) with a
 * sentence, and changes nothing but the remembered delivery id.
 */
export async function checkWebhooks(h: AppHarness, options: PropertyOptions): Promise<PropertyReport> {
  let cases = 0;
  let viaApp = 0;
  let delivery = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...EVENTS),
      webhookBody,
      fc.constantFrom('signed', 'unsigned', 'wrong-secret', 'garbage'),
      fc.integer({ min: 0, max: 9 }),
      async (event, body, signing, lane) => {
        cases++;
        delivery++;
        const headers: Record<string, string> = { 'x-github-event': event, 'x-github-delivery': `chaos-${delivery}-${Math.random().toString(36).slice(2)}`, 'content-type': 'application/json' };
        if (signing === 'signed') headers['x-hub-signature-256'] = sign(h.secrets.webhookSecret, body);
        if (signing === 'wrong-secret') headers['x-hub-signature-256'] = sign(`${h.secrets.webhookSecret}x`, body);
        if (signing === 'garbage') headers['x-hub-signature-256'] = 'sha256=zz';
        const before = h.snapshot();
        const beforeEvents = h.snapshot(['github_deliveries']);
        let status: number;
        let answer: unknown;
        if (lane === 0) {
          viaApp++;
          const response = await fetch(`${h.appUrl}/github/webhooks`, { method: 'POST', headers, body });
          status = response.status;
          answer = await response.json().catch(() => undefined);
        } else {
          const result = await h.webhook({ headers, rawBody: body });
          status = result.status;
          answer = result.body;
        }
        const error = (answer as { error?: unknown } | undefined)?.error;
        if (signing !== 'signed') {
          if (status !== 401) throw new Error(`an ${signing} delivery was answered ${status}`);
          if (h.snapshot() !== before) throw new Error(`an ${signing} delivery changed the store`);
          return;
        }
        const allowed = body.trim() === '' ? [400] : [200, 202, 400];
        if (!allowed.includes(status)) throw new Error(`a signed ${event} delivery was answered ${status}`);
        if (status >= 400 && (typeof error !== 'string' || error.length < 10)) throw new Error(`a 400 without a sentence: ${JSON.stringify(answer)}`);
        // Only a delivery Fleet could read may leave a trace (its id, and events for targets it names).
        if (status !== 200 && h.snapshot() !== before) throw new Error(`a refused ${event} delivery changed the store`);
        if (status === 200 && event === 'ping' && h.snapshot() !== before) throw new Error('a ping changed the store');
        if (status === 200 && h.snapshot(['github_deliveries']) !== beforeEvents) {
          const parsed: unknown = JSON.parse(body);
          const repo = (parsed as { repository?: { full_name?: unknown } }).repository?.full_name;
          if (repo !== 'acme/alpha' && repo !== 'acme/beta') throw new Error(`a delivery about ${String(repo)} changed the seeded campaign`);
        }
      },
    ),
    { numRuns: options.runs, seed: options.seed },
  );
  return { name: 'GitHub webhook bodies', cases, viaApp };
}

/** Every property check, in order, each run on the one harness given. */
export const PROPERTY_CHECKS: { name: string; run: (h: AppHarness, options: PropertyOptions) => Promise<PropertyReport> }[] = [
  { name: '/fleet command text', run: checkCommandText },
  { name: 'campaign specs (YAML)', run: (_h, options) => checkSpecYaml(options) },
  { name: 'start-modal submissions', run: checkModalSubmissions },
  { name: 'block-action payloads', run: checkBlockActions },
  { name: 'GitHub webhook bodies', run: checkWebhooks },
];

/** A YAML round trip of the valid spec, exported for tests that want a known-good starting point. */
export function validSpecText(): string {
  return stringifyYaml(parseYaml(VALID_TEXT));
}
