/** Exchange releases the calendaring note names, oldest first (each with its service pack). */
export const EXCHANGE_RELEASES = ['2003 SP2', '2007 SP1'] as const;
export type ExchangeRelease = (typeof EXCHANGE_RELEASES)[number];
