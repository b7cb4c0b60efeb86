/**
 * One side of the getOrCreate race (secret-store.test.ts): opens its own connection, waits at a
 * shared barrier so both sides start together, then creates the secrets slowly.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../../whitelist/database.js';
import { SecretStore } from '../../whitelist/secret-store.js';

interface RaceData {
  readonly dataDir: string;
  readonly keyHash: string;
  readonly name: string;
  readonly barrier: SharedArrayBuffer;
}

const data: RaceData = workerData;
const db = openDatabase(data.dataDir);
const gate = new Int32Array(data.barrier);
Atomics.add(gate, 0, 1);
Atomics.notify(gate, 0);
while (Atomics.load(gate, 0) < 2) Atomics.wait(gate, 0, 1, 50);

const result = new SecretStore(db).getOrCreate(data.keyHash, 'factory', () => {
  // Hold the transaction open long enough for the other side to try its own.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 150);
  return JSON.stringify({ psk: `made by ${data.name}` });
});
db.close();
parentPort?.postMessage(result);
