/**
 * The console's API as an admin uses it: the whitelist with the CLI's rules (and a profile check
 * the CLI lacks), the import's per-line problems, devices with their history, the audit log's
 * paging and CSV, devices heard but not listed added by hand, metrics; bad input answered 4xx with
 * its reason; and no secret in any answer or event, checked against a device really provisioned.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { identityUri } from '../../daemon/keys/identity.js';
import { toHex } from '../../protocol/bytes.js';
import { bootstrapKeyHash } from '../../protocol/dpp/bootstrap-key.js';
import { AirEnrollee, TEST_PASSPHRASE } from '../support/air-enrollee.js';
import { newIdentity } from '../support/dpp-fixtures.js';
import { startConsoleHarness, type ConsoleHarness } from '../support/console-harness.js';
import type { BootstrapIdentity } from '../../protocol/dpp/auth-common.js';

const uriOf = (id: BootstrapIdentity): string => identityUri(id);
const hashOf = (id: BootstrapIdentity): string => toHex(bootstrapKeyHash(id.key));

async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Open the event stream; what it has sent so far, and a way to close it. */
function openEvents(c: ConsoleHarness): Promise<{ text: () => string; close: () => void }> {
  const url = new URL(c.server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: '/api/events',
        headers: { authorization: `Bearer ${c.tokens.viewer}` },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        resolve({ text: () => text, close: () => req.destroy() });
      },
    );
    req.on('error', (e) => (e.message === 'socket hang up' ? undefined : reject(e)));
    req.end();
  });
}

describe('console: the API', () => {
  let c: ConsoleHarness;
  const devices: AirEnrollee[] = [];
  afterEach(async () => {
    for (const d of devices.splice(0)) d.stop();
    await c?.close();
  });

  function device(id: BootstrapIdentity, serial = 'SN-1'): AirEnrollee {
    const mac = `02:00:00:00:0${devices.length}:01`;
    const d = new AirEnrollee(c.h.air.attach(mac), { identity: id, serial }).start();
    devices.push(d);
    return d;
  }

  it('adds by URI, hash or public key, with the same refusals as the CLI and unknown profiles refused', async () => {
    c = await startConsoleHarness();
    const id = newIdentity();
    const byUri = await c.call('POST', '/api/whitelist', {
      body: { uri: uriOf(id), label: 'Pump 1', profile: 'plant' },
    });
    assert.equal(byUri.statusCode, 201, byUri.body);
    assert.equal(byUri.json<{ keyHash: string }>().keyHash, hashOf(id));
    const dup = await c.call('POST', '/api/whitelist', { body: { uri: uriOf(id) } });
    assert.equal(dup.statusCode, 409);
    assert.match(dup.json<{ error: string }>().error, /already on the whitelist/);
    const other = newIdentity();
    const pem = `-----BEGIN PUBLIC KEY-----\n${Buffer.from(other.key.der).toString('base64')}\n-----END PUBLIC KEY-----`;
    assert.equal(
      (await c.call('POST', '/api/whitelist', { body: { publicKey: pem } })).statusCode,
      201,
    );
    const refusals: [unknown, RegExp][] = [
      [{ uri: 'DPP:K:bm90IGEga2V5;;' }, /bad URI/],
      [{ hash: 'abc' }, /expected 64 hex digits, got 3 hex digits/],
      [
        { hash: 'cd'.repeat(32), profile: 'warehouse' },
        /no profile named "warehouse" \(profiles: plant\)/,
      ],
      [
        { hash: 'cd'.repeat(32), uri: uriOf(newIdentity()) },
        /exactly one of uri, hash or publicKey/,
      ],
      [{ publicKey: 'not base64!' }, /publicKey: not PEM or base64/],
      [{ hash: 'cd'.repeat(32), colour: 'red' }, /colour|unrecognized/i],
      [{ hash: 'cd'.repeat(32), label: 'x'.repeat(2000) }, /label/],
    ];
    for (const [body, reason] of refusals) {
      const res = await c.call('POST', '/api/whitelist', { body });
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.match(res.json<{ error: string }>().error, reason);
    }
    assert.equal(c.stores.whitelistStore.count(), 2);
  });

  it('finds, edits, disables, revokes and removes entries by hash or prefix, each change audited', async () => {
    c = await startConsoleHarness();
    const id = newIdentity();
    const hash = hashOf(id);
    await c.call('POST', '/api/whitelist', {
      body: { uri: uriOf(id), label: 'Pump 1', location: 'Hall A' },
    });
    const shown = await c.call('GET', `/api/whitelist/${hash.slice(0, 10)}`);
    assert.equal(shown.json<{ label: string }>().label, 'Pump 1');
    const edited = await c.call('PATCH', `/api/whitelist/${hash}`, {
      body: { label: 'Pump 2', location: null },
    });
    assert.equal(edited.statusCode, 200);
    assert.equal(edited.json<{ label: string }>().label, 'Pump 2');
    assert.equal(edited.json<{ location?: string }>().location, undefined);
    for (const status of ['inactive', 'revoked', 'active'] as const) {
      const r = await c.call('PATCH', `/api/whitelist/${hash}`, { body: { status } });
      assert.equal(r.json<{ status: string }>().status, status);
    }
    assert.equal((await c.call('PATCH', `/api/whitelist/${hash}`, { body: {} })).statusCode, 400);
    assert.equal(
      (await c.call('PATCH', `/api/whitelist/${hash}`, { body: { status: 'gone' } })).statusCode,
      400,
    );
    assert.equal((await c.call('GET', '/api/whitelist/0123456789')).statusCode, 404);
    assert.equal(
      (await c.call('GET', '/api/whitelist/01234')).statusCode,
      400,
      'a prefix under 8 digits',
    );
    assert.equal((await c.call('DELETE', `/api/whitelist/${hash}`)).statusCode, 200);
    assert.equal(c.stores.whitelistStore.get(hash), undefined);
    const kinds = c.stores.auditLog
      .list({ keyHash: hash })
      .map((a) => a.kind)
      .reverse();
    assert.deepEqual(kinds, [
      'whitelist-added',
      'whitelist-updated',
      'whitelist-status',
      'whitelist-status',
      'whitelist-status',
      'whitelist-removed',
    ]);
    for (const a of c.stores.auditLog.list({ keyHash: hash }))
      assert.equal(a.actor, 'console:admin-token@127.0.0.1');
  });

  it('searches and filters the list', async () => {
    c = await startConsoleHarness();
    await c.call('POST', '/api/whitelist', {
      body: { hash: 'aa'.repeat(32), label: 'Pump north' },
    });
    await c.call('POST', '/api/whitelist', {
      body: { hash: 'bb'.repeat(32), label: 'Valve', location: 'north wing' },
    });
    await c.call('POST', '/api/whitelist', { body: { hash: 'cc'.repeat(32), label: 'Meter' } });
    await c.call('PATCH', `/api/whitelist/${'cc'.repeat(32)}`, { body: { status: 'revoked' } });
    const north = await c.call('GET', '/api/whitelist?search=NORTH');
    assert.deepEqual(
      north.json<{ entries: { label: string }[] }>().entries.map((e) => e.label),
      ['Pump north', 'Valve'],
    );
    const revoked = await c.call('GET', '/api/whitelist?status=revoked');
    assert.deepEqual(revoked.json<{ total: number }>().total, 1);
    const page = await c.call('GET', '/api/whitelist?limit=1&offset=1');
    assert.deepEqual(page.json<{ total: number; entries: { label: string }[] }>(), {
      total: 3,
      entries: [page.json<{ entries: { label: string }[] }>().entries[0]!],
    });
    assert.equal(page.json<{ entries: { label: string }[] }>().entries[0]!.label, 'Valve');
    assert.equal((await c.call('GET', '/api/whitelist?status=lost')).statusCode, 400);
    assert.equal((await c.call('GET', '/api/whitelist?limit=0')).statusCode, 400);
  });

  it('imports all or nothing, naming each bad line, and exports what imports back', async () => {
    c = await startConsoleHarness();
    const good = uriOf(newIdentity());
    const csv = [
      'uri,label,profile',
      `${good},Pump,plant`,
      'DPP:K:broken;;,Valve,plant',
      `${uriOf(newIdentity())},Meter,warehouse`,
    ].join('\n');
    const refused = await c.call('POST', '/api/whitelist/import', {
      body: { format: 'csv', text: csv, source: 'site.csv' },
    });
    assert.equal(refused.statusCode, 422);
    const body = refused.json<{ error: string; problems: { where: string; reason: string }[] }>();
    assert.match(body.error, /2 bad rows, nothing imported/);
    assert.deepEqual(
      body.problems.map((p) => p.where),
      ['line 3', 'line 4'],
    );
    assert.match(body.problems[1]!.reason, /no profile named "warehouse"/);
    assert.equal(c.stores.whitelistStore.count(), 0);
    const skipped = await c.call('POST', '/api/whitelist/import', {
      body: { format: 'csv', text: csv, skipInvalid: true },
    });
    assert.equal(skipped.statusCode, 200);
    assert.equal(skipped.json<{ added: number }>().added, 1);
    const exported = await c.call('GET', '/api/whitelist/export?format=csv');
    assert.match(String(exported.headers['content-type']), /text\/csv/);
    assert.match(exported.body, /Pump/);
    const again = await c.call('POST', '/api/whitelist/import', {
      body: { format: 'csv', text: exported.body },
    });
    assert.deepEqual(again.json<{ added: number; unchanged: number }>(), {
      applied: true,
      added: 0,
      unchanged: 1,
      problems: [],
      warnings: [],
    });
    assert.equal(
      (await c.call('POST', '/api/whitelist/import', { body: { format: 'xml', text: '' } }))
        .statusCode,
      400,
    );
    const garbage = await c.call('POST', '/api/whitelist/import', {
      body: { format: 'json', text: '{"entries": 5' },
    });
    assert.equal(garbage.statusCode, 400);
  });

  it('imports a spreadsheet’s semicolon CSV as the CLI does: separator, header names, extra columns', async () => {
    c = await startConsoleHarness();
    const a = newIdentity();
    const b = newIdentity();
    // What a spreadsheet in a comma-decimal locale saves: BOM, ';', CRLF, its own header names.
    const csv =
      '\uFEFFDPP URI;Label;Serial\r\n' +
      `"${uriOf(a).replace(/^DPP:/, 'dpp:')}";Pump;SN-1\r\n` +
      `"${uriOf(b)}";Valve;SN-2\r\n`;
    const refused = await c.call('POST', '/api/whitelist/import', {
      body: { format: 'csv', text: csv },
    });
    assert.equal(refused.statusCode, 400);
    assert.match(refused.json<{ error: string }>().error, /line 1: unknown column "Serial"/);
    const wrongSeparator = await c.call('POST', '/api/whitelist/import', {
      body: { format: 'csv', text: csv, delimiter: ',', ignoreUnknownColumns: true },
    });
    assert.equal(wrongSeparator.statusCode, 400);
    assert.match(wrongSeparator.json<{ error: string }>().error, /seems separated by ";"/);
    const imported = await c.call('POST', '/api/whitelist/import', {
      body: { format: 'csv', text: csv, ignoreUnknownColumns: true },
    });
    assert.equal(imported.statusCode, 200, imported.body);
    assert.deepEqual(imported.json(), {
      applied: true,
      added: 2,
      unchanged: 0,
      problems: [],
      warnings: ['ignored unknown column "Serial"'],
    });
    assert.equal(c.stores.whitelistStore.get(hashOf(a))?.uri, uriOf(a));
    const notCsv = await c.call('POST', '/api/whitelist/import', {
      body: { format: 'uris', text: uriOf(a), delimiter: ';' },
    });
    assert.equal(notCsv.statusCode, 400);
  });

  it('shows a provisioned device with its history, live events, metrics, and never a secret', async () => {
    c = await startConsoleHarness();
    const stream = await openEvents(c);
    const id = newIdentity();
    const hash = hashOf(id);
    await c.call('POST', '/api/whitelist', { body: { uri: uriOf(id), label: 'Pump 1' } });
    const d = device(id, 'SN-42');
    const outcome = await d.done;
    assert.equal(outcome.result, 'configured');
    await until(
      'the device connected in the database',
      () => c.stores.deviceStore.get(hash)?.state === 'connected',
    );
    await until(
      'the events',
      () =>
        /event: device\ndata: \{[^\n]*"state":"connected"/.test(stream.text()) &&
        /event: whitelist/.test(stream.text()),
    );

    const shown = await c.call('GET', `/api/devices/${hash}`);
    const detail = shown.json<{
      device: { state: string; deviceInfo: { serial: string } };
      history: { kind: string }[];
    }>();
    assert.equal(detail.device.state, 'connected');
    assert.equal(detail.device.deviceInfo.serial, 'SN-42');
    assert.deepEqual(
      detail.history
        .map((a) => a.kind)
        .reverse()
        .slice(0, 2),
      ['whitelist-added', 'admitted'],
    );
    const metrics = await c.call('GET', '/metrics');
    assert.match(metrics.body, /^dpp_devices\{state="connected"\} 1$/m);
    assert.match(metrics.body, /^dpp_exchange_duration_seconds_count\{result="connected"\} 1$/m);
    assert.match(metrics.body, /^dpp_bridge_up\{bridge="memory radio"\} 1$/m);
    const status = (await c.call('GET', '/api/status')).json<{
      radio: { bridges: { name: string; up: boolean; channel: number; plannedChannel: number }[] };
    }>();
    assert.deepEqual(
      status.radio.bridges.map((b) => [b.name, b.up, b.channel, b.plannedChannel]),
      [['memory radio', true, 6, 6]],
      'each bridge, with its channel',
    );

    // Every secret the daemon made for the device, in every form it might leak in.
    const secrets = JSON.parse(c.stores.secretStore.get(hash)!.secrets) as {
      accounts: { key?: string }[];
    };
    const keys = secrets.accounts.flatMap((a) => (a.key === undefined ? [] : [a.key]));
    assert.ok(keys.length > 0, 'the device has a PSK');
    const forbidden = [
      TEST_PASSPHRASE,
      ...keys.flatMap((k) => [k, k.toUpperCase(), Buffer.from(k, 'hex').toString('base64')]),
    ];
    const gets = [
      '/api/whitelist',
      `/api/whitelist/${hash}`,
      '/api/whitelist/export?format=csv',
      '/api/whitelist/export?format=json',
      '/api/devices',
      `/api/devices/${hash}`,
      '/api/audit?limit=1000',
      '/api/audit/export',
      '/api/unlisted',
      '/api/status',
      '/api/identity',
      '/healthz',
      '/metrics',
      '/api/session',
      '/api/openapi.json',
    ];
    stream.close();
    const answers = [
      ...(await Promise.all(gets.map((u) => c.call('GET', u)))).map((r) => r.body),
      stream.text(),
    ];
    for (const [i, text] of answers.entries())
      for (const secret of forbidden)
        assert.ok(!text.includes(secret), `${gets[i] ?? 'the event stream'} holds a secret`);
  });

  it('keeps devices heard but not listed, and adds one by its announced key only when asked', async () => {
    c = await startConsoleHarness();
    const stranger = newIdentity();
    device(stranger);
    await until(
      'the stranger in the table',
      () => c.stores.unlistedStore.totals().devices === 1,
      10_000,
    );
    const listed = await c.call('GET', '/api/unlisted');
    const [u] = listed.json<{ devices: { id: string; uri: string }[] }>().devices;
    assert.equal(u!.id, hashOf(stranger));
    assert.equal(c.stores.whitelistStore.count(), 0, 'hearing a key is not trusting it');
    const added = await c.call('POST', `/api/unlisted/${u!.id}/add`, {
      body: { label: 'Checked in hand' },
    });
    assert.equal(added.statusCode, 201, added.body);
    assert.equal(c.stores.whitelistStore.get(u!.id)?.label, 'Checked in hand');
    assert.equal(c.stores.whitelistStore.get(u!.id)?.uri, u!.uri);
    assert.equal(
      (await c.call('GET', '/api/unlisted')).json<{ devices: unknown[] }>().devices.length,
      0,
    );
    assert.equal(
      (await c.call('POST', `/api/unlisted/${'ee'.repeat(32)}/add`, { body: {} })).statusCode,
      404,
    );
    assert.equal((await c.call('POST', `/api/unlisted/zz/add`, { body: {} })).statusCode, 400);
  });

  it('pages back through the audit log and exports it as CSV', async () => {
    c = await startConsoleHarness();
    for (let i = 0; i < 5; i++)
      await c.call('POST', '/api/whitelist', {
        body: { hash: `${i}`.repeat(64), label: `=cmd|${i}` },
      });
    const first = await c.call('GET', '/api/audit?kind=whitelist-added&limit=2');
    const p1 = first.json<{ entries: { id: number }[]; next: number }>();
    assert.equal(p1.entries.length, 2);
    const second = await c.call(
      'GET',
      `/api/audit?kind=whitelist-added&limit=2&beforeId=${p1.next}`,
    );
    const p2 = second.json<{ entries: { id: number }[]; next: number | null }>();
    assert.ok(p2.entries.every((e) => e.id < p1.entries[1]!.id));
    const csv = await c.call('GET', '/api/audit/export?kind=whitelist-added');
    assert.equal(csv.body.trim().split('\r\n').length, 6);
    assert.ok(
      !/,=cmd/.test(csv.body),
      'a label starting with = is guarded against spreadsheet formulas',
    );
    assert.equal((await c.call('GET', '/api/audit?since=yesterday')).statusCode, 400);
  });

  it('answers bad requests with their reason and goes on', async () => {
    c = await startConsoleHarness();
    const notJson = await c.server.app.inject({
      method: 'POST',
      url: '/api/whitelist',
      headers: { authorization: `Bearer ${c.tokens.admin}`, 'content-type': 'application/json' },
      payload: '{"hash": ',
    });
    assert.equal(notJson.statusCode, 400);
    const huge = await c.server.app.inject({
      method: 'POST',
      url: '/api/whitelist',
      headers: { authorization: `Bearer ${c.tokens.admin}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ hash: 'a'.repeat(2 * 1024 * 1024) }),
    });
    assert.equal(huge.statusCode, 413);
    assert.equal((await c.call('GET', '/api/devices?state=happy')).statusCode, 400);
    assert.equal((await c.call('GET', '/api/nothing')).statusCode, 404);
    assert.equal((await c.call('GET', '/healthz')).json<{ status: string }>().status, 'ok');
  });
});
