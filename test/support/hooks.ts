/** Mocha root hooks (loaded by .mocharc.json): leave no scratch directories behind. */
import { removeTmpDirs } from './service';

export const mochaHooks = {
  afterAll(): void {
    removeTmpDirs();
  },
};
