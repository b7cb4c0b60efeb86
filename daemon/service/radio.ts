/**
 * The radio the configuration names: the ESP32 bridge on a serial port, several of them as one
 * radio (radio.bridges), or none (TCP only).
 */
import type { Logger } from 'pino';
import type { BridgeSetting, DaemonConfig } from '../config/load.js';
import { RadioGroup } from '../transports/radio-group.js';
import type { RadioTransport } from '../transports/radio-transport.js';
import { SerialBridgeTransport } from '../transports/serial-bridge.js';

function serialBridge(
  bridge: BridgeSetting,
  others: readonly BridgeSetting[],
  baudRate: number,
  log: Logger,
): SerialBridgeTransport {
  const bridgeLog = log.child(
    others.length === 0 ? { component: 'bridge' } : { component: 'bridge', bridge: bridge.name },
  );
  return new SerialBridgeTransport({
    port: bridge.port,
    baudRate,
    // `auto` beside named ports: discovery must not take one of theirs.
    discovery: { exclude: others.map((o) => o.port).filter((p) => p !== 'auto') },
    logger: {
      info: (obj, msg) => bridgeLog.info(obj, msg),
      warn: (obj, msg) => bridgeLog.warn(obj, msg),
      debug: (obj, msg) => bridgeLog.debug(obj, msg),
    },
  });
}

export function createRadio(config: DaemonConfig, log: Logger): RadioTransport | undefined {
  const { bridges, baud } = config.radio;
  const [only] = bridges;
  if (only === undefined) return undefined;
  if (bridges.length === 1) return serialBridge(only, [], baud, log);
  return new RadioGroup(
    bridges.map((b) => ({
      name: b.name,
      transport: serialBridge(
        b,
        bridges.filter((o) => o !== b),
        baud,
        log,
      ),
    })),
    { log },
  );
}
