import type * as Msw from 'msw';
import { withRealRandom } from '../../kernel/virtual-globals';

let loaded: typeof Msw | undefined;

/**
 * msw, loaded the first time a lab serves or answers HTTP rather than when the simulators' modules load: with
 * the GraphQL parser it brings, it is the largest package a lab imports, and most code that imports the
 * simulators (planning a matrix, rendering reports, unit tests) never starts an Exchange or a phone service. Loaded
 * with the process's own Math.random, like @faker-js/faker (simulators/kernel/seeded-faker.ts), so that a cell's
 * seeded draws do not depend on whether an earlier cell loaded it.
 */
export function msw(): typeof Msw {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see above
  return (loaded ??= withRealRandom(() => require('msw') as typeof Msw));
}
