/**
 * Each layer owns its blocks of error codes in its own file; the tables are checked as they load,
 * so a code outside its layer's blocks or taken twice cannot ship.
 */
import assert from 'node:assert/strict';
import {
  ConfiguratorError,
  defineErrorCodes,
  ErrorCode,
  errorCodeName,
} from '../../protocol/errors.js';
import { WhitelistErrorCode } from '../../whitelist/errors.js';
import { DaemonErrorCode } from '../../daemon/errors.js';

describe('error codes', () => {
  it('every layer’s codes lie in its own blocks and name themselves', () => {
    const within = (codes: Record<string, number>, blocks: [number, number][]): void => {
      for (const [name, code] of Object.entries(codes)) {
        assert.ok(
          blocks.some(([from, to]) => code >= from && code <= to),
          `${name} = ${code}`,
        );
        assert.equal(errorCodeName(code), name);
      }
    };
    within(ErrorCode, [
      [100, 599],
      [800, 849],
    ]);
    within(WhitelistErrorCode, [[600, 699]]);
    within(DaemonErrorCode, [
      [700, 799],
      [850, 899],
    ]);
  });

  it('refuses a code outside the layer’s blocks, and one another layer has', () => {
    assert.throws(
      () => defineErrorCodes('test', [[900, 949]], { Stray: 950 }),
      /Stray = 950 lies outside its blocks/,
    );
    assert.throws(
      () => defineErrorCodes('test', [[600, 699]], { Clash: WhitelistErrorCode.WhitelistNotFound }),
      /is already WhitelistNotFound/,
    );
  });

  it('describes an error by its code and name, whichever layer defined it', () => {
    const e = new ConfiguratorError(WhitelistErrorCode.WhitelistDuplicate, 'already listed');
    assert.equal(e.describe(), 'E602 WhitelistDuplicate: already listed');
    assert.equal(e.name, 'ConfiguratorError');
  });
});
