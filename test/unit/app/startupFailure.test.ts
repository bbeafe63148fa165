import { describe, expect, it } from 'vitest';
import { startupFailure } from '../../../src/process.js';

const DATABASE_URL = 'postgres://ringback:s3cret@db.internal:6432/ringback';

function systemError(message: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(message), fields);
}

describe('a failure to start', () => {
  it('names the database host that was not found, with DATABASE_URL but not its password', () => {
    const error = systemError('getaddrinfo ENOTFOUND db.internal', {
      code: 'ENOTFOUND',
      syscall: 'getaddrinfo',
      hostname: 'db.internal',
    });
    expect(startupFailure(error, { DATABASE_URL })).toBe(
      'the database host "db.internal" in DATABASE_URL postgres://ringback:***@db.internal:6432/ringback was not found (ENOTFOUND): check the host name',
    );
  });

  it('says the database did not answer in time', () => {
    const error = new Error('Connection terminated due to connection timeout');
    expect(startupFailure(error, { DATABASE_URL })).toMatch(
      /^the database at DATABASE_URL postgres:\/\/ringback:\*\*\*@db\.internal:6432\/ringback did not answer in time/,
    );
  });

  it('explains a privileged PORT', () => {
    const error = systemError('listen EACCES: permission denied 0.0.0.0:80', {
      code: 'EACCES',
      syscall: 'listen',
      port: 80,
    });
    expect(startupFailure(error, { PORT: '80' })).toMatch(
      /^PORT 80 needs privileges this user does not have/,
    );
  });

  it('keeps the stack for a refusal that is not the database’s, and for anything else', () => {
    const vendor = systemError('connect ECONNREFUSED 127.0.0.1:9', {
      code: 'ECONNREFUSED',
      syscall: 'connect',
      port: 9,
    });
    expect(startupFailure(vendor, { DATABASE_URL })).toBeNull();
    expect(startupFailure(new TypeError('x is undefined'), { DATABASE_URL })).toBeNull();
  });
});
