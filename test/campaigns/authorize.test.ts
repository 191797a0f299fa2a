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
});
