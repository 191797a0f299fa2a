import { describe, expect, test } from 'vitest';
import { authorize } from '../../src/campaigns/authorize.js';

const base = { admins: ['UADMIN'], owner: 'UOWNER', approvers: { users: ['UAPP'], groups: ['SGRP'] }, groupMembers: { SGRP: ['UGROUPIE'] } };

describe('authorize', () => {
  test.each([
    ['UADMIN', 'admin'],
    ['UOWNER', 'owner'],
    ['UAPP', 'approver'],
    ['UGROUPIE', 'approver'],
  ])('%s may approve as %s', (actor, as) => {
    expect(authorize({ ...base, actor, action: 'approve' })).toEqual({ allowed: true, as });
  });

  test('anyone else is refused with who may act', () => {
    const verdict = authorize({ ...base, actor: 'USTRANGER', action: 'approve' });
    expect(verdict.allowed).toBe(false);
    if (verdict.allowed) return;
    expect(verdict.sentence).toBe('Only <@UOWNER>, the approvers (<@UAPP>, <!subteam^SGRP>) or an admin can approve this campaign.');
    expect(verdict.users).toEqual(['UAPP']);
  });

  test('only admins may freeze, even the owner may not', () => {
    expect(authorize({ ...base, actor: 'UOWNER', action: 'freeze' }).allowed).toBe(false);
    expect(authorize({ ...base, actor: 'UADMIN', action: 'freeze' }).allowed).toBe(true);
  });

  const launchers = { users: ['ULAUNCH'], groups: ['SLAUNCH'] };
  test.each([
    ['UADMIN', { allowed: true, as: 'admin' }],
    ['ULAUNCH', { allowed: true, as: 'launcher' }],
    ['UMEMBER', { allowed: true, as: 'launcher' }],
    ['UOWNER', { allowed: false }],
    ['UAPP', { allowed: false }],
    ['USTRANGER', { allowed: false }],
  ])('start: %s -> %o', (actor, expected) => {
    expect(authorize({ ...base, actor, action: 'start', launchers, groupMembers: { SLAUNCH: ['UMEMBER'] } })).toMatchObject(expected);
  });

  test('a refused start says who may start campaigns', () => {
    const verdict = authorize({ ...base, actor: 'USTRANGER', action: 'start', launchers });
    expect(verdict).toMatchObject({ allowed: false, sentence: 'Only admins and the launchers (<@ULAUNCH>, <!subteam^SLAUNCH>) may start campaigns; ask one of them, or ask an admin to make you a launcher.' });
    expect(authorize({ ...base, actor: 'USTRANGER', action: 'start' })).toMatchObject({ allowed: false, sentence: 'Only admins may start campaigns; ask an admin to make you a launcher.' });
  });

  test.each([
    ['the launcher approving, four eyes on', { actor: 'UOWNER', action: 'approve', fourEyes: true }, false],
    ['an admin who launched approving, four eyes on', { actor: 'UADMIN', action: 'approve', fourEyes: true, launchedBy: 'UADMIN' }, false],
    ['the launcher approving, four eyes off', { actor: 'UOWNER', action: 'approve', fourEyes: false }, true],
    ['the launcher rejecting, four eyes on', { actor: 'UOWNER', action: 'reject', fourEyes: true }, true],
    ['another approver approving, four eyes on', { actor: 'UAPP', action: 'approve', fourEyes: true }, true],
  ] as const)('%s: allowed %s', (_, input, allowed) => {
    expect(authorize({ ...base, launchedBy: 'UOWNER', ...input }).allowed).toBe(allowed);
  });
});
