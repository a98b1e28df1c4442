import fc from 'fast-check';

// Property tests are deterministic like every other test: one seed for every fc.assert that names none
// (FC_SEED overrides it to explore; `npm run fuzz` runs the codec properties at length).
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 7) });
