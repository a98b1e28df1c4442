import type { Faker } from '@faker-js/faker';
import { withRealRandom } from './virtual-globals';

/**
 * A new English faker (the caller seeds it). @faker-js/faker is loaded on the first call, not when the lab's
 * modules load: its locale data is the largest module the lab imports, and only populations and generated
 * mailboxes use it (docs/decisions/0023). The module loads with the process's own Math.random: its initialisation
 * draws random seeds, which must not come out of a running lab's seeded stream.
 */
export function newFaker(): Faker {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see above
  const { Faker: FakerClass, en } = withRealRandom(() => require('@faker-js/faker') as typeof import('@faker-js/faker'));
  return new FakerClass({ locale: [en] });
}
