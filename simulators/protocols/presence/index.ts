/** Presence codecs: PIDF + RPID (SIMPLE), SIP event header values, Microsoft `state` category publication. */
export * from './ms-category-publish';
export * from './pidf';
export * from './sip-events';
export * from './roaming';
