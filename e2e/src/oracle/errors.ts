import { TributaryError } from '@tributary/streams';

/** The oracle cannot say what the pipeline must output (e.g. lateness that depends on partitioning). */
export class OracleError extends TributaryError {
  constructor(message: string) {
    super('ORACLE', message);
  }
}
