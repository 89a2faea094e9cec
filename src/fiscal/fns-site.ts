/**
 * Tag 1060, the tax service's site a receipt names (printed, and ATOL's `fnsUrl`). Real results
 * and documents carry `www.nalog.ru` (atol.md's sample results, ffd.md's document dump), though
 * the service itself now lives at www.nalog.gov.ru: a POS compares what the register says.
 */
export const FNS_SITE = 'www.nalog.ru';
