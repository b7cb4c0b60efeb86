import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { isConfiguratorError } from '../../protocol/errors.js';
import { openDatabase, type Database } from '../../whitelist/database.js';
import { SecretStore } from '../../whitelist/secret-store.js';
import { TempDirs, newKey } from './fixtures.js';
import { WhitelistErrorCode } from '../../whitelist/errors.js';

interface RaceResult {
  secrets: string;
  created: boolean;
}

function race(
  dataDir: string,
  keyHash: string,
  name: string,
  barrier: SharedArrayBuffer,
): Promise<RaceResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./secret-race-worker.js', import.meta.url), {
      workerData: { dataDir, keyHash, name, barrier },
    });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

describe('SecretStore', () => {
  const temp = new TempDirs();
  let db: Database;
  let secrets: SecretStore;
  let dir: string;

  beforeEach(() => {
    dir = temp.make();
    db = openDatabase(dir);
    secrets = new SecretStore(db);
  });
  afterEach(() => {
    db.close();
    temp.cleanup();
  });

  it('creates once, then returns the same secrets without calling generate', () => {
    const k = newKey();
    const first = secrets.getOrCreate(k.keyHash, 'factory', () => '{"psk":"one"}');
    assert.deepEqual(first, { secrets: '{"psk":"one"}', created: true, profile: 'factory' });
    const second = secrets.getOrCreate(k.keyHash.toUpperCase(), 'other', () => {
      throw new Error('generate must not run again');
    });
    assert.deepEqual(second, { secrets: '{"psk":"one"}', created: false, profile: 'factory' });
    assert.equal(secrets.get(k.keyHash)?.secrets, '{"psk":"one"}');
  });

  it('lists devices with secrets but not the secrets', () => {
    const k = newKey();
    secrets.getOrCreate(k.keyHash, 'factory', () => '{"psk":"hidden"}');
    const list = secrets.list();
    assert.equal(list.length, 1);
    assert.equal(list[0]!.keyHash, k.keyHash);
    assert.equal(list[0]!.profile, 'factory');
    assert.ok(!JSON.stringify(list).includes('hidden'));
  });

  it('refuses secrets that are not JSON without echoing them, and stores nothing', () => {
    const k = newKey();
    assert.throws(
      () => secrets.getOrCreate(k.keyHash, 'factory', () => 'psk=hunter2'),
      (e: unknown) =>
        isConfiguratorError(e, WhitelistErrorCode.StoreBadRecord) &&
        !e.message.includes('hunter2') &&
        e.message.includes(k.keyHash),
    );
    assert.equal(secrets.get(k.keyHash), undefined);
  });

  it('a generate that throws leaves no secret behind', () => {
    const k = newKey();
    assert.throws(
      () =>
        secrets.getOrCreate(k.keyHash, 'factory', () => {
          throw new Error('no entropy');
        }),
      /no entropy/,
    );
    assert.equal(secrets.get(k.keyHash), undefined);
  });

  it('two connections racing for the same device end with one secret set', async () => {
    const k = newKey();
    for (let round = 0; round < 3; round++) {
      const hash = round === 0 ? k.keyHash : newKey().keyHash;
      const barrier = new SharedArrayBuffer(4);
      const [a, b] = await Promise.all([
        race(dir, hash, 'a', barrier),
        race(dir, hash, 'b', barrier),
      ]);
      assert.equal(a.secrets, b.secrets);
      assert.deepEqual([a.created, b.created].sort(), [false, true]);
      assert.equal(secrets.get(hash)?.secrets, a.secrets);
    }
  });
});
