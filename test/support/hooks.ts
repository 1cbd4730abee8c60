/** Mocha root hooks (loaded by .mocharc.json): leave no scratch directories or emulators behind. */
import { removeTmpDirs } from './service';

export const mochaHooks = {
  async afterAll(): Promise<void> {
    // Only when a test loaded the AWS emulators: the others should not pay for the AWS SDK.
    const emulators = require.cache[require.resolve('./aws-emulators')];
    if (emulators !== undefined) await (emulators.exports as typeof import('./aws-emulators')).stopAwsEmulators();
    removeTmpDirs();
  },
};
