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

/**
 * Logs the radio's ups and downs, and puts the bridge on the configured channel whenever it comes
 * up elsewhere (after a reset it starts on its own default).
 */
export function superviseRadio(radio: RadioTransport, channelNow: () => number, log: Logger): void {
  radio.on('up', (info) => {
    const channel = channelNow();
    log.info(
      {
        mac: info.mac,
        channel: info.channel,
        maxPayload: info.maxPayload,
        firmware: info.firmware,
      },
      'radio up',
    );
    if (info.channel === channel) return;
    void radio.setChannel(channel).then((okay) => {
      if (!okay) log.error({ channel }, 'the bridge refused the configured channel');
    });
  });
  radio.on('down', (reason) =>
    log.warn({ reason }, 'radio down: sessions keep their timers and resume if it returns'),
  );
  radio.on('problem', (e) => log.debug({ code: e.code }, `radio: ${e.message}`));
}
