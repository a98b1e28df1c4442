/** @jest-config-loader esbuild-register */
import os from 'node:os';
import type { Config } from 'jest';

// ESM-only packages that Jest must transpile to CommonJS on Node < 24.9 (docs/decisions/0001-module-format.md).
const esmOnly = ['chalk', 'sip\\.js', 'fast-xml-parser', 'strnum', '@faker-js/faker', 'msw', '@mswjs', '@open-draft', 'rettime', 'until-async'];

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/simulators', '<rootDir>/harness', '<rootDir>/reports', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j|mj|cj)sx?$': ['@swc/jest', {}] },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  // jest-junit writes the run as JUnit XML for CI (reports/out/jest-junit.xml; the matrix's own is reports/out/junit.xml).
  reporters: [
    'default',
    '<rootDir>/test/support/summary-reporter.cjs',
    ['jest-junit', { outputDirectory: '<rootDir>/reports/out', outputName: 'jest-junit.xml', classNameTemplate: '{classname}', titleTemplate: '{title}', addFileAttribute: 'true' }],
  ],
  // The CLI tests run the built bundle (dist/), built once per run.
  globalSetup: '<rootDir>/test/support/build-cli.ts',
  setupFiles: ['<rootDir>/test/support/fast-check-seed.ts'],
  testTimeout: 60_000,
  // One worker a core (Jest's default leaves one idle, which on a two-core machine halves the run). A third worker
  // once filled the socket cells' waits; since those cells wake on the lab's activity and warm cell threads pass
  // between files, it only adds contention: on two cores, two workers took 0.92x the wall time and 0.86x the CPU of
  // three (docs/decisions/0023).
  maxWorkers: os.availableParallelism(),
};

export default config;
