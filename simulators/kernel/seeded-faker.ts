import type { Faker } from '@faker-js/faker';

/**
 * A new English faker (the caller seeds it). @faker-js/faker is loaded on the first call, not when the lab's
 * modules load: its locale data is the largest module the lab imports, and only populations and generated
 * mailboxes use it (docs/decisions/0012).
 */
export function newFaker(): Faker {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see above
  const { Faker: FakerClass, en } = require('@faker-js/faker') as typeof import('@faker-js/faker');
  return new FakerClass({ locale: [en] });
}
