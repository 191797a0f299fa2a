/**
 * The workspace the fake Slack starts with: a team, a few channels, people in the roles Fleet
 * cares about (admin, owners, an approver, an outsider) and one user group. Ids follow Slack's
 * shapes (C… channels, U… users, S… user groups) so code that validates ids accepts them.
 */

export interface FakeChannel {
  id: string;
  name: string;
  topic: string;
  isIm: boolean;
}

export interface FakeUser {
  id: string;
  name: string;
  realName: string;
  title: string;
  role: 'admin' | 'owner' | 'approver' | 'outsider' | 'bot';
  isAdmin: boolean;
  isBot: boolean;
  tz: string;
  tzOffset: number;
}

export interface FakeUsergroup {
  id: string;
  handle: string;
  name: string;
  users: string[];
}

export interface FakeWorkspace {
  teamId: string;
  teamName: string;
  domain: string;
  appId: string;
  botId: string;
  botUserId: string;
  channels: FakeChannel[];
  users: FakeUser[];
  usergroups: FakeUsergroup[];
}

function seedUser(id: string, name: string, realName: string, title: string, role: FakeUser['role'], tz = 'Europe/London', tzOffset = 0): FakeUser {
  return { id, name, realName, title, role, isAdmin: role === 'admin', isBot: role === 'bot', tz, tzOffset };
}

/**
 * The default workspace. Each call returns fresh objects, so one fake never sees another's edits.
 *
 * @example
 * const workspace = createDefaultWorkspace();
 * workspace.channels[0].id; // 'C0FLEET001' (#fleet-payments)
 */
export function createDefaultWorkspace(): FakeWorkspace {
  return {
    teamId: 'T0FLEET01',
    teamName: 'Fleet Sandbox',
    domain: 'fleet-sandbox',
    appId: 'A0FLEETAPP',
    botId: 'B0FLEETBOT',
    botUserId: 'U0FLEETBOT',
    channels: [
      { id: 'C0FLEET001', name: 'fleet-payments', topic: 'Payments services fleet changes', isIm: false },
      { id: 'C0FLEET002', name: 'fleet-search', topic: 'Search and indexing fleet changes', isIm: false },
      { id: 'C0FLEET003', name: 'fleet-platform', topic: 'Platform-wide campaigns', isIm: false },
    ],
    users: [
      seedUser('U0ADMIN01', 'ada.lovelace', 'Ada Lovelace', 'Platform admin', 'admin'),
      seedUser('U0OWNER01', 'grace.hopper', 'Grace Hopper', 'Staff engineer, campaign owner', 'owner', 'America/New_York', -18_000),
      seedUser('U0PAYMNT1', 'priya.raman', 'Priya Raman', 'Payments tech lead', 'owner', 'Asia/Kolkata', 19_800),
      seedUser('U0SEARCH1', 'sven.olsen', 'Sven Olsen', 'Search team lead', 'owner', 'Europe/Oslo', 3_600),
      seedUser('U0PLATFM1', 'kenji.watanabe', 'Kenji Watanabe', 'Platform engineer', 'owner', 'Asia/Tokyo', 32_400),
      seedUser('U0APPROV1', 'maria.garcia', 'María García', 'Engineering manager, approver', 'approver', 'Europe/Madrid', 3_600),
      seedUser('U0OUTSID1', 'tom.baker', 'Tom Baker', 'Marketing analyst', 'outsider', 'America/Los_Angeles', -28_800),
      seedUser('U0FLEETBOT', 'fleet', 'Fleet', 'Fleet change campaigns', 'bot'),
    ],
    usergroups: [
      { id: 'S0PLATFRM', handle: 'platform-team', name: 'Platform team', users: ['U0PLATFM1', 'U0ADMIN01', 'U0APPROV1'] },
    ],
  };
}
