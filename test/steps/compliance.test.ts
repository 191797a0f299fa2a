import { describe, expect, test } from 'vitest';
import { addedLines, countApprovals, findSecrets, shannonEntropy } from '../../src/steps/compliance.js';

function patch(...added: string[]): string {
  return [`@@ -1,1 +1,${added.length + 1} @@`, ' context', ...added.map((l) => `+${l}`)].join('\n');
}

describe('secret detection in added lines', () => {
  test.each([
    ['aws-access-key-id', 'AWS_ACCESS_KEY_ID=AKIAQWERTYUIOPASDFGH'],
    ['aws-secret-access-key', 'aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKE"'],
    ['private-key', '-----BEGIN RSA PRIVATE KEY-----'],
    ['private-key', '-----BEGIN OPENSSH PRIVATE KEY-----'],
    ['github-token', `token: ghp_${'a1B2c3D4e5'.repeat(4)}`],
    ['slack-token', 'SLACK_BOT_TOKEN=xoxb-1234567890-abcdefghij'],
    ['slack-webhook', 'url: https://hooks.slack.com/services/T0000AAAA/B0000BBBB/abcdEFGHijkl'],
    ['high-entropy-assignment', 'api_key: "9fK2xQ7vL0pZ3mW8rT5yB1nC"'],
  ])('finds %s', (kind, line) => {
    const [finding] = findSecrets([{ path: 'config.yml', patch: patch(line) }]);
    expect(finding).toMatchObject({ kind, path: 'config.yml', line: 2 });
    // The evidence never carries the secret itself.
    expect(finding.redacted.length).toBeLessThanOrEqual(5);
  });

  test.each([
    'version: "4.17.21"',
    'password: ${DB_PASSWORD}',
    'token: process.env.GITHUB_TOKEN',
    'api_key: "xxxxxxxxxxxxxxxxxxxx"',
    'description: "a perfectly ordinary sentence"',
    'secretName: my-service-database-credentials',
  ])('ignores %s', (line) => {
    expect(findSecrets([{ path: 'a.yml', patch: patch(line) }])).toEqual([]);
  });

  test('removed and context lines are not scanned', () => {
    const text = ['@@ -1,2 +1,1 @@', '-AWS_ACCESS_KEY_ID=AKIAQWERTYUIOPASDFGH', ' AKIAQWERTYUIOPASDFGH'].join('\n');
    expect(findSecrets([{ path: 'a', patch: text }])).toEqual([]);
  });

  test('added lines carry their line numbers in the new file', () => {
    expect(addedLines('@@ -10,3 +20,4 @@\n a\n-b\n+c\n d\n+e')).toEqual([
      { line: 21, text: 'c' },
      { line: 23, text: 'e' },
    ]);
  });

  test('entropy separates random strings from words', () => {
    expect(shannonEntropy('aaaaaaaaaaaaaaaa')).toBe(0);
    expect(shannonEntropy('9fK2xQ7vL0pZ3mW8rT5yB1nC')).toBeGreaterThan(4);
  });
});

describe('approvals', () => {
  test('each reviewer’s latest decisive review counts', () => {
    expect(
      countApprovals([
        { id: 1, url: '', user: 'a', state: 'APPROVED', commitId: null, submittedAt: null },
        { id: 2, url: '', user: 'b', state: 'APPROVED', commitId: null, submittedAt: null },
        { id: 3, url: '', user: 'b', state: 'CHANGES_REQUESTED', commitId: null, submittedAt: null },
        { id: 4, url: '', user: 'c', state: 'COMMENTED', commitId: null, submittedAt: null },
        { id: 5, url: '', user: 'a', state: 'COMMENTED', commitId: null, submittedAt: null },
      ]),
    ).toBe(1);
  });
});
