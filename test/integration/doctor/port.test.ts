/** The doctor's PORT check beside a running Ringback: README says to run the doctor after every setup step. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { portCheck } from '../../../src/doctor/local.js';
import { testConfig } from '../../helpers/config.js';
import { sqliteDatabase, type TestDatabase } from '../../helpers/databases.js';
import { type StartedRingback, startRingback } from '../../helpers/ringback.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listenOnLoopback(server: Server): Promise<number> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  cleanups.push(() => new Promise((done) => server.close(done)));
  return (server.address() as AddressInfo).port;
}

describe('the doctor on PORT', () => {
  it('says ok when Ringback itself is serving there, instead of failing "already in use"', async () => {
    const database: TestDatabase = sqliteDatabase();
    cleanups.push(() => database.drop());
    const ringback: StartedRingback = await startRingback(testConfig({ database }));
    cleanups.push(() => ringback.stop());
    const port = Number(new URL(ringback.baseUrl).port);
    expect(await portCheck(port)).toMatchObject({
      status: 'ok',
      detail: `Ringback is serving on PORT ${port}`,
    });
  });

  it('fails when another program holds it, even one that answers /healthz', async () => {
    const other = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end('{"status":"ok"}');
    });
    const port = await listenOnLoopback(other);
    expect(await portCheck(port)).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining(`PORT ${port} is already in use by something that is not Ringback`),
    });
  });
});
