/** Mocha root hooks (loaded by .mocharc.json): leave no scratch directories, emulators or brokers behind. */
import { removeTmpDirs } from './service';

export const mochaHooks = {
  async afterAll(this: Mocha.Context): Promise<void> {
    // Removing every test's scratch directories took 28 s once on a machine shared with other suites.
    this.timeout(120_000);
    // Only when a test loaded the AWS emulators: the others should not pay for the AWS SDK.
    const emulators = require.cache[require.resolve('./aws-emulators')];
    if (emulators !== undefined) await (emulators.exports as typeof import('./aws-emulators')).stopAwsEmulators();
    const kafka = require.cache[require.resolve('./kafka-mock')];
    if (kafka !== undefined) await (kafka.exports as typeof import('./kafka-mock')).stopKafkaMock();
    removeTmpDirs();
  },
};
