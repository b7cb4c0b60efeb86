/** The radio the configuration names: the ESP32 bridge on a serial port, or none (TCP only). */
import type { Logger } from 'pino';
import type { DaemonConfig } from '../config/load.js';
import type { RadioTransport } from '../transports/radio-transport.js';
import { SerialBridgeTransport } from '../transports/serial-bridge.js';

export function createRadio(config: DaemonConfig, log: Logger): RadioTransport | undefined {
  if (config.radio.port === 'none') return undefined;
  const bridgeLog = log.child({ component: 'bridge' });
  return new SerialBridgeTransport({
    port: config.radio.port,
    baudRate: config.radio.baud,
    logger: {
      info: (obj, msg) => bridgeLog.info(obj, msg),
      warn: (obj, msg) => bridgeLog.warn(obj, msg),
      debug: (obj, msg) => bridgeLog.debug(obj, msg),
    },
  });
}
