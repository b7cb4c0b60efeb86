/**
 * The console page in a real Chromium (Debian's, driven by playwright-core): log in, watch the
 * live view count a simulated batch, add a device by filming its QR code (Chromium's fake camera
 * playing a video of the code), see a CSV import's bad line, revoke, and a viewer who gets no way
 * to change anything (and is refused when trying anyway).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { identityUri } from '../../daemon/keys/identity.js';
import { toHex } from '../../protocol/bytes.js';
import type { BootstrapIdentity } from '../../protocol/dpp/auth-common.js';
import { AirEnrollee } from '../support/air-enrollee.js';
import { launchChromium } from '../support/browser.js';
import { startConsoleHarness, type ConsoleHarness } from '../support/console-harness.js';
import { newIdentity } from '../support/dpp-fixtures.js';
import { writeQrVideo } from '../support/qr-video.js';
import type { MemoryRadioTransport } from '../support/memory-radio.js';
import type { RadioGroup } from '../../daemon/transports/radio-group.js';

const hashOf = (id: BootstrapIdentity): string => toHex(id.hash);

describe('console: the page in Chromium', function () {
  this.timeout(120_000);
  let browser: Browser;
  let dir: string;
  const labelled = newIdentity();
  let c: ConsoleHarness;
  let page: Page;
  const devices: AirEnrollee[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'console-browser-'));
    const video = join(dir, 'label.y4m');
    writeQrVideo(video, identityUri(labelled));
    browser = await launchChromium({ fakeCamera: video });
  });
  after(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    c = await startConsoleHarness();
    page = await browser.newPage();
    page.on('dialog', (d) => void d.accept());
  });
  afterEach(async () => {
    await page?.close();
    for (const d of devices.splice(0)) d.stop();
    await c?.close();
  });

  async function logIn(token: string, name = 'Ann'): Promise<void> {
    await page.goto(c.server.url);
    await page.fill('input[name=token]', token);
    await page.fill('input[name=name]', name);
    await page.click('#login button[type=submit]');
    await page.waitForSelector('#counts');
  }

  it('logs in, refuses a wrong token with the reason, and counts a batch live as it runs', async () => {
    await page.goto(c.server.url);
    await page.fill('input[name=token]', 'admin-wrong');
    await page.click('#login button[type=submit]');
    await page.waitForSelector('text=not a console token');
    await logIn(c.tokens.admin);
    assert.match(
      (await page.textContent('#who')) ?? '',
      /admin: console:Ann \(admin@127\.0\.0\.1\)/,
    );
    const ids = [newIdentity(), newIdentity(), newIdentity()];
    for (const id of ids)
      await c.call('POST', '/api/whitelist', { body: { uri: identityUri(id) } });
    const stranger = newIdentity();
    [...ids, stranger].forEach((id, i) =>
      devices.push(
        new AirEnrollee(c.h.air.attach(`02:00:00:00:0b:0${i}`), { identity: id }).start(),
      ),
    );
    // The page was loaded before the batch: only the event stream can bring these numbers.
    await page.locator('[data-state=connected] b', { hasText: /^3$/ }).waitFor({ timeout: 60_000 });
    await page.waitForSelector('#rate:has-text("3 of 3 whitelisted devices provisioned")');
    await page.waitForSelector('text=not on the whitelist', { timeout: 30_000 });
  });

  it('shows each of several bridges, and one going down live, with why', async () => {
    await c.close();
    c = await startConsoleHarness({ bridges: ['hall', 'yard'] });
    await logIn(c.tokens.admin);
    await page.waitForSelector('#radio:has-text("Radio: 2 of 2 bridges up")');
    assert.match((await page.textContent('[data-bridge=hall]')) ?? '', /^hall: up on channel 6$/);
    const group = c.h.daemon.espnow!.radio as RadioGroup;
    (group.members[1]!.transport as MemoryRadioTransport).drop('unplugged');
    // Only the event stream can bring this: the page does not load the status again.
    await page.waitForSelector('[data-bridge=yard]:has-text("yard: DOWN (channel 6): unplugged")');
    await page.waitForSelector('#radio:has-text("Radio: 1 of 2 bridges up")');
  });

  it("adds a device by filming its label's QR code", async () => {
    await logIn(c.tokens.admin);
    await page.goto(`${c.server.url}#/whitelist`);
    await page.click('#scan');
    // The page's policy forbids evaluating strings in it: poll from here.
    const deadline = Date.now() + 60_000;
    while (!(await page.inputValue('input[name=uri]')).startsWith('DPP:')) {
      if (Date.now() > deadline) throw new Error('no QR code read from the camera in 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(await page.inputValue('input[name=uri]'), identityUri(labelled));
    await page.fill('#add-form input[name=label]', 'Boiler 3');
    await page.click('#add-form button[type=submit]');
    await page.waitForSelector(`#entries a[href="#/device/${hashOf(labelled)}"]`);
    const entry = c.stores.whitelistStore.get(hashOf(labelled));
    assert.equal(entry?.label, 'Boiler 3');
    const [record] = c.stores.auditLog.list({ kind: 'whitelist-added' });
    assert.equal(record!.actor, 'console:Ann (admin@127.0.0.1)');
  });

  it("shows an import's bad line and imports nothing; revokes an entry", async () => {
    await logIn(c.tokens.admin);
    await page.goto(`${c.server.url}#/whitelist`);
    const good = newIdentity();
    const csv = `uri,label\n${identityUri(good)},Pump\nDPP:K:broken;;,Valve\n`;
    await page.setInputFiles('input[name=import]', {
      name: 'site.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv),
    });
    await page.click('#import-form button[type=submit]');
    await page.waitForSelector('#message:has-text("line 3")');
    assert.match((await page.textContent('#message')) ?? '', /nothing imported/);
    assert.equal(c.stores.whitelistStore.count(), 0);

    await c.call('POST', '/api/whitelist', { body: { uri: identityUri(good), label: 'Pump' } });
    await page.fill('input[name=search]', 'Pump');
    const row = page.locator('#entries tr', { hasText: 'Pump' });
    await row.locator('button[data-action=revoke]').click();
    await page.waitForSelector('#message:has-text("revoked")');
    assert.equal(c.stores.whitelistStore.get(hashOf(good))?.status, 'revoked');
  });

  it('gives a viewer no way to change anything, and refuses one who tries', async () => {
    await c.call('POST', '/api/whitelist', { body: { hash: 'ab'.repeat(32), label: 'Pump' } });
    await logIn(c.tokens.viewer, 'Installer');
    await page.goto(`${c.server.url}#/whitelist`);
    await page.waitForSelector('#entries table');
    assert.equal(await page.locator('#add-form').count(), 0);
    assert.equal(await page.locator('#import-form').count(), 0);
    assert.equal(await page.locator('#entries button').count(), 0);
    const status = await page.evaluate(async () => {
      const s = (await (await fetch('/api/session')).json()) as { csrfToken: string };
      const res = await fetch(`/api/whitelist/${'ab'.repeat(32)}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', 'x-csrf-token': s.csrfToken },
        body: JSON.stringify({ status: 'revoked' }),
      });
      return res.status;
    });
    assert.equal(status, 403);
    assert.equal(c.stores.whitelistStore.get('ab'.repeat(32))?.status, 'active');
  });
});
