/**
 * Loading the configuration: file (YAML or JSON) → environment overrides → schema → resolved
 * profiles (passphrase files read, Wi-Fi credentials checked). Every error names the key or the
 * environment variable at fault, as `ConfigurationInvalid`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { validateCredential, type WifiCredential } from '../../protocol/dpp/config-object.js';
import { ConfiguratorError } from '../../protocol/errors.js';
import { configSchema, type ConfigFile, type ProfileConfig } from './schema.js';
import { describeJsonError } from '../../protocol/json-error.js';
import type { Profile } from '../engine/profile.js';
import { DaemonErrorCode } from '../errors.js';
import { openToOthers } from '../../whitelist/private-files.js';
import { resolveBridges, type BridgeSetting } from './bridges.js';

export type { Profile, BridgeSetting };

export const CONFIG_ENV = 'CONFIGURATOR_CONFIG';
const MAX_CONFIG_BYTES = 1024 * 1024;

/** Environment variables that override one key each (documented in the README). */
export const ENV_OVERRIDES: readonly {
  readonly name: string;
  readonly path: readonly string[];
  /** channel: a whole number, or `auto`. */
  readonly type: 'string' | 'number' | 'boolean' | 'channel';
}[] = [
  { name: 'CONFIGURATOR_RADIO_PORT', path: ['radio', 'port'], type: 'string' },
  { name: 'CONFIGURATOR_RADIO_BAUD', path: ['radio', 'baud'], type: 'number' },
  { name: 'CONFIGURATOR_RADIO_CHANNEL', path: ['radio', 'channel'], type: 'channel' },
  { name: 'CONFIGURATOR_TCP_ENABLED', path: ['tcp', 'enabled'], type: 'boolean' },
  { name: 'CONFIGURATOR_TCP_HOST', path: ['tcp', 'host'], type: 'string' },
  { name: 'CONFIGURATOR_TCP_PORT', path: ['tcp', 'port'], type: 'number' },
  { name: 'CONFIGURATOR_CONSOLE_ENABLED', path: ['console', 'enabled'], type: 'boolean' },
  { name: 'CONFIGURATOR_CONSOLE_HOST', path: ['console', 'host'], type: 'string' },
  { name: 'CONFIGURATOR_CONSOLE_PORT', path: ['console', 'port'], type: 'number' },
  { name: 'CONFIGURATOR_MAX_SESSIONS', path: ['sessions', 'maxConcurrent'], type: 'number' },
  { name: 'CONFIGURATOR_DEFAULT_PROFILE', path: ['defaultProfile'], type: 'string' },
  { name: 'CONFIGURATOR_LOG_LEVEL', path: ['log', 'level'], type: 'string' },
  { name: 'CONFIGURATOR_LOG_FORMAT', path: ['log', 'format'], type: 'string' },
];

/** The radio part of the configuration, its bridges in one list whichever form named them. */
export interface RadioSettings {
  readonly baud: number;
  readonly preflight: boolean;
  /** radio.bridges, or the one bridge of radio.port / radio.channel; empty for radio.port: none. */
  readonly bridges: readonly BridgeSetting[];
}

export interface DaemonConfig extends Omit<ConfigFile, 'profiles' | 'tcp' | 'radio'> {
  readonly radio: RadioSettings;
  readonly tcp: ConfigFile['tcp'] & { readonly connectionTimeoutMs: number };
  /** The file it came from, if any; relative paths in it are resolved against its folder. */
  readonly file?: string | undefined;
  readonly baseDir: string;
  readonly profiles: ReadonlyMap<string, Profile>;
  /** Things worth a warning at start (a group-readable file holding a passphrase …). */
  readonly warnings: readonly string[];
}

export interface LoadOptions {
  /** `--config FILE`; else $CONFIGURATOR_CONFIG; else `<dataDir>/config.yaml` if it exists. */
  readonly configPath?: string | undefined;
  readonly dataDir: string;
  readonly env?: NodeJS.ProcessEnv;
}

function invalid(message: string): ConfiguratorError {
  return new ConfiguratorError(DaemonErrorCode.ConfigurationInvalid, message);
}

export function findConfigFile(options: LoadOptions): string | undefined {
  const env = options.env ?? process.env;
  const explicit = options.configPath ?? (env[CONFIG_ENV] || undefined);
  if (explicit !== undefined) {
    const path = resolve(explicit);
    if (!existsSync(path)) throw invalid(`configuration file ${path} does not exist`);
    return path;
  }
  for (const name of ['config.yaml', 'config.yml', 'config.json']) {
    const path = join(options.dataDir, name);
    if (existsSync(path)) return path;
  }
  return undefined;
}

function readConfigFile(path: string): unknown {
  let text: string;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw invalid(`${path}: not a regular file`);
    if (stat.size > MAX_CONFIG_BYTES)
      throw invalid(`${path}: larger than ${MAX_CONFIG_BYTES} bytes`);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof ConfiguratorError) throw e;
    throw invalid(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (extname(path).toLowerCase() === '.json') {
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw invalid(`${path}: not valid JSON: ${describeJsonError(text, e)}`);
    }
  }
  try {
    return parseYaml(text, { strict: true, uniqueKeys: true }) ?? {};
  } catch (e) {
    // The first line says where ("at line 3, column 5"); the lines after it quote the file.
    throw invalid(`${path}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
}

function applyEnv(raw: unknown, env: NodeJS.ProcessEnv): Record<string, unknown> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw invalid('the configuration must be a mapping of keys to values');
  }
  const root = structuredClone(raw) as Record<string, unknown>;
  for (const o of ENV_OVERRIDES) {
    const text = env[o.name];
    if (text === undefined || text === '') continue;
    let value: string | number | boolean = text;
    if (o.type === 'channel' && text === 'auto') {
      value = text;
    } else if (o.type === 'number' || o.type === 'channel') {
      if (!/^\d+$/.test(text))
        throw invalid(
          `${o.name}: "${text}" is not a whole number${o.type === 'channel' ? ' or auto' : ''}`,
        );
      value = Number(text);
    } else if (o.type === 'boolean') {
      if (!/^(true|false|1|0|yes|no)$/i.test(text))
        throw invalid(`${o.name}: "${text}" is not true or false`);
      value = /^(true|1|yes)$/i.test(text);
    }
    let node = root;
    for (const key of o.path.slice(0, -1)) {
      const next = node[key];
      if (next === undefined) node[key] = {};
      else if (typeof next !== 'object' || next === null)
        throw invalid(`${key}: must be a mapping`);
      node = node[key] as Record<string, unknown>;
    }
    node[o.path[o.path.length - 1]!] = value;
  }
  return root;
}

/** One line per problem: `key.path: message`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((i) => {
      const path = i.path.map(String).join('.');
      return `${path === '' ? '(top level)' : path}: ${i.message}`;
    })
    .join('; ');
}

function resolveProfile(name: string, p: ProfileConfig, baseDir: string): Profile {
  let pass = p.wifi.passphrase;
  if (p.wifi.passphraseFile !== undefined) {
    const file = resolve(baseDir, p.wifi.passphraseFile);
    try {
      pass = readFileSync(file, 'utf8').split(/\r?\n/)[0] ?? '';
    } catch (e) {
      throw invalid(
        `profiles.${name}.wifi.passphraseFile: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  const credential: WifiCredential = { akm: p.wifi.akm, pass };
  try {
    validateCredential(credential);
  } catch (e) {
    // The reason names the rule (length, characters), never the passphrase itself.
    throw invalid(`profiles.${name}.wifi: ${(e as Error).message}`);
  }
  return {
    name,
    ssid: p.wifi.ssid,
    credential,
    requireMutual: p.requireMutual,
    allowReprovision: p.allowReprovision,
    connectionStatus: p.connectionStatus,
    lwm2m: p.lwm2m,
  };
}

/**
 * The longest a DPP/TCP exchange may take within the session timeouts: authentication, the
 * Configuration Request, the Configuration Result, the Connection Status Result (each stage has
 * its own timer), and 5 s for the work between them.
 */
export function longestTcpExchangeMs(sessions: ConfigFile['sessions']): number {
  return (
    sessions.authTimeoutMs + 2 * sessions.configTimeoutMs + sessions.connStatusTimeoutMs + 5000
  );
}

export function loadConfig(options: LoadOptions): DaemonConfig {
  const env = options.env ?? process.env;
  const file = findConfigFile(options);
  const raw = file === undefined ? {} : readConfigFile(file);
  const parsed = configSchema.safeParse(applyEnv(raw, env));
  if (!parsed.success) {
    throw invalid(`${file ?? 'configuration'}: ${describeIssues(parsed.error.issues)}`);
  }
  const baseDir = file === undefined ? options.dataDir : dirname(file);
  const warnings: string[] = [];
  const profiles = new Map<string, Profile>();
  for (const [name, p] of Object.entries(parsed.data.profiles)) {
    profiles.set(name, resolveProfile(name, p, baseDir));
    if (
      file !== undefined &&
      p.wifi.passphrase !== undefined &&
      openToOthers(statSync(file).mode)
    ) {
      warnings.push(
        `${file} holds a Wi-Fi passphrase and is readable by others: chmod 600 it, or use passphraseFile`,
      );
    }
  }
  const bridges = resolveBridges(
    parsed.data.radio,
    parsed.data.defaultProfile,
    Object.keys(parsed.data.profiles),
  );
  if (!bridges.ok) throw invalid(`${file ?? 'configuration'}: ${bridges.error}`);
  const longest = longestTcpExchangeMs(parsed.data.sessions);
  const { connectionTimeoutMs = longest } = parsed.data.tcp;
  if (parsed.data.tcp.enabled && connectionTimeoutMs < longest) {
    warnings.push(
      `tcp.connectionTimeoutMs (${connectionTimeoutMs}) is shorter than the sessions' timeouts allow ` +
        `an exchange (${longest} ms): a slow DPP/TCP session may be closed before it ends`,
    );
  }
  const { baud, preflight } = parsed.data.radio;
  return {
    ...parsed.data,
    radio: { baud, preflight, bridges: bridges.bridges },
    tcp: { ...parsed.data.tcp, connectionTimeoutMs },
    file,
    baseDir,
    profiles,
    warnings: [...new Set(warnings)],
  };
}
