/**
 * Parsed bootstrapping keys of the devices we talk to, by their DER bytes. Parsing decompresses a
 * point (a modular square root) and hashes the key: worth doing once per device, not once per
 * session and once per announcement heard while it waits. Bounded; the oldest entry goes first.
 */
import { makePeer, type PeerBootstrap } from '../../protocol/dpp/auth-common.js';
import { parseBootstrapKey } from '../../protocol/dpp/bootstrap-key.js';
import { attempt, type Result } from '../../protocol/errors.js';

export class PeerKeys {
  private readonly byDer = new Map<string, PeerBootstrap>();

  constructor(private readonly capacity = 4096) {}

  /** The parsed key, or why the DER is not a usable bootstrapping key (not remembered). */
  parse(der: Uint8Array): Result<PeerBootstrap> {
    const id = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
    const known = this.byDer.get(id);
    if (known !== undefined) return { ok: true, value: known };
    // A copy: the cached key must not share bytes with a buffer someone may reuse.
    const key = attempt(() => parseBootstrapKey(new Uint8Array(der)));
    if (!key.ok) return key;
    const peer = makePeer(key.value);
    this.byDer.set(id, peer);
    if (this.byDer.size > this.capacity) {
      const oldest = this.byDer.keys().next();
      if (oldest.done !== true) this.byDer.delete(oldest.value);
    }
    return { ok: true, value: peer };
  }
}
