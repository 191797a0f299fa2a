import { describe, expect, it } from 'vitest';
import { createLogger, redact } from '../../src/runtime/logger.js';

describe('logger', () => {
  it('masks configured secrets and token shapes in messages and fields', () => {
    const lines: string[] = [];
    const log = createLogger({ secrets: ['s3cr3t-signing-value'], write: (l) => lines.push(l), now: () => 0 });
    log.info('signing with s3cr3t-signing-value', { token: 'xoxb-1234-5678-abcdef', gh: 'ghp_abcdefghijklmnopqrstuvwxyz0123' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('s3cr3t-signing-value');
    expect(lines[0]).not.toContain('xoxb-1234');
    expect(lines[0]).not.toContain('ghp_abcdef');
    expect(JSON.parse(lines[0])).toMatchObject({ level: 'info', msg: 'signing with [redacted]', token: '[redacted]' });
  });

  it('drops lines below the level', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', write: (l) => lines.push(l) });
    log.info('quiet');
    log.warn('loud');
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['loud']);
  });

  it('masks private keys spanning lines', () => {
    const key = '-----BEGIN RSA PRIVATE KEY-----\nMIIabc\n-----END RSA PRIVATE KEY-----';
    expect(redact(`key=${key}`, [])).toBe('key=[redacted]');
  });
});
