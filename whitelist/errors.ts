/** Error codes of the whitelist layer: the store, the whitelist and its imports (600–699). */
import { defineErrorCodes } from '../protocol/errors.js';

export const WhitelistErrorCode = defineErrorCodes('whitelist', [[600, 699]], {
  WhitelistNotFound: 600,
  WhitelistRefused: 601,
  WhitelistDuplicate: 602,
  WhitelistBadEntry: 603,
  WhitelistImportRejected: 604,
  WhitelistImportTooLarge: 605,
  WhitelistImportFormat: 606,
  WhitelistAmbiguousPrefix: 607,
  StoreSchemaTooNew: 620,
  StoreOpenFailed: 621,
  StoreBadRecord: 622,
  StoreNotPrivate: 623,
});
