// Prints the plain closing line CI reads: `N passed, N failed, N skipped`, after Jest's own summary.
module.exports = class PlainSummaryReporter {
  onRunComplete(_contexts, results) {
    const line = `${results.numPassedTests} passed, ${results.numFailedTests} failed, ${results.numPendingTests} skipped`;
    process.once('exit', () => process.stderr.write(`\n${line}\n`));
  }
};
