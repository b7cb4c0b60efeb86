// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

/**
 * The layers, bottom to top: protocol ← whitelist ← daemon ← harness; enrollee-sim uses protocol
 * only. Inside daemon/, the engine is below its transports, service, configuration and CLI.
 * Each zone forbids `target` to import (statically or with import()) anything under `from`.
 */
const layers = [
  {
    target: './protocol',
    from: ['./whitelist', './daemon', './enrollee-sim', './harness', './test'],
    message: 'protocol/ is the bottom layer: it imports no other folder of the project.',
  },
  {
    target: './whitelist',
    from: ['./daemon', './enrollee-sim', './harness', './test'],
    message: 'whitelist/ may import protocol/ only.',
  },
  {
    target: './daemon',
    from: ['./enrollee-sim', './harness', './test'],
    message:
      'daemon/ may import protocol/ and whitelist/ only; the simulation is composed in harness/.',
  },
  {
    target: './enrollee-sim',
    from: ['./whitelist', './daemon', './harness', './test'],
    message: 'enrollee-sim/ may import protocol/ only.',
  },
  {
    target: './harness',
    from: ['./test'],
    message: 'harness/ is product code: it imports nothing from test/.',
  },
  {
    target: './daemon/engine',
    from: [
      './daemon/transports',
      './daemon/ble',
      './daemon/service',
      './daemon/cli',
      './daemon/config',
      './daemon/keys',
    ],
    message:
      'daemon/engine/ sits below the transports, Bluetooth LE discovery, the service, the configuration and the CLI: they implement or call its ports.',
  },
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'firmware-bridge/**',
      'firmware-enrollee/**',
      '.build-*/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'import-x/no-restricted-paths': ['error', { zones: layers }],
      // An import that resolves to nothing would slip past the layer rule unseen.
      'import-x/no-unresolved': 'error',
    },
  },
);
