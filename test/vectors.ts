/** Test vector loading. Vectors live in test/vectors/ (copied from public specifications and test data). */
import { readFileSync } from 'node:fs';

export interface VectorSet {
  i_proto_public: string;
  i_proto_private: string;
  i_boot_public?: string;
  i_boot_private?: string;
  i_nonce: string;
  i_auth: string;
  i_asn1?: string;
  r_proto_public: string;
  r_proto_private: string;
  r_boot_public: string;
  r_boot_private: string;
  r_nonce: string;
  r_auth: string;
  r_asn1: string;
  k1: string;
  k2: string;
  ke: string;
  mx: string;
  nx: string;
  lx?: string;
}

export function vectorPath(name: string): URL {
  // compiled tests run from dist/test/, vectors stay in test/vectors/
  return new URL(`../../test/vectors/${name}`, import.meta.url);
}

export function appendixB(): { mutual: VectorSet; responder_only: VectorSet } {
  return JSON.parse(readFileSync(vectorPath('dpp-appendix-b-p256.json'), 'utf8')) as {
    mutual: VectorSet;
    responder_only: VectorSet;
  };
}
