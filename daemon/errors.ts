/**
 * Error codes of the daemon layer: its configuration, the serial port, the control socket and
 * `connect`, the console, Bluetooth LE discovery, backups, per-device LwM2M material.
 */
import { defineErrorCodes } from '../protocol/errors.js';

export const DaemonErrorCode = defineErrorCodes(
  'daemon',
  [
    [700, 799],
    [850, 899],
  ],
  {
    // 700–739: configuration of the daemon itself
    ConfigurationInvalid: 700,
    // 740–749: finding the bridge's serial port (daemon/transports/serial-discovery.ts)
    BridgeNoSerialPort: 740,
    BridgeAmbiguousSerialPort: 741,
    // 750–769: the control socket (daemon/service/control-socket.ts) and `connect`
    ControlSocketUnavailable: 750,
    ControlSocketInUse: 751,
    ControlBadRequest: 752,
    ControlRequestTooLarge: 753,
    ControlInternal: 754,
    ControlNoAnswer: 755,
    ConnectRefused: 760,
    ConnectFailed: 761,
    // 770–779: the console (daemon/console/)
    ConsoleTokensInvalid: 770,
    ConsoleUnavailable: 771,
    ConsoleTlsInvalid: 772,
    // 780–789: Bluetooth LE discovery (daemon/ble/)
    BleUnavailable: 780,
    BleConnectFailed: 781,
    BleConnectTimeout: 782,
    BleNoUriCharacteristic: 783,
    BleReadFailed: 784,
    // 790–799: backup and restore of the data dir (daemon/backup/)
    BackupInvalid: 790,
    BackupRefused: 791,
    BackupDaemonRunning: 792,
    BackupFailed: 793,

    // 850–869: per-device LwM2M credentials, templates and export (daemon/lwm2m/)
    Lwm2mTemplateInvalid: 850,
    Lwm2mTemplateMissingValue: 851,
    Lwm2mMaterialInvalid: 852,
    Lwm2mSecretsInvalid: 853,
    Lwm2mExportFailed: 854,
  },
);
