import { TributaryError } from '@tributary/streams';

/** The test driver was used wrongly (unknown topic or store, read past the end, used after close). */
export class DriverError extends TributaryError {
  constructor(message: string) {
    super('TEST_DRIVER', message);
  }
}
