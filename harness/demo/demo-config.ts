/** The demo's configuration: the bridge's pty, quick retries, one profile on the simulated AP. */
export const DEMO_SSID = 'SIM-Plant-IoT';

export function demoConfig(bridgeLink: string): Record<string, unknown> {
  return {
    // The simulated air is not this computer's Wi-Fi: nothing for the preflight to look at.
    radio: { port: bridgeLink, channel: 6, preflight: false },
    tcp: { enabled: true, host: '127.0.0.1', port: 0 },
    sessions: {
      retransmitMs: 500,
      authTimeoutMs: 8000,
      configTimeoutMs: 8000,
      connStatusTimeoutMs: 8000,
      announceIntervalMs: 500,
    },
    defaultProfile: 'demo',
    profiles: {
      demo: {
        wifi: { ssid: DEMO_SSID, passphraseFile: 'wifi.pass' },
        connectionStatus: true,
        // Each device also gets its LwM2M factory bundle with its own PSK, generated once.
        lwm2m: {
          endpoint: 'sim-{serial}',
          servers: [
            {
              uri: 'coaps://lwm2m.simulation.invalid:5684',
              shortServerId: 1,
              securityMode: 'psk',
              lifetime: 3600,
            },
          ],
          psk: { identity: '{endpoint}', keyLength: 16 },
        },
      },
    },
    log: { level: 'info', format: 'json' },
  };
}
