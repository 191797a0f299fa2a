import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { webApi } from '@slack/bolt';
import { createCatalog } from '../../src/campaigns/catalog.js';
import { createCampaignService } from '../../src/campaigns/service.js';
import { FleetError } from '../../src/errors.js';
import type { Gateway } from '../../src/github/gateway.js';
import { startFakeSlack, type FakeSlack } from '../../src/sandbox/slack/server.js';
import { createSlackApp, type SlackApp } from '../../src/slack/create-app.js';
import { forPerson, replyWithError } from '../../src/slack/handle-errors.js';
import type { FleetLogger } from '../../src/slack/logger.js';
import { createGroupResolver } from '../../src/slack/user-groups.js';
import { openDatabase } from '../../src/store/database.js';
import { createStore, type Store } from '../../src/store/store.js';

/**
 * What a person is told when Fleet refuses, driven through the Slack listeners with the real
 * service and a real catalog directory: every refusal Fleet can reach without GitHub names whom to
 * ask, never one of Fleet's settings (FLEET_…) or a path on the server; the log keeps them.
 */

const SECRET = 'replies-secret';
const TOKEN = 'xoxb-replies';
const CHANNEL = 'C0FLEET003';
const ADMIN = 'U0ADMIN01';
const OUTSIDER = 'U0OUTSID1';
const SETTING = /FLEET_[A-Z_]+/;
/** An absolute path: a slash not inside a URL or a relative path, with at least two parts. */
const ABSOLUTE_PATH = /(?<![\w:/.~-])\/(?:[\w.@~-]+\/)+[\w.@~-]*/;

const gateway = new Proxy({} as Gateway, {
  get(_, name) {
    if (name === 'then') return undefined;
    return () => {
      throw new Error(`unexpected GitHub call ${String(name)}`);
    };
  },
});

let root: string;
let catalogDir: string;
let store: Store;
let slack: FakeSlack;
let app: SlackApp;
const logged: { msg: string; fields: Record<string, unknown> }[] = [];

const logger: FleetLogger = {
  debug() {},
  info(msg: string, fields?: Record<string, unknown>) {
    logged.push({ msg, fields: fields ?? {} });
  },
  warn() {},
  error(msg: string, fields?: Record<string, unknown>) {
    logged.push({ msg, fields: fields ?? {} });
  },
};

async function reply(user: string, text: string): Promise<string> {
  const seen = slack.ephemeral(user).length;
  await slack.sendCommand({ user, channel: CHANNEL, text });
  const next = await vi.waitFor(
    () => {
      const found = slack.ephemeral(user)[seen];
      if (!found) throw new Error('no reply yet');
      return found;
    },
    { timeout: 5000, interval: 20 },
  );
  return next.text ?? '';
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fleet-replies-'));
  catalogDir = join(root, 'specs');
  mkdirSync(catalogDir);
  writeFileSync(join(catalogDir, 'bump-lodash.yml'), readFileSync('campaigns/examples/bump-lodash.yml', 'utf8'));
  writeFileSync(join(catalogDir, 'broken.yml'), 'name: broken\nowner: 12\n');
  writeFileSync(join(catalogDir, 'listy.yml'), '- just\n- a list\n');
  writeFileSync(join(root, 'outside.yml'), readFileSync('campaigns/examples/bump-lodash.yml', 'utf8'));
  symlinkSync(join(root, 'outside.yml'), join(catalogDir, 'escape.yml'));
  store = createStore(openDatabase(join(root, 'fleet.db')));
  slack = await startFakeSlack({ signingSecret: SECRET, botToken: TOKEN });
  const resolveGroupMembers = createGroupResolver({ client: new webApi.WebClient(TOKEN, { slackApiUrl: slack.apiUrl }), now: Date.now });
  const service = createCampaignService({
    store,
    catalog: createCatalog({ source: catalogDir }),
    gateway,
    admins: [ADMIN],
    launchers: { users: [], groups: [] },
    orgs: ['globex'],
    resolveGroupMembers,
    now: Date.now,
    wake: () => undefined,
  });
  app = createSlackApp({ signingSecret: SECRET, botToken: TOKEN, apiUrl: slack.apiUrl, service, admins: [ADMIN], resolveGroupMembers, recordRefusal: () => undefined, logger, now: Date.now });
  await app.start(0);
  slack.setAppUrl(`http://127.0.0.1:${app.port()}/slack/events`);
});

afterAll(async () => {
  await app?.stop();
  await slack?.close();
  store?.db.close();
  rmSync(root, { recursive: true, force: true });
});

function expectForAPerson(text: string): void {
  expect(text).not.toMatch(SETTING);
  expect(text).not.toMatch(ABSOLUTE_PATH);
  expect(text).not.toContain(root);
}

describe('replies to people name whom to ask, not settings or server paths', () => {
  test.each([
    ['an outsider turning the freeze on', OUTSIDER, 'freeze on', ':no_entry: Only an admin can turn the global freeze on or off.'],
    ['an outsider starting a campaign', OUTSIDER, 'start bump-lodash', ':no_entry: Only admins may start campaigns; ask an admin to make you a launcher.'],
    ['a spec that is not in the catalog', ADMIN, 'preview bump-lodahs', ':warning: No campaign spec named "bump-lodahs" in the catalog. Did you mean "bump-lodash"?'],
    ['a spec that links outside the catalog', ADMIN, 'preview escape', ':no_entry: The spec escape.yml points outside the catalog; replace the link with the file itself.'],
    ['an invalid spec', ADMIN, 'preview broken', ':warning: The spec broken.yml has '],
    ['a spec that is not a mapping', ADMIN, 'preview listy', ':warning: The spec listy.yml has 1 problem; fix it and try again:\nlisty.yml:1:1 listy.yml must hold a mapping'],
    [
      'a spec for an organisation Fleet may not change',
      ADMIN,
      'preview bump-lodash',
      ':warning: Campaign bump-lodash targets the organisation "acme", which Fleet may not change here (it may change globex). Target globex instead, or ask an admin to allow "acme".',
    ],
  ])('%s', async (_, user, command, expected) => {
    const text = await reply(user, command);
    expect(text.slice(0, expected.length)).toBe(expected);
    expectForAPerson(text);
  });

  test('a catalog that is gone: the person is told to ask an admin, the log names the directory', async () => {
    const moved = `${catalogDir}-moved`;
    renameSync(catalogDir, moved);
    try {
      logged.length = 0;
      const text = await reply(ADMIN, 'start');
      expect(text).toBe(':warning: The campaign catalog is not where Fleet looks for it; ask an admin to create it or to point Fleet at the directory that holds the specs.');
      expectForAPerson(text);
      expect(logged.find((l) => l.msg === 'slack request refused')?.fields).toMatchObject({ code: 'spec_not_found', details: { catalog: catalogDir } });
    } finally {
      renameSync(moved, catalogDir);
    }
  });
});

describe('forPerson, the net in the one place errors become replies', () => {
  test('a sentence that still names a setting or a server path is reworded for the person and logged as it was', async () => {
    const sent: string[] = [];
    logged.length = 0;
    const raw = 'Set FLEET_CAMPAIGNS to /srv/fleet/specs or /home/ada/campaigns/x.yml, see https://example.com/a/b and acme/api.';
    await replyWithError(new FleetError('bad_input', raw), { what: 'a test' }, async (t) => void sent.push(t), logger);
    expect(sent).toEqual([":warning: Set Fleet's settings to a folder on the server or a folder on the server, see https://example.com/a/b and acme/api."]);
    expect(logged[0].fields.message).toBe(raw);
  });

  test.each(['Type `/fleet status c-1`.', 'Only <@U1> can approve; 3/4 done.', '<https://github.com/acme/api/pull/2|PR #2> is open.'])('leaves %j alone', (text) => {
    expect(forPerson(text)).toBe(text);
  });
});
