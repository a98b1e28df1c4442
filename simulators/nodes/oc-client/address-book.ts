/**
 * The Address Book Service's normalization (OCS 2007 R2 "Company_Phone_Number_Normalization_Rules"): spaces,
 * dashes, dots and parentheses are dropped, then the first rule whose pattern matches the whole number rewrites it
 * (.NET and JavaScript agree on the patterns the lab uses: anchors, digit classes, groups, `$1`). No rule: the
 * number as entered.
 */
export function normalizeNumber(rules: readonly { pattern: string; translation: string }[], entered: string): string {
  const digits = entered.replace(/[\s().-]/g, '');
  for (const r of rules) {
    const re = new RegExp(r.pattern);
    if (re.test(digits)) return digits.replace(re, r.translation);
  }
  return digits;
}
