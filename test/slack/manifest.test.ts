import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { SUBCOMMANDS } from '../../src/slack/parse-command.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** The bot scopes each Web API method needs (docs.slack.dev method pages). */
const METHOD_SCOPES: Record<string, string[]> = {
  'auth.test': [],
  'chat.postMessage': ['chat:write'],
  'chat.update': ['chat:write'],
  'chat.delete': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'views.open': [],
  'views.update': [],
  'views.push': [],
  'views.publish': [],
  'conversations.history': ['channels:history', 'groups:history'],
  'conversations.replies': ['channels:history', 'groups:history'],
  'conversations.info': ['channels:read', 'groups:read'],
  'conversations.list': ['channels:read', 'groups:read'],
  'users.info': ['users:read'],
  'users.list': ['users:read'],
  'usergroups.list': ['usergroups:read'],
  'usergroups.users.list': ['usergroups:read'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'sandbox' ? [] : sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** Web API methods called from src/ (the sandbox stand-ins are not the app): client.x.y(...) and apiCall('x.y'). */
function methodsUsed(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const patterns = [/\bclient\.((?:chat|views|conversations|users|usergroups|auth|reactions|files|pins|team|bots|apps)\.[a-zA-Z.]+)\(/g, /\b(?:apiCall|call)(?:<[^>]*>)?\(\s*'([a-z]+\.[a-zA-Z.]+)'/g];
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const pattern of patterns) {
      for (const match of text.matchAll(pattern)) {
        const method = match[1];
        found.set(method, [...(found.get(method) ?? []), relative(ROOT, file)]);
      }
    }
  }
  return found;
}

const manifest = parse(readFileSync(join(ROOT, 'manifest.yml'), 'utf8')) as {
  display_information: { name: string };
  features: { app_home: { home_tab_enabled: boolean }; bot_user: { display_name: string }; slash_commands: { command: string; url: string; usage_hint: string }[] };
  oauth_config: { scopes: { bot: string[] } };
  settings: { interactivity: { is_enabled: boolean; request_url: string }; event_subscriptions: { request_url: string; bot_events: string[] } };
};

describe('manifest.yml', () => {
  test('lists exactly the bot scopes the Web API calls in src/ need, plus commands', () => {
    const used = methodsUsed();
    expect(used.size).toBeGreaterThan(0);
    const unknown = [...used.keys()].filter((m) => !(m in METHOD_SCOPES));
    expect(unknown, `add these methods and their scopes to METHOD_SCOPES: ${unknown.join(', ')}`).toEqual([]);
    const needed = new Set(['commands', ...[...used.keys()].flatMap((m) => METHOD_SCOPES[m])]);
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...needed].sort());
  });

  test('sees the calls it should (the scan is not vacuous)', () => {
    const used = methodsUsed();
    for (const m of ['chat.postMessage', 'chat.update', 'views.open', 'views.publish', 'conversations.replies']) expect(used.has(m), m).toBe(true);
  });

  test('declares the app, the /fleet command, interactivity and App Home on one endpoint', () => {
    expect(manifest.display_information.name).toBe('Fleet');
    expect(manifest.features.bot_user.display_name).toBe('Fleet');
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    const [fleet] = manifest.features.slash_commands;
    expect(manifest.features.slash_commands).toHaveLength(1);
    expect(fleet.command).toBe('/fleet');
    expect(fleet.url).toMatch(/\/slack\/events$/);
    for (const sub of SUBCOMMANDS) expect(fleet.usage_hint).toContain(sub);
    expect(manifest.settings.interactivity).toMatchObject({ is_enabled: true, request_url: fleet.url });
    expect(manifest.settings.event_subscriptions.request_url).toBe(fleet.url);
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(['app_home_opened']);
  });
});
