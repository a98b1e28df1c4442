/** From this many cells, `uc-lab matrix` runs them on one worker thread per core unless `--workers` says otherwise. */
export const AUTO_WORKERS_FROM_CELLS = 160;
