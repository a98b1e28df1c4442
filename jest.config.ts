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
  // One worker more than the cores (Jest's default leaves one idle, which on a two-core machine halves the run):
  // the socket cells wait on the wall clock for much of their time, and a third worker fills those waits. On two
  // cores, three workers took 0.87x the wall time of two (docs/decisions/0023).
  maxWorkers: os.availableParallelism() + 1,
};

export default config;
