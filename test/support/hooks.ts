/** Mocha root hooks (loaded by .mocharc.json): leave no scratch directories, emulators or brokers behind. */
import { removeTmpDirs } from './service';

/**
 * A peer that does not stop in time (an emulator holding a long poll open, a Kafka client's
 * disconnect) must not fail a suite whose tests all passed: the process exits after mocha anyway.
 */
async function bounded(what: string, stop: () => Promise<void>, ms = 5_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(() => { process.stderr.write(`test hooks: ${what} did not stop within ${ms} ms; leaving it to the process exit\n`); resolve(); }, ms);
  });
  await Promise.race([stop().catch((err: unknown) => { process.stderr.write(`test hooks: stopping ${what}: ${String(err)}\n`); }), late]);
  clearTimeout(timer);
}

export const mochaHooks = {
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(30_000);
    // Only when a test loaded the AWS emulators: the others should not pay for the AWS SDK.
    const emulators = require.cache[require.resolve('./aws-emulators')];
    if (emulators !== undefined) await bounded('the AWS emulators', () => (emulators.exports as typeof import('./aws-emulators')).stopAwsEmulators());
    const kafka = require.cache[require.resolve('./kafka-mock')];
    if (kafka !== undefined) await bounded('the Kafka mock cluster', () => (kafka.exports as typeof import('./kafka-mock')).stopKafkaMock());
    removeTmpDirs();
  },
};
