/**
 * The configuration exchange after authentication (Wi-Fi Easy Connect §6.4), keyed by ke:
 *   Configuration Request   GAS Initial Request,  query = {E-nonce, configAttrib}ke          (no AD)
 *   Configuration Response  GAS Initial Response, query = Status, {E-nonce, ConfigObj…, [SendConnStatus]}ke
 *                                                 (AD = the attributes before Wrapped Data)
 *   Configuration Result    DPP frame 11: {Status, E-nonce}ke                 (AD = header, empty)
 *   Connection Status Result DPP frame 12: {E-nonce, ConnStatus JSON}ke       (AD = header, empty)
 * The E-nonce binds every later message to this one request, so a replay of another device's
 * (or an earlier) exchange does not verify.
 */
import { bytesEqual, concatBytes } from '../bytes.js';
import { attempt, ConfiguratorError, ErrorCode, must, type Result } from '../errors.js';
import { AttributeId, DppStatus, decodeAttributes, pickAttributes } from './attributes.js';
import { attr, statusAttr } from './auth-common.js';
import { NONCE_LEN } from './crypto/kdf.js';
import { unwrap, wrap } from './crypto/wrap.js';
import {
  dppHeader,
  encodeDppFrame,
  encodeMessage,
  FrameType,
  splitAtWrappedData,
  type DppFrame,
  type GasInitialRequest,
  type GasInitialResponse,
} from './frames.js';

/** GAS status code for success (IEEE 802.11 status code 0). */
export const GAS_STATUS_SUCCESS = 0;
const EMPTY = new Uint8Array(0);

export function buildConfigurationRequest(
  ke: Uint8Array,
  eNonce: Uint8Array,
  configAttrib: Uint8Array,
  dialogToken: number,
): Uint8Array {
  const clear = concatBytes(
    attr(AttributeId.EnrolleeNonce, eNonce),
    attr(AttributeId.ConfigurationRequestObject, configAttrib),
  );
  const query = attr(AttributeId.WrappedData, wrap(ke, clear, []));
  return encodeMessage({ kind: 'gasInitialRequest', dialogToken, query });
}

export interface ConfigurationRequestContent {
  readonly eNonce: Uint8Array;
  readonly configAttrib: Uint8Array;
}

export function parseConfigurationRequestQuery(
  ke: Uint8Array,
  gas: GasInitialRequest,
): Result<ConfigurationRequestContent> {
  return attempt(() => {
    const what = 'Configuration Request';
    const attrs = must(decodeAttributes(gas.query));
    const a = must(pickAttributes(attrs, { wrapped: { id: AttributeId.WrappedData } }, what));
    const clear = unwrap(ke, a.wrapped, [], what);
    const c = must(
      pickAttributes(
        must(decodeAttributes(clear)),
        {
          eNonce: { id: AttributeId.EnrolleeNonce, length: NONCE_LEN },
          configAttrib: { id: AttributeId.ConfigurationRequestObject },
        },
        `${what} (wrapped)`,
      ),
    );
    return { eNonce: c.eNonce, configAttrib: c.configAttrib };
  });
}

export interface ConfigurationResponseContent {
  readonly status: number;
  readonly eNonce: Uint8Array;
  readonly configObjects: Uint8Array[];
  readonly sendConnStatus: boolean;
}

export function buildConfigurationResponse(
  ke: Uint8Array,
  dialogToken: number,
  content: ConfigurationResponseContent,
): Uint8Array {
  const before = statusAttr(content.status);
  const clear = concatBytes(
    attr(AttributeId.EnrolleeNonce, content.eNonce),
    ...content.configObjects.map((o) => attr(AttributeId.ConfigurationObject, o)),
    content.sendConnStatus ? attr(AttributeId.SendConnStatus, EMPTY) : EMPTY,
  );
  const query = concatBytes(before, attr(AttributeId.WrappedData, wrap(ke, clear, [before])));
  return encodeMessage({
    kind: 'gasInitialResponse',
    dialogToken,
    statusCode: GAS_STATUS_SUCCESS,
    comebackDelay: 0,
    query,
  });
}

export function parseConfigurationResponseQuery(
  ke: Uint8Array,
  expectedENonce: Uint8Array,
  gas: GasInitialResponse,
): Result<ConfigurationResponseContent> {
  return attempt(() => {
    const what = 'Configuration Response';
    if (gas.statusCode !== GAS_STATUS_SUCCESS)
      throw new ConfiguratorError(ErrorCode.DecodeBadGas, `${what}: GAS status ${gas.statusCode}`);
    if (gas.comebackDelay !== 0 || gas.query.length === 0) {
      throw new ConfiguratorError(
        ErrorCode.DecodeBadGas,
        `${what}: GAS comeback is not supported on this link`,
      );
    }
    const attrs = must(decodeAttributes(gas.query));
    const split = must(splitAtWrappedData(gas.query, attrs, what));
    const a = must(pickAttributes(attrs, { status: { id: AttributeId.Status, length: 1 } }, what));
    const clear = unwrap(ke, split.wrapped, [split.before], what);
    const inner = must(decodeAttributes(clear));
    const c = must(
      pickAttributes(
        inner,
        {
          eNonce: { id: AttributeId.EnrolleeNonce, length: NONCE_LEN },
          sendConnStatus: { id: AttributeId.SendConnStatus, optional: true },
        },
        `${what} (wrapped)`,
      ),
    );
    if (!bytesEqual(c.eNonce, expectedENonce))
      throw new ConfiguratorError(
        ErrorCode.AuthNonceMismatch,
        `${what}: E-nonce does not match our request`,
      );
    const configObjects = inner
      .filter((x) => x.id === AttributeId.ConfigurationObject)
      .map((x) => x.value);
    const status = a.status[0]!;
    if (status === DppStatus.Ok && configObjects.length === 0)
      throw new ConfiguratorError(
        ErrorCode.DecodeMissingAttribute,
        `${what}: status OK without a Configuration Object`,
      );
    return {
      status,
      eNonce: c.eNonce,
      configObjects,
      sendConnStatus: c.sendConnStatus !== undefined,
    };
  });
}

function buildWrappedFrame(frameType: number, ke: Uint8Array, clear: Uint8Array): Uint8Array {
  // These frames have no attributes before Wrapped Data; the AD is the header and one empty component, as in hostap.
  const wrapped = wrap(ke, clear, [dppHeader(frameType), EMPTY]);
  return encodeDppFrame(frameType, attr(AttributeId.WrappedData, wrapped));
}

function unwrapFrame(frame: DppFrame, frameType: number, ke: Uint8Array, what: string): Uint8Array {
  if (frame.frameType !== frameType)
    throw new ConfiguratorError(ErrorCode.AuthUnexpectedFrame, `expected ${what}`);
  const split = must(splitAtWrappedData(frame.body, frame.attributes, what));
  return unwrap(ke, split.wrapped, [frame.header, split.before], what);
}

export function buildConfigurationResult(
  ke: Uint8Array,
  eNonce: Uint8Array,
  status: number,
): Uint8Array {
  return buildWrappedFrame(
    FrameType.ConfigurationResult,
    ke,
    concatBytes(statusAttr(status), attr(AttributeId.EnrolleeNonce, eNonce)),
  );
}

export function parseConfigurationResult(
  ke: Uint8Array,
  eNonce: Uint8Array,
  frame: DppFrame,
): Result<number> {
  return attempt(() => {
    const what = 'Configuration Result';
    const clear = unwrapFrame(frame, FrameType.ConfigurationResult, ke, what);
    const c = must(
      pickAttributes(
        must(decodeAttributes(clear)),
        {
          status: { id: AttributeId.Status, length: 1 },
          eNonce: { id: AttributeId.EnrolleeNonce, length: NONCE_LEN },
        },
        `${what} (wrapped)`,
      ),
    );
    if (!bytesEqual(c.eNonce, eNonce))
      throw new ConfiguratorError(ErrorCode.AuthNonceMismatch, `${what}: E-nonce does not match`);
    return c.status[0]!;
  });
}

export function buildConnectionStatusResult(
  ke: Uint8Array,
  eNonce: Uint8Array,
  connStatusJson: Uint8Array,
): Uint8Array {
  return buildWrappedFrame(
    FrameType.ConnectionStatusResult,
    ke,
    concatBytes(
      attr(AttributeId.EnrolleeNonce, eNonce),
      attr(AttributeId.ConnStatus, connStatusJson),
    ),
  );
}

export function parseConnectionStatusResult(
  ke: Uint8Array,
  eNonce: Uint8Array,
  frame: DppFrame,
): Result<Uint8Array> {
  return attempt(() => {
    const what = 'Connection Status Result';
    const clear = unwrapFrame(frame, FrameType.ConnectionStatusResult, ke, what);
    const c = must(
      pickAttributes(
        must(decodeAttributes(clear)),
        {
          eNonce: { id: AttributeId.EnrolleeNonce, length: NONCE_LEN },
          status: { id: AttributeId.ConnStatus },
        },
        `${what} (wrapped)`,
      ),
    );
    if (!bytesEqual(c.eNonce, eNonce))
      throw new ConfiguratorError(ErrorCode.AuthNonceMismatch, `${what}: E-nonce does not match`);
    return c.status;
  });
}
