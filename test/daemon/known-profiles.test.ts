/**
 * Entries naming a profile the configuration lacks: what the start warning lists (not revoked,
 * not those without a profile), and import rows turned into per-line problems.
 */
import assert from 'node:assert/strict';
import { openMemoryDatabase } from '../../whitelist/database.js';
import { WhitelistStore } from '../../whitelist/whitelist-store.js';
import {
  checkRowProfiles,
  warnEntriesWithUnknownProfiles,
} from '../../daemon/service/known-profiles.js';
import { newKey } from '../whitelist/fixtures.js';

describe('profiles named by whitelist entries', () => {
  it('warns once at start, listing up to 20 entries and counting the rest, by profile', () => {
    const db = openMemoryDatabase();
    const store = new WhitelistStore(db);
    const add = (profile: string | undefined, status?: 'revoked') =>
      store.add({ keyHash: newKey().keyHash, profile, status }, 'test').keyHash;
    const missing = Array.from({ length: 22 }, (_, i) => add(i % 2 === 0 ? 'hall' : 'yard'));
    add('plant');
    add(undefined);
    add('hall', 'revoked');
    const warned: { obj: Record<string, unknown>; msg: string }[] = [];
    const log = { warn: (obj: Record<string, unknown>, msg: string) => warned.push({ obj, msg }) };

    warnEntriesWithUnknownProfiles(store, ['plant'], log as never);
    assert.equal(warned.length, 1);
    const [{ obj, msg }] = warned as [(typeof warned)[0]];
    assert.match(msg, /^22 whitelist entries name profiles the configuration lacks \(hall, yard\)/);
    assert.deepEqual(obj['missingProfiles'], { hall: 11, yard: 11 });
    assert.equal((obj['entries'] as string[]).length, 20);
    assert.equal(obj['moreEntries'], 2);
    assert.ok((obj['entries'] as string[]).every((h) => missing.includes(h)));

    warned.length = 0;
    warnEntriesWithUnknownProfiles(store, ['plant', 'hall', 'yard'], log as never);
    assert.deepEqual(warned, []);
    db.close();
  });

  it('turns an import row naming an unknown profile into that row’s problem', () => {
    const { keyHash } = newKey();
    const rows = checkRowProfiles(
      [
        { where: 'line 2', entry: { keyHash, profile: 'plant' } },
        { where: 'line 3', entry: { keyHash, profile: 'hall' } },
        { where: 'line 4', entry: { keyHash } },
        { where: 'line 5', problem: 'bad URI' },
      ],
      ['plant'],
    );
    assert.deepEqual(
      rows.map((r) => ('problem' in r ? r.problem : 'ok')),
      ['ok', 'no profile named "hall" (profiles: plant)', 'ok', 'bad URI'],
    );
  });
});
